//! Page texts in English and Russian. A text is looked up by its English wording; the
//! Russian table below gives its translation. A unit test reads the page sources and
//! fails if any `t(..)` text has no Russian entry.

use crate::org::domain::Language;

/// `en` in the page's language.
pub fn t(lang: Language, en: &'static str) -> &'static str {
    match lang {
        Language::En => en,
        Language::Ru => ru(en).unwrap_or(en),
    }
}

/// [`t`] with `{name}` placeholders filled in.
pub fn tf(lang: Language, en: &'static str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, en).to_owned();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

fn ru(en: &str) -> Option<&'static str> {
    RU.iter().find(|(e, _)| *e == en).map(|(_, r)| *r)
}

const RU: &[(&str, &str)] = &[
    // chrome
    ("Skip to content", "Перейти к содержимому"),
    ("Main navigation", "Основная навигация"),
    ("My pulses", "Мои опросы"),
    ("Suggestions", "Предложения"),
    ("Reports", "Отчёты"),
    ("Surveys", "Опросы"),
    ("People", "Сотрудники"),
    ("Heatmap", "Тепловая карта"),
    ("Linkage", "Связь EX–CX"),
    ("Audit log", "Журнал аудита"),
    ("Password", "Пароль"),
    ("Sign out", "Выйти"),
    ("Language", "Язык"),
    ("Switch", "Сменить"),
    // errors
    ("Not allowed", "Нет доступа"),
    (
        "Your role does not give access to this page. If you think it should, ask HR.",
        "Ваша роль не даёт доступа к этой странице. Если вы считаете, что он нужен, обратитесь в HR.",
    ),
    ("Not found", "Не найдено"),
    (
        "This page or item does not exist, or is not visible to you.",
        "Такой страницы или записи нет, или она вам не видна.",
    ),
    ("Something went wrong", "Что-то пошло не так"),
    (
        "The error has been logged. Please try again later.",
        "Ошибка записана в журнал. Попробуйте позже.",
    ),
    ("This did not work", "Не получилось"),
    ("Back to the start page", "На главную"),
    (
        "The form has expired. Please reload the page and try again.",
        "Форма устарела. Обновите страницу и попробуйте снова.",
    ),
    (
        "Please correct the marked fields.",
        "Исправьте отмеченные поля.",
    ),
    // sign-in, activation, password
    ("Sign in", "Вход"),
    ("E-mail", "Эл. почта"),
    (
        "The e-mail or the password is wrong.",
        "Неверная эл. почта или пароль.",
    ),
    (
        "Too many attempts. Try again in {s} seconds.",
        "Слишком много попыток. Повторите через {s} с.",
    ),
    ("Activate your account", "Активация учётной записи"),
    ("Activation code", "Код активации"),
    ("New password", "Новый пароль"),
    ("At least 12 characters.", "Не короче 12 символов."),
    ("Activate", "Активировать"),
    (
        "This activation code is unknown or already used.",
        "Код активации неизвестен или уже использован.",
    ),
    ("Change password", "Смена пароля"),
    ("Current password", "Текущий пароль"),
    (
        "Your password was changed. Please sign in with the new one.",
        "Пароль изменён. Войдите с новым паролем.",
    ),
    ("You are signed out.", "Вы вышли из системы."),
    (
        "After the change you will sign in again on every device.",
        "После смены пароля нужно будет войти заново на всех устройствах.",
    ),
    // pulses
    (
        "No open pulses for you right now. Thank you!",
        "Сейчас для вас нет открытых опросов. Спасибо!",
    ),
    (
        "Thank you, your answers were recorded.",
        "Спасибо, ваши ответы записаны.",
    ),
    ("Open until {date}", "Открыт до {date}"),
    ("{n} questions", "Вопросов: {n}"),
    ("Answer", "Ответить"),
    ("Send answers", "Отправить ответы"),
    ("Required", "Обязательный"),
    ("Optional", "Необязательный"),
    ("Strongly disagree", "Совсем не согласен"),
    ("Disagree", "Не согласен"),
    ("Neutral", "Нейтрально"),
    ("Agree", "Согласен"),
    ("Strongly agree", "Полностью согласен"),
    ("Not at all likely", "Совсем маловероятно"),
    ("Extremely likely", "Очень вероятно"),
    ("Up to {n} characters.", "До {n} символов."),
    (
        "What is stored and who sees it",
        "Что хранится и кто это видит",
    ),
    (
        "Your answers are stored without your name, your account or the time you answered: only with your team and, if this survey collects them, your location, job family and length of service (rare values are stored as \"other\").",
        "Ответы хранятся без вашего имени, учётной записи и времени ответа: только с вашей командой и, если опрос их собирает, местоположением, профессией и стажем (редкие значения сохраняются как «другое»).",
    ),
    (
        "Separately, we note that you answered this round, so you are not asked twice and HR can remind those who have not. The two records are never joined.",
        "Отдельно отмечается, что вы ответили в этом раунде, — чтобы не спрашивать дважды и чтобы HR мог напомнить тем, кто не ответил. Эти две записи никогда не связываются.",
    ),
    (
        "Your manager and HR see only group results after the round closes, and only for groups of at least {k} answers; smaller groups are shown as \"fewer than {k} answers\". Written comments are shown only for groups of at least {c} answers, in random order and apart from the other answers.",
        "Руководитель и HR видят только результаты групп после закрытия раунда и только для групп не меньше {k} ответов; меньшие группы показываются как «меньше {k} ответов». Письменные комментарии показываются только для групп не меньше {c} ответов, в случайном порядке и отдельно от остальных ответов.",
    ),
    (
        "Nobody can see your individual answers.",
        "Никто не может увидеть ваши отдельные ответы.",
    ),
    ("characters left", "символов осталось"),
    // suggestions
    (
        "Raise a customer pain point",
        "Сообщить о проблеме клиентов",
    ),
    (
        "Follow an anonymous suggestion",
        "Найти анонимное предложение",
    ),
    ("Search", "Поиск"),
    ("Touchpoint", "Точка контакта"),
    ("All", "Все"),
    ("Status", "Статус"),
    ("Order", "Порядок"),
    ("Newest first", "Сначала новые"),
    ("Most votes first", "Сначала популярные"),
    ("Show", "Показать"),
    ("{n} suggestions", "Предложений: {n}"),
    ("Anonymous", "Анонимно"),
    ("{n} votes", "Голосов: {n}"),
    ("Take back my vote", "Отозвать голос"),
    ("Vote", "Поддержать"),
    ("Follow-up code", "Код для ответа"),
    ("Read replies", "Читать ответы"),
    (
        "What gets in the way of our customers? Describe one pain point; colleagues can vote for it and managers answer.",
        "Что мешает нашим клиентам? Опишите одну проблему: коллеги смогут её поддержать, а руководители — ответить.",
    ),
    ("Title", "Заголовок"),
    (
        "What happens, and what would help",
        "Что происходит и что бы помогло",
    ),
    (
        "Which customers (optional)",
        "Какие клиенты (необязательно)",
    ),
    ("Raise it anonymously", "Отправить анонимно"),
    (
        "Anonymous: your name is not stored, only the day, and the team shown is the nearest one (yours or above) with enough people that it does not point to you. You get a follow-up code, shown once, to read the replies. Signed: your name and team are shown.",
        "Анонимно: ваше имя не сохраняется, только день, а показывается ближайшая команда (ваша или выше), в которой достаточно людей, чтобы не указывать на вас. Вы получите код, показываемый один раз, чтобы читать ответы. С подписью: видны ваше имя и команда.",
    ),
    ("Send", "Отправить"),
    ("Your suggestion was sent", "Предложение отправлено"),
    (
        "It is anonymous. Keep this follow-up code: it is the only way to read the replies, and it is shown only now.",
        "Оно анонимно. Сохраните этот код: только по нему можно прочитать ответы, и он показывается только сейчас.",
    ),
    ("Back to suggestions", "К предложениям"),
    (
        "No suggestion has this code.",
        "Предложения с таким кодом нет.",
    ),
    ("Customers", "Клиенты"),
    ("Replies", "Ответы"),
    ("No reply yet.", "Ответа пока нет."),
    ("New status", "Новый статус"),
    ("Reply", "Ответ"),
    (
        "Everyone who can see the suggestion reads it, the author too. At least 10 characters.",
        "Ответ видят все, кому видно предложение, и автор тоже. Не короче 10 символов.",
    ),
    ("Send reply", "Отправить ответ"),
    ("Awareness", "Узнаваемость"),
    ("Purchase", "Покупка"),
    ("Onboarding", "Подключение"),
    ("Usage", "Использование"),
    ("Support", "Поддержка"),
    ("Billing", "Счета и оплата"),
    ("Renewal", "Продление"),
    ("Other", "Другое"),
    ("New", "Новое"),
    ("Acknowledged", "Принято"),
    ("In progress", "В работе"),
    ("Done", "Сделано"),
    ("Declined", "Отклонено"),
    // reports
    ("fewer than {k} answers", "меньше {k} ответов"),
    (
        "Scores are released when a round closes. Groups with too few answers are never shown.",
        "Результаты открываются после закрытия раунда. Группы со слишком малым числом ответов не показываются никогда.",
    ),
    ("No round has closed yet.", "Ещё ни один раунд не закрыт."),
    ("Closed rounds", "Закрытые раунды"),
    ("Survey", "Опрос"),
    ("Round", "Раунд"),
    ("Closed", "Закрыт"),
    ("Team", "Команда"),
    ("Whole organisation", "Вся организация"),
    (
        "This round is still open: scores are released when it closes. Only participation is shown.",
        "Раунд ещё открыт: результаты появятся после закрытия. Сейчас показано только участие.",
    ),
    ("Summary", "Сводка"),
    (
        "A group marked \"fewer than {k} answers\" is not shown. A larger group may be hidden too, so that a small one cannot be worked out by subtraction.",
        "Группа с пометкой «меньше {k} ответов» не показывается. Может быть скрыта и группа побольше, чтобы малую нельзя было вычислить вычитанием.",
    ),
    ("Group", "Группа"),
    ("Answers", "Ответов"),
    ("Participation", "Участие"),
    ("Engagement index", "Индекс вовлечённости"),
    ("Drivers", "Факторы"),
    (
        "Share of favourable answers (4 or 5), per driver.",
        "Доля благоприятных ответов (4 или 5) по каждому фактору.",
    ),
    ("Driver", "Фактор"),
    ("Mean", "Среднее"),
    ("Favourable %", "Благоприятных, %"),
    ("Trend", "Динамика"),
    (
        "Engagement index by round",
        "Индекс вовлечённости по раундам",
    ),
    ("Comments", "Комментарии"),
    (
        "Comments are shown only for groups with at least {n} of them.",
        "Комментарии показываются только для групп, где их не меньше {n}.",
    ),
    (
        "Mean per driver (1–5). Colour: red below 3, green from 4. Hatched cells have too few answers.",
        "Среднее по фактору (1–5). Цвет: красный ниже 3, зелёный от 4. Заштрихованы ячейки со слишком малым числом ответов.",
    ),
    ("Teams by driver", "Команды по факторам"),
    // HR
    ("New survey", "Новый опрос"),
    ("No surveys yet.", "Опросов пока нет."),
    ("Cadence", "Периодичность"),
    ("Starts", "Начало"),
    ("Questions", "Вопросы"),
    ("Once", "Однократно"),
    ("Weekly", "Еженедельно"),
    ("Every two weeks", "Раз в две недели"),
    ("Monthly", "Ежемесячно"),
    ("Quarterly", "Ежеквартально"),
    ("Location", "Местоположение"),
    ("Job family", "Профессия"),
    ("Length of service", "Стаж"),
    ("Questions from the bank", "Вопросы из банка"),
    ("Audience", "Аудитория"),
    (
        "Teams whose whole subtrees are invited; none ticked means everyone.",
        "Команды, приглашённые вместе со всеми подкомандами; если ничего не отмечено — все.",
    ),
    ("Cuts to collect", "Собираемые срезы"),
    ("Schedule", "Расписание"),
    ("First round opens on", "Первый раунд открывается"),
    ("Days each round stays open", "Сколько дней открыт раунд"),
    ("Minimum group size k", "Минимальный размер группы k"),
    (
        "Reports show no group with fewer answers than this. It cannot change once the first round opens.",
        "Отчёты не показывают группы с меньшим числом ответов. После открытия первого раунда изменить нельзя.",
    ),
    ("Create survey", "Создать опрос"),
    ("Rounds", "Раунды"),
    ("Close the open round now", "Закрыть открытый раунд сейчас"),
    ("Open a round now", "Открыть раунд сейчас"),
    ("No rounds yet.", "Раундов пока нет."),
    ("Opens", "Открывается"),
    ("Closes", "Закрывается"),
    ("Invited", "Приглашено"),
    ("Report", "Отчёт"),
    ("Live participation", "Участие сейчас"),
    (
        "Shown only for teams of at least {k} invitees; never who answered.",
        "Показывается только для команд не меньше {k} приглашённых; кто ответил — никогда.",
    ),
    ("Answered", "Ответили"),
    ("fewer than {k} invitees", "меньше {k} приглашённых"),
    ("Scheduled", "Запланирован"),
    ("Open", "Открыт"),
    // insights and audit
    ("Frontline insights", "Голос сотрудников"),
    ("Closing the loop", "Обратная связь"),
    ("Answered within 7 days", "Ответ в течение 7 дней"),
    (
        "Median days to the first reply",
        "Медиана дней до первого ответа",
    ),
    ("Waiting over 14 days", "Ждут ответа больше 14 дней"),
    ("Themes", "Темы"),
    ("No themes in this period.", "В этот период тем нет."),
    ("Theme", "Тема"),
    (
        "Change on the previous period",
        "Изменение к прошлому периоду",
    ),
    ("Touchpoints", "Точки контакта"),
    ("Top voted", "Самые поддержанные"),
    (
        "Who read or exported which report, and when. The reports' contents are not logged.",
        "Кто и когда читал или выгружал какой отчёт. Содержимое отчётов не записывается.",
    ),
    ("When", "Когда"),
    ("Who", "Кто"),
    ("Action", "Действие"),
    ("What", "Что"),
    ("Older entries", "Более ранние записи"),
    // imports
    ("Row errors", "Ошибки в строках"),
    ("Row", "Строка"),
    ("Column", "Столбец"),
    ("Problem", "Проблема"),
    ("CSV", "CSV"),
    (
        "Dry run: check every row and show what would happen, without writing",
        "Пробный прогон: проверить все строки и показать результат, ничего не записывая",
    ),
    (
        "Import the valid rows even if some rows are invalid",
        "Импортировать верные строки, даже если есть ошибочные",
    ),
    ("Check or import", "Проверить или импортировать"),
    ("Import people from CSV", "Импорт сотрудников из CSV"),
    (
        "Dry run: nothing was written",
        "Пробный прогон: ничего не записано",
    ),
    ("Imported", "Импортировано"),
    ("Rows read", "Прочитано строк"),
    ("New people", "Новых сотрудников"),
    ("Updated people", "Обновлено сотрудников"),
    ("Rows skipped", "Пропущено строк"),
    (
        "Activation links, shown once",
        "Ссылки активации (показываются один раз)",
    ),
    (
        "Nothing was imported: fix these rows, or tick the box to import only the valid ones.",
        "Ничего не импортировано: исправьте эти строки или отметьте импорт только верных.",
    ),
    ("Customer ratings", "Оценки клиентов"),
    ("Import ratings from CSV", "Импорт оценок из CSV"),
    ("New ratings", "Новых оценок"),
    ("Already stored", "Уже сохранены"),
    // linkage
    (
        "Engagement and customer experience",
        "Вовлечённость и клиентский опыт",
    ),
    ("Customer metric", "Клиентская метрика"),
    (
        "Customer scores taken this many periods later",
        "Клиентские оценки через столько периодов",
    ),
    ("Period", "Период"),
    ("Month", "Месяц"),
    ("Quarter", "Квартал"),
    ("Correlation", "Корреляция"),
    (
        "Too few points for a correlation.",
        "Слишком мало точек для корреляции.",
    ),
    ("Lag sweep", "Сдвиг по времени"),
    ("Lag", "Сдвиг"),
    ("Within teams", "Внутри команд"),
    (
        "Too few teams with several periods to compare each team with itself.",
        "Слишком мало команд с несколькими периодами, чтобы сравнить каждую саму с собой.",
    ),
    ("Teams at risk", "Команды в зоне риска"),
    (
        "Teams below the median on both engagement and customer scores.",
        "Команды ниже медианы и по вовлечённости, и по клиентским оценкам.",
    ),
    (
        "No team is low on both.",
        "Нет команд, низких по обоим показателям.",
    ),
    ("Points of the plot", "Точки графика"),
    ("Ratings", "Оценок"),
    (
        "Across {n} team-periods, engagement and {m} move together: r = {r} (95% interval {lo} to {hi}), so teams with higher engagement tend to have better {m}.",
        "По {n} точкам (команда × период) вовлечённость и {m} меняются вместе: r = {r} (95% интервал от {lo} до {hi}), то есть у более вовлечённых команд {m} обычно лучше.",
    ),
    (
        "Across {n} team-periods, engagement and {m} move in opposite directions: r = {r} (95% interval {lo} to {hi}).",
        "По {n} точкам (команда × период) вовлечённость и {m} меняются в противоположные стороны: r = {r} (95% интервал от {lo} до {hi}).",
    ),
    (
        "Across {n} team-periods, r = {r}, but the 95% interval ({lo} to {hi}) includes zero: these data show no clear link between engagement and {m}.",
        "По {n} точкам (команда × период) r = {r}, но 95% интервал (от {lo} до {hi}) включает ноль: явной связи между вовлечённостью и {m} эти данные не показывают.",
    ),
    (
        "The link is strongest when customer scores are taken {lag} period(s) after engagement (r = {r}).",
        "Связь сильнее всего, когда клиентские оценки берутся через {lag} период(а) после вовлечённости (r = {r}).",
    ),
    (
        "Within each team over time, r = {r} (95% interval {lo} to {hi}): when a team's engagement moves away from its usual level, its customer scores move with it.",
        "Внутри каждой команды во времени r = {r} (95% интервал от {lo} до {hi}): когда вовлечённость команды отходит от её обычного уровня, клиентские оценки меняются вместе с ней.",
    ),
    (
        "Within each team over time, r = {r} (95% interval {lo} to {hi}): a team's customer scores do not clearly follow changes in its own engagement.",
        "Внутри каждой команды во времени r = {r} (95% интервал от {lo} до {hi}): клиентские оценки команды не следуют явно за изменениями её вовлечённости.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `t(..)`/`tf(..)` text in the page sources has a Russian entry.
    #[test]
    fn every_page_text_has_a_russian_translation() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("src/web") {
            let path = entry.expect("entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("rs")
                || path.file_name().and_then(|n| n.to_str()) == Some("i18n.rs")
            {
                continue;
            }
            let src = std::fs::read_to_string(&path).expect("read");
            for text in quoted_texts(&src) {
                if ru(&text).is_none() {
                    missing.push(format!("{}: {text}", path.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "no Russian for:\n{}",
            missing.join("\n")
        );
    }

    /// The string literal that follows each `t(<lang>, ` or `tf(<lang>, ` call, with
    /// `\"` unescaped and line continuations joined.
    fn quoted_texts(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        for marker in [
            "t(c.lang,",
            "t(lang,",
            "tf(c.lang,",
            "tf(lang,",
            "t(s.lang,",
            "tf(s.lang,",
        ] {
            let mut rest = src;
            while let Some(i) = rest.find(marker) {
                let standalone = rest[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                rest = &rest[i + marker.len()..];
                if !standalone {
                    continue;
                }
                let trimmed = rest.trim_start();
                if !trimmed.starts_with('"') {
                    continue;
                }
                let body = &trimmed[1..];
                let mut text = String::new();
                let mut chars = body.chars().peekable();
                while let Some(ch) = chars.next() {
                    match ch {
                        '\\' => match chars.next() {
                            Some('"') => text.push('"'),
                            Some('\n') => {
                                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                                    chars.next();
                                }
                            }
                            Some(other) => {
                                text.push('\\');
                                text.push(other);
                            }
                            None => break,
                        },
                        '"' => break,
                        other => text.push(other),
                    }
                }
                out.push(text);
            }
        }
        out
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tf(Language::Ru, "Open until {date}", &[("date", "1 мая")]),
            "Открыт до 1 мая"
        );
        assert_eq!(t(Language::En, "Sign in"), "Sign in");
    }
}
