//! The built-in question bank: ready-made pulse-survey items, in English and Russian,
//! for every engagement driver. HR picks from it when building a survey and
//! `GET /api/v1/question-bank?lang=en|ru` lists it. Every item was written for this
//! project; none is taken from a published instrument. Keys are stable identifiers
//! (a driver prefix and a short name) that surveys may store, so an item's key must
//! never be reused for a different question.
//!
//! The engagement-outcome `likert5` items feed the engagement index; the one
//! `scale11` item is the eNPS question. The module is pure data and lookups: no I/O.

use serde::{Deserialize, Serialize};

/// Whether a requested language selects the Russian texts ("ru", any case); every
/// other value falls back to English.
fn is_ru(lang: &str) -> bool {
    lang.trim().eq_ignore_ascii_case("ru")
}

/// A driver of engagement: the theme a question measures, used to group scores in
/// reports and heatmaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, poem_openapi::Enum)]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum Driver {
    /// The outcome itself: pride, intention to stay, motivation, advocacy, eNPS.
    EngagementOutcome,
    /// Whether good work is noticed and fairly rewarded.
    Recognition,
    /// Learning, development and career prospects.
    Growth,
    /// How well the direct manager supports the person.
    ManagerSupport,
    /// Sustainable workload, rest and energy.
    WorkloadWellbeing,
    /// Freedom to decide how the work is done.
    Autonomy,
    /// Understanding of, and connection to, the company's goals.
    Alignment,
    /// Relationships and cooperation with colleagues.
    PeerRelations,
    /// Being able and equipped to serve customers well.
    CustomerFocus,
    /// Being able to speak up and be heard.
    Voice,
}

impl Driver {
    /// Every driver, in the order reports list them.
    pub const ALL: [Driver; 10] = [
        Driver::EngagementOutcome,
        Driver::Recognition,
        Driver::Growth,
        Driver::ManagerSupport,
        Driver::WorkloadWellbeing,
        Driver::Autonomy,
        Driver::Alignment,
        Driver::PeerRelations,
        Driver::CustomerFocus,
        Driver::Voice,
    ];

    /// The stable `snake_case` key, as stored and sent over the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Driver::EngagementOutcome => "engagement_outcome",
            Driver::Recognition => "recognition",
            Driver::Growth => "growth",
            Driver::ManagerSupport => "manager_support",
            Driver::WorkloadWellbeing => "workload_wellbeing",
            Driver::Autonomy => "autonomy",
            Driver::Alignment => "alignment",
            Driver::PeerRelations => "peer_relations",
            Driver::CustomerFocus => "customer_focus",
            Driver::Voice => "voice",
        }
    }

    /// The driver for a key produced by [`Driver::as_str`] (surrounding whitespace and
    /// letter case are ignored), or `None` for anything else.
    pub fn parse(s: &str) -> Option<Driver> {
        let s = s.trim();
        Driver::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s))
    }

    /// A human-readable name: Russian for `"ru"`, English for anything else.
    pub fn label(self, lang: &str) -> &'static str {
        let (en, ru) = match self {
            Driver::EngagementOutcome => ("Engagement", "Вовлечённость"),
            Driver::Recognition => ("Recognition", "Признание"),
            Driver::Growth => ("Growth", "Развитие"),
            Driver::ManagerSupport => ("Manager support", "Поддержка руководителя"),
            Driver::WorkloadWellbeing => ("Workload & wellbeing", "Нагрузка и самочувствие"),
            Driver::Autonomy => ("Autonomy", "Самостоятельность"),
            Driver::Alignment => ("Alignment", "Понимание целей"),
            Driver::PeerRelations => ("Peer relations", "Отношения с коллегами"),
            Driver::CustomerFocus => ("Customer focus", "Ориентация на клиента"),
            Driver::Voice => ("Voice", "Возможность высказаться"),
        };
        if is_ru(lang) { ru } else { en }
    }
}

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, poem_openapi::Enum)]
#[serde(rename_all = "snake_case")]
#[oai(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Agreement on a 1–5 scale (1 = strongly disagree, 5 = strongly agree).
    Likert5,
    /// A 0–10 scale; used for the eNPS question.
    Scale11,
    /// One of the options listed with the question.
    Choice,
    /// Free text, at most 2,000 characters.
    Text,
}

impl QuestionKind {
    /// Every kind.
    pub const ALL: [QuestionKind; 4] = [
        QuestionKind::Likert5,
        QuestionKind::Scale11,
        QuestionKind::Choice,
        QuestionKind::Text,
    ];

    /// The stable key, as stored and sent over the API.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Likert5 => "likert5",
            QuestionKind::Scale11 => "scale11",
            QuestionKind::Choice => "choice",
            QuestionKind::Text => "text",
        }
    }

    /// The kind for a key produced by [`QuestionKind::as_str`] (surrounding whitespace
    /// and letter case are ignored), or `None` for anything else.
    pub fn parse(s: &str) -> Option<QuestionKind> {
        let s = s.trim();
        QuestionKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

/// One ready-made question of the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BankItem {
    /// Stable identifier: a driver prefix and a short name, e.g. `"eo_enps"`.
    pub key: &'static str,
    /// The driver the item measures.
    pub driver: Driver,
    /// How the item is answered.
    pub kind: QuestionKind,
    /// The English wording.
    pub text_en: &'static str,
    /// The Russian wording.
    pub text_ru: &'static str,
}

impl BankItem {
    /// The wording in a language: Russian for `"ru"`, English for anything else.
    pub fn text(&self, lang: &str) -> &'static str {
        if is_ru(lang) {
            self.text_ru
        } else {
            self.text_en
        }
    }

    /// Whether a survey should make this item optional when it adds it: free-text
    /// items are optional, scored items are not. A survey may still override this.
    pub fn optional_by_default(&self) -> bool {
        self.kind == QuestionKind::Text
    }
}

/// The key of the item asking whether people have seen action on the results of the
/// last pulse (read next to the team's action plans).
pub const SEEN_ACTION_KEY: &str = "vo_seen_action";

/// The key of the eNPS item, the bank's only `scale11` question.
pub const ENPS_KEY: &str = "eo_enps";

/// Shorthand for a bank entry, to keep the table readable.
const fn it(
    key: &'static str,
    driver: Driver,
    kind: QuestionKind,
    text_en: &'static str,
    text_ru: &'static str,
) -> BankItem {
    BankItem {
        key,
        driver,
        kind,
        text_en,
        text_ru,
    }
}

use Driver as D;
use QuestionKind as K;

/// Every item of the bank, grouped by driver in [`Driver::ALL`] order. Likert items are
/// statements to agree or disagree with; the others are questions.
pub static ITEMS: &[BankItem] = &[
    // Engagement outcome: eNPS plus the likert5 items behind the engagement index.
    it(
        ENPS_KEY,
        D::EngagementOutcome,
        K::Scale11,
        "How likely are you to recommend this company as a place to work?",
        "Насколько вероятно, что вы порекомендуете эту компанию как место работы?",
    ),
    it(
        "eo_proud",
        D::EngagementOutcome,
        K::Likert5,
        "I am proud to tell people where I work.",
        "Я с гордостью рассказываю, где работаю.",
    ),
    it(
        "eo_stay",
        D::EngagementOutcome,
        K::Likert5,
        "I see myself still working here two years from now.",
        "Я вижу себя в этой компании и через два года.",
    ),
    it(
        "eo_motivated",
        D::EngagementOutcome,
        K::Likert5,
        "I feel motivated to do my best work here.",
        "Здесь мне хочется работать в полную силу.",
    ),
    it(
        "eo_recommend",
        D::EngagementOutcome,
        K::Likert5,
        "I would readily encourage a friend to apply for a job here.",
        "Я могу смело советовать друзьям устроиться к нам на работу.",
    ),
    it(
        "eo_satisfied",
        D::EngagementOutcome,
        K::Likert5,
        "All things considered, I am happy working here.",
        "В целом мне нравится здесь работать.",
    ),
    // Recognition.
    it(
        "rc_noticed",
        D::Recognition,
        K::Likert5,
        "When I do good work, someone notices.",
        "Когда я хорошо справляюсь с работой, это замечают.",
    ),
    it(
        "rc_valued",
        D::Recognition,
        K::Likert5,
        "My contribution to the team is valued.",
        "Мой вклад в работу команды ценят.",
    ),
    it(
        "rc_deserved",
        D::Recognition,
        K::Likert5,
        "Recognition here goes to the people who have actually earned it.",
        "Признание у нас получают те, кто его действительно заслужил.",
    ),
    it(
        "rc_pay_fair",
        D::Recognition,
        K::Likert5,
        "My pay is fair for the work I do.",
        "Оплата моего труда справедлива с учётом того, что я делаю.",
    ),
    // Growth.
    it(
        "gr_learning",
        D::Growth,
        K::Likert5,
        "My job keeps teaching me something new.",
        "На работе я постоянно узнаю что-то новое.",
    ),
    it(
        "gr_career_path",
        D::Growth,
        K::Likert5,
        "I can see a realistic next step for my career here.",
        "Я вижу для себя реальные возможности карьерного роста в компании.",
    ),
    it(
        "gr_time_to_learn",
        D::Growth,
        K::Likert5,
        "I have time to build new skills, not just to keep up with today's tasks.",
        "У меня есть время осваивать новые навыки, а не только справляться с текущими задачами.",
    ),
    it(
        "gr_feedback",
        D::Growth,
        K::Likert5,
        "The feedback I get helps me get better at my job.",
        "Обратная связь, которую я получаю, помогает мне расти в профессии.",
    ),
    // Manager support.
    it(
        "ms_approachable",
        D::ManagerSupport,
        K::Likert5,
        "I can take a problem to my manager without worrying about how it will be received.",
        "Я могу прийти к руководителю с проблемой, не опасаясь негативной реакции.",
    ),
    it(
        "ms_interest",
        D::ManagerSupport,
        K::Likert5,
        "My manager takes an interest in how I am doing, not only in what I deliver.",
        "Моему руководителю важно, как у меня дела, а не только результаты моей работы.",
    ),
    it(
        "ms_shared_expectations",
        D::ManagerSupport,
        K::Likert5,
        "My manager and I agree on what a good result looks like in my role.",
        "Мы с руководителем одинаково понимаем, какого результата от меня ждут.",
    ),
    it(
        "ms_clears_obstacles",
        D::ManagerSupport,
        K::Likert5,
        "My manager helps clear the obstacles that slow me down.",
        "Руководитель помогает мне устранять то, что мешает работать.",
    ),
    // Workload & wellbeing.
    it(
        "ww_manageable",
        D::WorkloadWellbeing,
        K::Likert5,
        "I can usually get my work done within normal working hours.",
        "Обычно я успеваю справиться со своими задачами в рамках рабочего дня.",
    ),
    it(
        "ww_switch_off",
        D::WorkloadWellbeing,
        K::Likert5,
        "Outside working hours I can really switch off from work.",
        "В нерабочее время я могу по-настоящему отключиться от работы.",
    ),
    it(
        "ww_energy_left",
        D::WorkloadWellbeing,
        K::Likert5,
        "At the end of a working day I still have energy for life outside work.",
        "К концу рабочего дня у меня остаются силы на жизнь вне работы.",
    ),
    it(
        "ww_time_off",
        D::WorkloadWellbeing,
        K::Likert5,
        "I can take time off when I need it without feeling guilty.",
        "Я могу взять выходной, когда мне это нужно, без чувства вины.",
    ),
    // Autonomy.
    it(
        "au_organise",
        D::Autonomy,
        K::Likert5,
        "I have a real say in how I organise my own work.",
        "Я могу влиять на то, как организована моя работа.",
    ),
    it(
        "au_everyday_decisions",
        D::Autonomy,
        K::Likert5,
        "I can make everyday decisions in my job without waiting for approval.",
        "Повседневные рабочие решения я могу принимать, не дожидаясь согласования.",
    ),
    it(
        "au_trusted",
        D::Autonomy,
        K::Likert5,
        "I am trusted to do my job without someone checking every step.",
        "Мне доверяют и не контролируют каждый мой шаг.",
    ),
    it(
        "au_try_new",
        D::Autonomy,
        K::Likert5,
        "I am free to try a different approach when I think it will work better.",
        "Я могу попробовать другой подход, если считаю, что так будет лучше.",
    ),
    // Alignment.
    it(
        "al_direction",
        D::Alignment,
        K::Likert5,
        "I understand what the company is trying to achieve this year.",
        "Я понимаю, к чему компания стремится в этом году.",
    ),
    it(
        "al_my_part",
        D::Alignment,
        K::Likert5,
        "I can see how my work contributes to the company's goals.",
        "Я вижу, как моя работа помогает компании достигать её целей.",
    ),
    it(
        "al_clear_priorities",
        D::Alignment,
        K::Likert5,
        "My team's priorities are clear and do not change without explanation.",
        "Приоритеты моей команды понятны и не меняются без объяснения причин.",
    ),
    it(
        "al_leaders_explain",
        D::Alignment,
        K::Likert5,
        "Senior leaders explain the reasons behind major decisions.",
        "Высшее руководство объясняет, почему принимаются важные решения.",
    ),
    // Peer relations.
    it(
        "pr_help_each_other",
        D::PeerRelations,
        K::Likert5,
        "When someone on my team is stuck, colleagues are quick to help.",
        "Если у кого-то в команде что-то не получается, коллеги охотно помогают.",
    ),
    it(
        "pr_belong",
        D::PeerRelations,
        K::Likert5,
        "I feel I truly belong in my team.",
        "Я ощущаю себя частью своей команды.",
    ),
    it(
        "pr_respect",
        D::PeerRelations,
        K::Likert5,
        "People in my team treat each other with respect, even when they disagree.",
        "В моей команде относятся друг к другу с уважением, даже когда мнения расходятся.",
    ),
    it(
        "pr_rely_on",
        D::PeerRelations,
        K::Likert5,
        "I can count on my colleagues to do their share of the work.",
        "Я могу положиться на коллег: свою часть работы они сделают.",
    ),
    // Customer focus.
    it(
        "cf_tools_to_solve",
        D::CustomerFocus,
        K::Likert5,
        "I have what I need to solve customers' problems.",
        "У меня есть всё необходимое, чтобы решать проблемы клиентов.",
    ),
    it(
        "cf_know_needs",
        D::CustomerFocus,
        K::Likert5,
        "I know what matters most to the customers my work serves.",
        "Я знаю, что важнее всего для клиентов, ради которых я работаю.",
    ),
    it(
        "cf_free_to_help",
        D::CustomerFocus,
        K::Likert5,
        "I can do what is right for a customer without having to ask for permission.",
        "Чтобы помочь клиенту, мне не нужно каждый раз спрашивать разрешения.",
    ),
    it(
        "cf_problems_fixed",
        D::CustomerFocus,
        K::Likert5,
        "When customers report a problem, it actually gets fixed.",
        "Когда клиенты сообщают о проблеме, её действительно решают.",
    ),
    it(
        "cf_cross_team",
        D::CustomerFocus,
        K::Likert5,
        "Teams here work together on customer problems instead of passing them along.",
        "Команды у нас вместе решают проблемы клиентов, а не перекладывают их друг на друга.",
    ),
    // Voice.
    it(
        "vo_safe_to_disagree",
        D::Voice,
        K::Likert5,
        "I can disagree with a decision openly without fear of consequences.",
        "Я могу открыто не согласиться с решением, не опасаясь последствий.",
    ),
    it(
        "vo_ideas_heard",
        D::Voice,
        K::Likert5,
        "My ideas are taken seriously, even when they are not adopted.",
        "К моим идеям относятся серьёзно, даже если их не принимают.",
    ),
    it(
        "vo_survey_action",
        D::Voice,
        K::Likert5,
        "I believe something will change as a result of this survey.",
        "Я верю, что по итогам этого опроса что-то изменится.",
    ),
    // Asked beside the team's action plans: whether the last round's actions were seen.
    it(
        SEEN_ACTION_KEY,
        D::Voice,
        K::Likert5,
        "I have seen action on the results of the last pulse.",
        "Я вижу, что по итогам прошлого опроса были приняты меры.",
    ),
    it(
        "vo_one_change",
        D::Voice,
        K::Text,
        "What one change would most improve your work?",
        "Если бы можно было изменить что-то одно, что сильнее всего улучшило бы вашу работу?",
    ),
];

/// The bank item with this key, if any.
pub fn item(key: &str) -> Option<&'static BankItem> {
    ITEMS.iter().find(|i| i.key == key)
}

/// The bank's items for one driver, in bank order.
pub fn items_for(driver: Driver) -> impl Iterator<Item = &'static BankItem> {
    ITEMS.iter().filter(move |i| i.driver == driver)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn has_cyrillic(s: &str) -> bool {
        s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
    }

    #[test]
    fn every_driver_has_at_least_three_items_and_engagement_outcome_at_least_five() {
        for d in Driver::ALL {
            let n = items_for(d).count();
            let min = if d == Driver::EngagementOutcome { 5 } else { 3 };
            assert!(n >= min, "{} has {n} items, needs {min}", d.as_str());
        }
    }

    #[test]
    fn engagement_outcome_has_at_least_four_likert_items_besides_enps() {
        let likert = items_for(Driver::EngagementOutcome)
            .filter(|i| i.kind == QuestionKind::Likert5)
            .count();
        assert!(likert >= 4, "only {likert} likert5 engagement items");
    }

    #[test]
    fn keys_are_unique() {
        let mut seen = HashSet::new();
        for i in ITEMS {
            assert!(seen.insert(i.key), "duplicate key {}", i.key);
        }
    }

    #[test]
    fn keys_are_lowercase_snake_case_with_the_driver_prefix() {
        for i in ITEMS {
            assert!(
                !i.key.is_empty()
                    && i.key
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "bad key {}",
                i.key
            );
            let prefix = match i.driver {
                Driver::EngagementOutcome => "eo_",
                Driver::Recognition => "rc_",
                Driver::Growth => "gr_",
                Driver::ManagerSupport => "ms_",
                Driver::WorkloadWellbeing => "ww_",
                Driver::Autonomy => "au_",
                Driver::Alignment => "al_",
                Driver::PeerRelations => "pr_",
                Driver::CustomerFocus => "cf_",
                Driver::Voice => "vo_",
            };
            assert!(
                i.key.starts_with(prefix),
                "{} should start with {prefix}",
                i.key
            );
        }
    }

    #[test]
    fn exactly_one_scale11_item_exists_and_it_is_the_enps_item() {
        let scale11: Vec<_> = ITEMS
            .iter()
            .filter(|i| i.kind == QuestionKind::Scale11)
            .collect();
        assert_eq!(scale11.len(), 1);
        let enps = scale11[0];
        assert_eq!(enps.key, ENPS_KEY);
        assert_eq!(enps.driver, Driver::EngagementOutcome);
        assert_eq!(
            enps.text_en,
            "How likely are you to recommend this company as a place to work?"
        );
        assert_eq!(item(ENPS_KEY), Some(enps));
    }

    #[test]
    fn the_customer_focus_driver_includes_the_item_named_in_the_spec() {
        let i = item("cf_tools_to_solve").expect("cf_tools_to_solve is in the bank");
        assert_eq!(i.driver, Driver::CustomerFocus);
        assert_eq!(
            i.text_en,
            "I have what I need to solve customers' problems."
        );
    }

    #[test]
    fn the_seen_action_item_asks_in_both_languages_on_a_scored_scale() {
        let i = item(SEEN_ACTION_KEY).expect("in the bank");
        assert_eq!(i.kind, QuestionKind::Likert5);
        assert_eq!(
            i.text("en"),
            "I have seen action on the results of the last pulse."
        );
        assert!(i.text("ru").contains("прошлого опроса"));
    }

    #[test]
    fn voice_has_exactly_one_free_text_item_and_it_is_optional() {
        let texts: Vec<_> = ITEMS
            .iter()
            .filter(|i| i.kind == QuestionKind::Text)
            .collect();
        assert_eq!(texts.len(), 1);
        assert_eq!(texts[0].driver, Driver::Voice);
        assert!(texts[0].optional_by_default());
        assert!(
            ITEMS
                .iter()
                .filter(|i| i.kind != QuestionKind::Text)
                .all(|i| !i.optional_by_default())
        );
    }

    #[test]
    fn every_item_has_non_empty_english_and_russian_texts_and_the_russian_is_cyrillic() {
        for i in ITEMS {
            assert!(
                !i.text_en.trim().is_empty(),
                "{} has no English text",
                i.key
            );
            assert!(
                !i.text_ru.trim().is_empty(),
                "{} has no Russian text",
                i.key
            );
            assert!(
                has_cyrillic(i.text_ru),
                "{} Russian text has no Cyrillic",
                i.key
            );
            assert!(
                !i.text_ru.chars().any(|c| c.is_ascii_alphabetic()),
                "{} Russian text contains Latin letters",
                i.key
            );
            assert!(
                !has_cyrillic(i.text_en),
                "{} English text contains Cyrillic",
                i.key
            );
        }
    }

    #[test]
    fn texts_are_trimmed_and_statements_end_with_a_full_stop_and_questions_with_a_question_mark() {
        for i in ITEMS {
            for t in [i.text_en, i.text_ru] {
                assert_eq!(t, t.trim(), "{} text has surrounding whitespace", i.key);
                let end = if i.kind == QuestionKind::Likert5 {
                    '.'
                } else {
                    '?'
                };
                assert!(t.ends_with(end), "{}: {t:?} should end with {end:?}", i.key);
            }
        }
    }

    #[test]
    fn text_returns_russian_only_for_ru_and_english_otherwise() {
        let i = item("eo_proud").expect("eo_proud is in the bank");
        assert_eq!(i.text("ru"), i.text_ru);
        assert_eq!(i.text("RU"), i.text_ru);
        assert_eq!(i.text("en"), i.text_en);
        assert_eq!(i.text("de"), i.text_en);
        assert_eq!(i.text(""), i.text_en);
    }

    #[test]
    fn item_returns_none_for_an_unknown_key() {
        assert!(item("no_such_item").is_none());
        assert!(item("").is_none());
    }

    #[test]
    fn driver_parse_round_trips_as_str_for_all_drivers() {
        for d in Driver::ALL {
            assert_eq!(Driver::parse(d.as_str()), Some(d));
        }
        assert_eq!(
            Driver::parse(" Manager_Support "),
            Some(Driver::ManagerSupport)
        );
        assert_eq!(Driver::parse("managers"), None);
        assert_eq!(Driver::parse(""), None);
    }

    #[test]
    fn driver_all_lists_every_driver_once() {
        let set: HashSet<_> = Driver::ALL.into_iter().collect();
        assert_eq!(set.len(), Driver::ALL.len());
    }

    #[test]
    fn question_kind_parse_round_trips_as_str_for_all_kinds() {
        for k in QuestionKind::ALL {
            assert_eq!(QuestionKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(QuestionKind::parse("likert7"), None);
    }

    #[test]
    fn serde_names_match_as_str() {
        for d in Driver::ALL {
            let json = serde_json::to_string(&d).expect("serialises");
            assert_eq!(json, format!("\"{}\"", d.as_str()));
            let back: Driver = serde_json::from_str(&json).expect("deserialises");
            assert_eq!(back, d);
        }
        for k in QuestionKind::ALL {
            let json = serde_json::to_string(&k).expect("serialises");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            let back: QuestionKind = serde_json::from_str(&json).expect("deserialises");
            assert_eq!(back, k);
        }
    }

    #[test]
    fn every_driver_has_distinct_english_and_russian_labels() {
        let mut en = HashSet::new();
        let mut ru = HashSet::new();
        for d in Driver::ALL {
            assert!(en.insert(d.label("en")));
            assert!(ru.insert(d.label("ru")));
            assert!(has_cyrillic(d.label("ru")));
            assert!(!has_cyrillic(d.label("en")));
        }
    }
}
