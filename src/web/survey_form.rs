//! The HR survey form: creating a survey from the question bank and questions of one's
//! own, with audience, cuts, schedule and k, and editing it (questions, cuts and k
//! frozen once the first round has opened). The form is read into the same request the
//! API takes and sent to `surveys::service`, whose errors are shown beside their fields.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Response, handler};

use crate::error::ApiError;
use crate::org::domain::Language;
use crate::org::model::TeamRow;
use crate::state::AppState;
use crate::surveys::bank::{self, Driver, QuestionKind};
use crate::surveys::model::Cut;
use crate::surveys::schedule::Cadence;
use crate::surveys::service::{create_survey, get_survey, update_survey};
use crate::surveys::types::{
    AudienceInput, CreateSurvey, QuestionInput, ScheduleInput, UpdateSurvey,
};
use crate::web::account::status_of;
use crate::web::i18n::{t, tf};
use crate::web::layout::{Chrome, Errors, Field, csrf_field, field_id, select_field, titled};
use crate::web::once::{Done, at_most_once, once_field};
use crate::web::respond::{Form, error_page, html as html_response, see_other};
use crate::web::signed::{Hr, Posted, Signed};
use crate::web::survey_questions::{
    MAX_SLOTS, Op, apply, form_of, place_question_errors, slot, slot_count, tags,
};
use crate::web::surveys::cadence_label;

const CADENCES: [Cadence; 5] = [
    Cadence::Once,
    Cadence::Weekly,
    Cadence::Biweekly,
    Cadence::Monthly,
    Cadence::Quarterly,
];
/// The choices of automatic reminders per round, 0 to 3.
const REMINDERS: [(&str, &str); 4] = [
    ("0", "No reminders"),
    ("1", "1 reminder: at half the window"),
    (
        "2",
        "2 reminders: at half the window and a day before the close",
    ),
    (
        "3",
        "3 reminders: at a third, two thirds and a day before the close",
    ),
];
const CUTS: [(Cut, &str); 3] = [
    (Cut::Location, "Location"),
    (Cut::JobFamily, "Job family"),
    (Cut::Tenure, "Length of service"),
];

/// Whether the form creates a survey or edits one (and whether that one is frozen).
#[derive(Clone, Copy)]
enum Mode<'a> {
    New,
    Edit { id: &'a str, frozen: bool },
}

const KINDS: [(QuestionKind, &str); 4] = [
    (QuestionKind::Likert5, "Agreement, 1 to 5"),
    (QuestionKind::Scale11, "Scale, 0 to 10"),
    (QuestionKind::Choice, "One of listed options"),
    (QuestionKind::Text, "Free text"),
];

fn custom_slot(c: &Chrome, form: &Form, errors: &Errors, i: usize) -> Markup {
    let lang = c.lang;
    let (text, text_ru, kind, driver, required, options) = (
        slot(i, "text"),
        slot(i, "text_ru"),
        slot(i, "kind"),
        slot(i, "driver"),
        slot(i, "required"),
        slot(i, "options"),
    );
    let options_ru = slot(i, "options_ru");
    let kinds: Vec<(String, String)> = KINDS
        .iter()
        .map(|(k, label)| (k.as_str().to_owned(), t(lang, label).to_owned()))
        .collect();
    let drivers: Vec<(String, String)> = Driver::ALL
        .iter()
        .map(|d| (d.as_str().to_owned(), d.label(lang.as_str()).to_owned()))
        .collect();
    // A slot never posted starts with an answer required.
    let is_required = form.get(&required).is_some() || form.get(&text).is_none();
    let required_id = field_id(&required);
    let number = (i + 1).to_string();
    html! {
        fieldset.question {
            legend { (tf(lang, "Your own question {n}", &[("n", &number)])) }
            (Field::new(&text, t(lang, "Text in English")).value(form.text(&text)).maxlength(500).render(errors))
            (Field::new(&text_ru, t(lang, "Text in Russian (optional)")).value(form.text(&text_ru)).maxlength(500).render(errors))
            (select_field(&kind, t(lang, "Kind of answer"), &kinds, form.text(&kind), errors))
            (select_field(&driver, t(lang, "Driver"), &drivers, form.text(&driver), errors))
            div.field {
                input id=(required_id) type="checkbox" name=(required) value="1" checked[is_required];
                " " label for=(required_id) { (t(lang, "An answer is required")) }
            }
            (Field::new(&options, t(lang, "Options, one per line (choice questions only)"))
                .kind("textarea").value(form.text(&options)).render(errors))
            (Field::new(&options_ru, t(lang, "Options in Russian, one per line in the same order (optional)"))
                .kind("textarea").value(form.text(&options_ru)).render(errors))
        }
    }
}

/// The chosen questions in their order, each with buttons that move it up or down or
/// remove it (the form is drawn again; nothing is saved until the survey is).
fn order_section(lang: Language, form: &Form, order: &[String]) -> Markup {
    let label = |tag: &str| -> String {
        if let Some(key) = tag.strip_prefix("bank:") {
            return bank::item(key)
                .map_or_else(|| key.to_owned(), |i| i.text(lang.as_str()).to_owned());
        }
        let i = tag.strip_prefix("custom:").unwrap_or(tag);
        let text = form.text(&format!("custom.{i}.text")).trim();
        if text.is_empty() {
            form.text(&format!("custom.{i}.text_ru")).trim().to_owned()
        } else {
            text.to_owned()
        }
    };
    html! {
        @if !order.is_empty() {
            section.question-order aria-labelledby="order-h" {
                h2 id="order-h" { (t(lang, "Order of the questions")) }
                p.hint { (t(lang, "These buttons change the form only: nothing is saved until you save the survey.")) }
                ol {
                    @for (n, tag) in order.iter().enumerate() {
                        @let text = label(tag);
                        li {
                            span.q { (text) }
                            " "
                            button.small type="submit" name="op" value=(Op::value("up", tag)) disabled[n == 0] {
                                (t(lang, "Move up")) span.visually-hidden { ": " (text) }
                            }
                            " "
                            button.small type="submit" name="op" value=(Op::value("down", tag)) disabled[n + 1 == order.len()] {
                                (t(lang, "Move down")) span.visually-hidden { ": " (text) }
                            }
                            " "
                            button.small type="submit" name="op" value=(Op::value("remove", tag)) {
                                (t(lang, "Remove")) span.visually-hidden { ": " (text) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn survey_form_view(
    c: &Chrome,
    mode: Mode,
    teams: &[TeamRow],
    form: &Form,
    errors: &Errors,
    min_k: u32,
) -> Markup {
    let lang = c.lang;
    let picked = |name: &str, value: &str| form.0.iter().any(|(k, v)| k == name && v == value);
    let today = crate::clock::today().to_string();
    let fresh = form.0.is_empty();
    let starts = if fresh {
        today.as_str()
    } else {
        form.text("starts_on")
    };
    let window = if fresh {
        "7"
    } else {
        form.text("schedule.window_days")
    };
    let reminders_default = crate::surveys::reminder_times::DEFAULT.to_string();
    let reminders = if fresh {
        reminders_default.as_str()
    } else {
        form.text("reminders")
    };
    let reminder_choices: Vec<(String, String)> = REMINDERS
        .iter()
        .map(|(v, label)| ((*v).to_owned(), t(lang, label).to_owned()))
        .collect();
    let k_default = min_k.to_string();
    let k = if fresh {
        k_default.as_str()
    } else {
        form.text("min_group")
    };
    let (title, action, frozen) = match mode {
        Mode::New => (
            t(lang, "New survey").to_owned(),
            "/hr/surveys/new".to_owned(),
            false,
        ),
        Mode::Edit { id, frozen } => (
            tf(lang, "Edit: {title}", &[("title", form.text("title"))]),
            format!("/hr/surveys/{id}/edit"),
            frozen,
        ),
    };
    let slots = slot_count(form);
    let order = tags(form);
    let save_label = match mode {
        Mode::New => t(lang, "Create survey"),
        Mode::Edit { .. } => t(lang, "Save changes"),
    };
    let mut shown: Vec<String> = [
        "title",
        "title_ru",
        "questions",
        "audience.team_ids",
        "schedule.window_days",
        "schedule.ends_on",
        "starts_on",
        "cadence",
        "min_group",
        "reminders",
    ]
    .map(str::to_owned)
    .to_vec();
    if !frozen {
        for i in 0..slots {
            for part in ["text", "text_ru", "kind", "driver", "options", "options_ru"] {
                shown.push(slot(i, part));
            }
        }
    }
    let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
    titled(
        c,
        &title,
        html! {
            (errors.summary(lang, &shown))
            form method="post" action=(action) novalidate {
                (csrf_field(c))
                (once_field(form))
                // Enter in a field saves: the first submit button is the form's default.
                button.visually-hidden type="submit" tabindex="-1" aria-hidden="true" {
                    (save_label)
                }
                @if !frozen {
                    @for tag in &order { input type="hidden" name="order" value=(tag); }
                    input type="hidden" name="slots" value=(slots);
                }
                (Field::new("title", t(lang, "Title")).value(form.text("title")).required().maxlength(200).render(errors))
                (Field::new("title_ru", t(lang, "Title in Russian (optional)")).value(form.text("title_ru")).maxlength(200).render(errors))
                @if frozen {
                    input type="hidden" name="frozen" value="1";
                    section.frozen aria-labelledby="frozen-h" {
                        h2 id="frozen-h" { (t(lang, "Questions, cuts and k")) }
                        p.notice role="note" {
                            (t(lang, "These are frozen: the first round has opened, so they stay as they were for every round. The title, audience and schedule can still change."))
                        }
                        p { (t(lang, "Minimum group size k")) ": " (k) }
                    }
                } @else {
                    fieldset.invalid[errors.field("questions").is_some()] {
                        legend { (t(lang, "Questions from the bank")) }
                        @if let Some(m) = errors.field("questions") { p.error { (m) } }
                        @for d in Driver::ALL {
                            p.group { strong { (d.label(lang.as_str())) } }
                            @for item in bank::items_for(d) {
                                @let id = format!("f-bank-{}", item.key);
                                div.check {
                                    input type="checkbox" id=(id) name="bank_item" value=(item.key)
                                        checked[picked("bank_item", item.key)];
                                    " "
                                    label for=(id) { (item.text(lang.as_str())) }
                                }
                            }
                        }
                    }
                    p.hint { (t(lang, "Questions of your own come after the bank's. A slot left without text is skipped.")) }
                    @for i in 0..slots { (custom_slot(c, form, errors, i)) }
                    @if slots < MAX_SLOTS {
                        p { button type="submit" name="op" value="add" { (t(lang, "Add a question")) } }
                    }
                    (order_section(lang, form, &order))
                }
                fieldset.invalid[errors.field("audience.team_ids").is_some()] {
                    legend { (t(lang, "Audience")) }
                    p.hint { (t(lang, "Teams whose whole subtrees are invited; none ticked means everyone.")) }
                    @if let Some(m) = errors.field("audience.team_ids") { p.error { (m) } }
                    @for team in teams {
                        @let id = format!("f-team-{}", team.id);
                        div.check {
                            input type="checkbox" id=(id) name="team_id" value=(team.id) checked[picked("team_id", &team.id)];
                            " " label for=(id) { (team.name) }
                        }
                    }
                }
                @if !frozen {
                    fieldset {
                        legend { (t(lang, "Cuts to collect")) }
                        @for (cut, label) in CUTS {
                            @let v = cut.as_str();
                            @let id = format!("f-cut-{v}");
                            div.check {
                                input type="checkbox" id=(id) name="cut" value=(v) checked[picked("cut", v)];
                                " " label for=(id) { (t(lang, label)) }
                            }
                        }
                    }
                }
                fieldset {
                    legend { (t(lang, "Schedule")) }
                    (Field::new("starts_on", t(lang, "First round opens on")).kind("date").value(starts).required().render(errors))
                    div.field {
                        label for="f-cadence" { (t(lang, "Cadence")) }
                        select id="f-cadence" name="cadence" {
                            @for cd in CADENCES {
                                option value=(cd.as_str()) selected[form.text("cadence") == cd.as_str() || (fresh && cd == Cadence::Monthly)] { (cadence_label(lang, cd)) }
                            }
                        }
                    }
                    (Field::new("schedule.window_days", t(lang, "Days each round stays open")).kind("number").value(window).required().render(errors))
                    (Field::new("schedule.ends_on", t(lang, "No round opens after (optional)")).kind("date").value(form.text("schedule.ends_on")).render(errors))
                    (select_field("reminders", t(lang, "Automatic reminders to those who have not answered"), &reminder_choices, reminders, errors))
                    p.hint { (t(lang, "Sent in working hours, never to someone who turned reminders off. Nobody sees who was reminded.")) }
                }
                @if !frozen {
                    (Field::new("min_group", t(lang, "Minimum group size k")).kind("number").value(k)
                        .hint(t(lang, "Reports show no group with fewer answers than this. It cannot change once the first round opens.")).render(errors))
                }
                button.primary type="submit" { (save_label) }
            }
        },
    )
}

async fn teams(state: &AppState) -> Result<Vec<TeamRow>, ApiError> {
    state
        .db
        .read(|conn| crate::org::store::all_teams(conn, 1000))
        .await
}

#[handler]
pub async fn new_page(Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    match teams(state).await {
        Ok(ts) => html_response(
            StatusCode::OK,
            survey_form_view(
                &c,
                Mode::New,
                &ts,
                &Form(vec![]),
                &Errors::default(),
                state.config.min_group,
            ),
        ),
        Err(e) => error_page(&c, &e),
    }
}

/// A survey as the form describes it, and for each of its questions the form field
/// that holds it (`questions` for a bank item, `custom.<slot>` for one's own).
struct SurveyForm {
    title: String,
    title_ru: String,
    questions: Vec<QuestionInput>,
    sources: Vec<String>,
    team_ids: Vec<String>,
    cuts: Vec<Cut>,
    schedule: ScheduleInput,
    min_group: Option<i32>,
    reminders: Option<i32>,
}

/// The survey the form describes, or the field at fault.
fn survey_from_form(form: &Form) -> Result<SurveyForm, ApiError> {
    let starts_on = chrono::NaiveDate::parse_from_str(form.text("starts_on"), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("starts_on", "give a date"))?;
    let ends_on = match form.text("schedule.ends_on").trim() {
        "" => None,
        v => Some(
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid("schedule.ends_on", "give a date"))?,
        ),
    };
    let cadence = CADENCES
        .into_iter()
        .find(|c| c.as_str() == form.text("cadence"))
        .ok_or_else(|| ApiError::invalid("cadence", "choose a cadence"))?;
    let window_days = form
        .text("schedule.window_days")
        .trim()
        .parse::<i32>()
        .map_err(|_| ApiError::invalid("schedule.window_days", "give a number of days"))?;
    let min_group = match form.text("min_group").trim() {
        "" => None,
        v => Some(
            v.parse::<i32>()
                .map_err(|_| ApiError::invalid("min_group", "give a whole number"))?,
        ),
    };
    let reminders = match form.text("reminders").trim() {
        "" => None,
        v => Some(
            v.parse::<i32>()
                .map_err(|_| ApiError::invalid("reminders", "choose how many reminders"))?,
        ),
    };
    let cuts = form
        .all("cut")
        .into_iter()
        .filter_map(|c| CUTS.iter().map(|(x, _)| *x).find(|x| x.as_str() == c))
        .collect();
    // The questions in the order the form gives them (`survey_questions::tags`).
    let mut questions = Vec::new();
    let mut sources = Vec::new();
    for tag in tags(form) {
        if let Some(key) = tag.strip_prefix("bank:") {
            questions.push(QuestionInput {
                bank_item: Some(key.to_owned()),
                kind: None,
                driver: None,
                text: None,
                text_ru: None,
                required: None,
                options: None,
                options_ru: None,
            });
            sources.push("questions".to_owned());
            continue;
        }
        let Some(i) = tag
            .strip_prefix("custom:")
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|&i| i < MAX_SLOTS)
        else {
            continue;
        };
        let kind = QuestionKind::parse(form.text(&slot(i, "kind")))
            .ok_or_else(|| ApiError::invalid(slot(i, "kind"), "choose a kind"))?;
        let driver = Driver::parse(form.text(&slot(i, "driver")))
            .ok_or_else(|| ApiError::invalid(slot(i, "driver"), "choose a driver"))?;
        let lines = |part: &str| -> Vec<String> {
            form.text(&slot(i, part))
                .lines()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let (options, options_ru) = (lines("options"), lines("options_ru"));
        let text_ru = form.text(&slot(i, "text_ru")).trim();
        questions.push(QuestionInput {
            bank_item: None,
            kind: Some(kind),
            driver: Some(driver),
            text: Some(form.text(&slot(i, "text")).to_owned()),
            text_ru: Some(text_ru.to_owned()).filter(|t| !t.is_empty()),
            required: Some(form.get(&slot(i, "required")).is_some()),
            options: (!options.is_empty()).then_some(options),
            options_ru: (!options_ru.is_empty()).then_some(options_ru),
        });
        sources.push(format!("custom.{i}"));
    }
    Ok(SurveyForm {
        title: form.text("title").to_owned(),
        title_ru: form.text("title_ru").to_owned(),
        questions,
        sources,
        team_ids: form.all("team_id"),
        cuts,
        schedule: ScheduleInput {
            starts_on,
            cadence,
            window_days,
            ends_on,
        },
        min_group,
        reminders,
    })
}

/// The form's errors: the API's (or the form's own), placed beside their fields.
fn form_errors(lang: Language, e: &ApiError, sources: &[String]) -> Errors {
    place_question_errors(Errors::from_api(lang, e), sources)
}

/// The survey form shown again as sent, with the API's errors beside their fields.
async fn form_again(
    state: &AppState,
    c: &Chrome<'_>,
    mode: Mode<'_>,
    form: &Form,
    e: &ApiError,
    sources: &[String],
) -> Response {
    let ts = or_page!(c, teams(state).await);
    html_response(
        status_of(e),
        survey_form_view(
            c,
            mode,
            &ts,
            form,
            &form_errors(c.lang, e, sources),
            state.config.min_group,
        ),
    )
}

/// The form drawn again after an editing button (add, move, remove): nothing is saved.
async fn redraw(
    state: &AppState,
    c: &Chrome<'_>,
    mode: Mode<'_>,
    form: &Form,
    op: &Op,
) -> Response {
    let ts = or_page!(c, teams(state).await);
    html_response(
        StatusCode::OK,
        survey_form_view(
            c,
            mode,
            &ts,
            &apply(form, op),
            &Errors::default(),
            state.config.min_group,
        ),
    )
}

#[handler]
pub async fn create(Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let c = s.chrome();
    if let Some(op) = Op::of(&form) {
        return redraw(state, &c, Mode::New, &form, &op).await;
    }
    let parsed = survey_from_form(&form);
    let sources = parsed
        .as_ref()
        .map(|p| p.sources.clone())
        .unwrap_or_default();
    let act = || async {
        let outcome = match parsed {
            Ok(sf) => {
                let input = CreateSurvey {
                    title: sf.title,
                    title_ru: Some(sf.title_ru),
                    questions: sf.questions,
                    audience: Some(AudienceInput {
                        team_ids: sf.team_ids,
                    }),
                    cuts: Some(sf.cuts),
                    schedule: sf.schedule,
                    min_group: sf.min_group,
                    reminders: sf.reminders,
                };
                create_survey(state, &s.principal, input).await
            }
            Err(e) => Err(e),
        };
        match outcome {
            Ok(sv) => Ok(Done {
                location: format!("/hr/surveys/{}", sv.id),
                secret: None,
            }),
            Err(e) => Err(form_again(state, &c, Mode::New, &form, &e, &sources).await),
        }
    };
    // Sent at most once per form: a second POST leads to the survey the first made.
    at_most_once("survey", &s.principal.sid, &form, act, |d, _| {
        see_other(&d.location)
    })
    .await
}

#[handler]
pub async fn edit_page(Path(id): Path<String>, Signed(state, s, _): Signed<'_, Hr>) -> Response {
    let c = s.chrome();
    let sv = or_page!(&c, get_survey(state, &s.principal, &id).await);
    let ts = or_page!(&c, teams(state).await);
    let mode = Mode::Edit {
        id: &sv.id,
        frozen: sv.frozen,
    };
    html_response(
        StatusCode::OK,
        survey_form_view(
            &c,
            mode,
            &ts,
            &form_of(&sv),
            &Errors::default(),
            state.config.min_group,
        ),
    )
}

#[handler]
pub async fn edit(Path(id): Path<String>, Posted(state, s, form, _): Posted<'_, Hr>) -> Response {
    let c = s.chrome();
    // A form drawn for a frozen survey sends only what can still change; one drawn
    // before the first round opened sends everything, and the API says if it froze since.
    let frozen = form.get("frozen").is_some();
    if let Some(op) = Op::of(&form).filter(|_| !frozen) {
        return redraw(state, &c, Mode::Edit { id: &id, frozen }, &form, &op).await;
    }
    let parsed = survey_from_form(&form);
    let sources = parsed
        .as_ref()
        .map(|p| p.sources.clone())
        .unwrap_or_default();
    let outcome = match parsed {
        Ok(sf) => {
            let input = UpdateSurvey {
                title: Some(sf.title),
                title_ru: Some(sf.title_ru),
                questions: (!frozen).then_some(sf.questions),
                audience: Some(AudienceInput {
                    team_ids: sf.team_ids,
                }),
                cuts: (!frozen).then_some(sf.cuts),
                schedule: Some(sf.schedule),
                min_group: if frozen { None } else { sf.min_group },
                reminders: sf.reminders,
            };
            update_survey(state, &s.principal, id.clone(), input).await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(_) => see_other(&format!("/hr/surveys/{id}")),
        Err(e @ (ApiError::NotFound(_) | ApiError::Forbidden)) => error_page(&c, &e),
        Err(e) => {
            let mode = Mode::Edit { id: &id, frozen };
            form_again(state, &c, mode, &form, &e, &sources).await
        }
    }
}
