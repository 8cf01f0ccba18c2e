//! HR pages: surveys (create from the question bank with audience, cuts and schedule;
//! rounds, live participation, opening and closing rounds). Every action is the API's
//! own function, which checks the HR role again; a person without it gets the 403 page.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};

use crate::error::ApiError;
use crate::org::domain::Language;
use crate::org::model::TeamRow;
use crate::startup::AppState;
use crate::surveys::api::{
    AudienceInput, CreateSurvey, Cut, QuestionInput, RoundStatus, ScheduleInput, close_round_now,
    create_survey, get_survey, list_rounds, list_surveys, open_round_now, round_participation,
};
use crate::surveys::bank::{self, Driver};
use crate::surveys::schedule::Cadence;
use crate::web::account::status_of;
use crate::web::i18n::{t, tf};
use crate::web::layout::{Chrome, Errors, Field, csrf_field, page, when};
use crate::web::session::{Session, session, session_form};
use crate::web::{Form, done_or_page, error_page, html as html_response, see_other};

const CADENCES: [Cadence; 5] = [
    Cadence::Once,
    Cadence::Weekly,
    Cadence::Biweekly,
    Cadence::Monthly,
    Cadence::Quarterly,
];
const CUTS: [(Cut, &str); 3] = [
    (Cut::Location, "Location"),
    (Cut::JobFamily, "Job family"),
    (Cut::Tenure, "Length of service"),
];

/// HR or admin with a session; anyone else gets the 403 page.
pub async fn hr_session(state: &AppState, req: &Request) -> Result<Session, Response> {
    let s = session(state, req).await?;
    if s.principal.is_hr_or_admin() {
        Ok(s)
    } else {
        Err(error_page(&s.chrome(), &ApiError::Forbidden))
    }
}

#[handler]
pub async fn surveys(req: &Request, Data(state): Data<&AppState>) -> Response {
    let s = or_respond!(hr_session(state, req).await);
    let c = s.chrome();
    let lang = c.lang;
    let list = or_page!(&c, list_surveys(state, &s.principal, 200, 0, false).await);
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "Surveys"),
            html! {
                h1 { (t(lang, "Surveys")) }
                p { a.button href="/hr/surveys/new" { (t(lang, "New survey")) } }
                @if list.items.is_empty() {
                    p { (t(lang, "No surveys yet.")) }
                } @else {
                    div.table-wrap tabindex="0" { table {
                        caption.visually-hidden { (t(lang, "Surveys")) }
                        thead { tr {
                            th { (t(lang, "Title")) } th { (t(lang, "Cadence")) } th { (t(lang, "Starts")) }
                            th.num { (t(lang, "Questions")) } th.num { "k" }
                        } }
                        tbody {
                            @for sv in &list.items {
                                tr {
                                    td { a href={ "/hr/surveys/" (sv.id) } { (sv.title) } }
                                    td { (cadence_label(lang, sv.schedule.cadence)) }
                                    td { (sv.schedule.starts_on) }
                                    td.num { (sv.questions.len()) }
                                    td.num { (sv.min_group) }
                                }
                            }
                        }
                    } }
                }
            },
        ),
    )
}

fn cadence_label(lang: Language, c: Cadence) -> &'static str {
    t(
        lang,
        match c {
            Cadence::Once => "Once",
            Cadence::Weekly => "Weekly",
            Cadence::Biweekly => "Every two weeks",
            Cadence::Monthly => "Monthly",
            Cadence::Quarterly => "Quarterly",
        },
    )
}

fn new_view(c: &Chrome, teams: &[TeamRow], form: &Form, errors: &Errors, min_k: u32) -> Markup {
    let lang = c.lang;
    let picked = |name: &str, value: &str| form.0.iter().any(|(k, v)| k == name && v == value);
    let today = chrono::Utc::now().date_naive().to_string();
    let fresh = form.0.is_empty();
    let starts = if fresh {
        today.as_str()
    } else {
        form.text("starts_on")
    };
    let window = if fresh { "7" } else { form.text("window_days") };
    let k_default = min_k.to_string();
    let k = if fresh {
        k_default.as_str()
    } else {
        form.text("min_group")
    };
    page(
        c,
        t(lang, "New survey"),
        html! {
            h1 { (t(lang, "New survey")) }
            (errors.summary(lang, &["title", "questions", "audience.team_ids", "schedule.window_days", "schedule.ends_on", "starts_on", "min_group"]))
            form method="post" action="/hr/surveys/new" novalidate {
                (csrf_field(c))
                (Field::new("title", t(lang, "Title")).value(form.text("title")).required().maxlength(200).render(errors))
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
                fieldset.invalid[errors.field("audience.team_ids").is_some()] {
                    legend { (t(lang, "Audience")) }
                    p.hint { (t(lang, "Teams whose whole subtrees are invited; none ticked means everyone.")) }
                    @for team in teams {
                        @let id = format!("f-team-{}", team.id);
                        div.check {
                            input type="checkbox" id=(id) name="team_id" value=(team.id) checked[picked("team_id", &team.id)];
                            " " label for=(id) { (team.name) }
                        }
                    }
                }
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
                }
                (Field::new("min_group", t(lang, "Minimum group size k")).kind("number").value(k)
                    .hint(t(lang, "Reports show no group with fewer answers than this. It cannot change once the first round opens.")).render(errors))
                button.primary type="submit" { (t(lang, "Create survey")) }
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
pub async fn new_page(req: &Request, Data(state): Data<&AppState>) -> Response {
    let s = or_respond!(hr_session(state, req).await);
    let c = s.chrome();
    match teams(state).await {
        Ok(ts) => html_response(
            StatusCode::OK,
            new_view(
                &c,
                &ts,
                &Form(vec![]),
                &Errors::default(),
                state.config.min_group,
            ),
        ),
        Err(e) => error_page(&c, &e),
    }
}

/// The survey the form describes, or the field at fault.
fn survey_from_form(form: &Form) -> Result<CreateSurvey, ApiError> {
    let all = |name: &str| -> Vec<String> {
        form.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let starts_on = chrono::NaiveDate::parse_from_str(form.text("starts_on"), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid("starts_on", "give a date"))?;
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
    let cuts = all("cut")
        .into_iter()
        .filter_map(|c| CUTS.iter().map(|(x, _)| *x).find(|x| x.as_str() == c))
        .collect();
    Ok(CreateSurvey {
        title: form.text("title").to_owned(),
        questions: all("bank_item")
            .into_iter()
            .map(|key| QuestionInput {
                bank_item: Some(key),
                kind: None,
                driver: None,
                text: None,
                text_ru: None,
                required: None,
                options: None,
            })
            .collect(),
        audience: Some(AudienceInput {
            team_ids: all("team_id"),
        }),
        cuts: Some(cuts),
        schedule: ScheduleInput {
            starts_on,
            cadence,
            window_days,
            ends_on: None,
        },
        min_group,
    })
}

#[handler]
pub async fn create(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    let (s, form) = or_respond!(session_form(state, req, body).await);
    let c = s.chrome();
    if !s.principal.is_hr_or_admin() {
        return error_page(&c, &ApiError::Forbidden);
    }
    let outcome = match survey_from_form(&form) {
        Ok(input) => create_survey(state, &s.principal, input).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(sv) => see_other(&format!("/hr/surveys/{}", sv.id)),
        Err(e) => match teams(state).await {
            Ok(ts) => html_response(
                status_of(&e),
                new_view(
                    &c,
                    &ts,
                    &form,
                    &Errors::from_api(c.lang, &e),
                    state.config.min_group,
                ),
            ),
            Err(e2) => error_page(&c, &e2),
        },
    }
}

#[handler]
pub async fn survey(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
) -> Response {
    let s = or_respond!(hr_session(state, req).await);
    let c = s.chrome();
    let lang = c.lang;
    let (sv, rounds) = match (
        get_survey(state, &s.principal, &id).await,
        list_rounds(state, &s.principal, &id).await,
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return error_page(&c, &e),
    };
    let open = rounds.iter().find(|r| r.status == RoundStatus::Open);
    let participation = match open {
        Some(r) => round_participation(state, &s.principal, &r.id).await.ok(),
        None => None,
    };
    html_response(
        StatusCode::OK,
        page(
            &c,
            &sv.title,
            html! {
                h1 { (sv.title) }
                p.meta {
                    (cadence_label(lang, sv.schedule.cadence)) " · " (sv.schedule.starts_on)
                    " · k = " (sv.min_group) " · " (tf(lang, "{n} questions", &[("n", &sv.questions.len().to_string())]))
                }
                h2 { (t(lang, "Rounds")) }
                @if let Some(r) = open {
                    form.inline method="post" action={ "/hr/rounds/" (r.id) "/close" } {
                        (csrf_field(&c))
                        button type="submit" { (t(lang, "Close the open round now")) }
                    }
                } @else if !sv.archived {
                    form.inline method="post" action={ "/hr/surveys/" (sv.id) "/open" } {
                        (csrf_field(&c))
                        button.primary type="submit" { (t(lang, "Open a round now")) }
                    }
                }
                @if rounds.is_empty() {
                    p { (t(lang, "No rounds yet.")) }
                } @else {
                    div.table-wrap tabindex="0" { table {
                        caption.visually-hidden { (t(lang, "Rounds")) }
                        thead { tr { th { "#" } th { (t(lang, "Status")) } th { (t(lang, "Opens")) } th { (t(lang, "Closes")) } th.num { (t(lang, "Invited")) } th { (t(lang, "Report")) } } }
                        tbody {
                            @for r in &rounds {
                                tr {
                                    td.num { (r.sequence) }
                                    td { (round_status(lang, r.status)) }
                                    td { (when(r.opens_at)) }
                                    td { (when(r.closes_at)) }
                                    td.num { (r.invited) }
                                    td { @if r.status == RoundStatus::Closed { a href={ "/reports/" (r.id) } { (t(lang, "Report")) } } }
                                }
                            }
                        }
                    } }
                }
                @if let Some(p) = &participation {
                    h2 { (t(lang, "Live participation")) }
                    p.hint { (tf(lang, "Shown only for teams of at least {k} invitees; never who answered.", &[("k", &p.min_group.to_string())])) }
                    div.table-wrap tabindex="0" { table {
                        caption.visually-hidden { (t(lang, "Live participation")) }
                        thead { tr { th { (t(lang, "Team")) } th.num { (t(lang, "Invited")) } th.num { (t(lang, "Answered")) } th.num { (t(lang, "Participation")) } } }
                        tbody {
                            @for tp in &p.teams {
                                tr {
                                    th scope="row" { (tp.team) }
                                    @if tp.suppressed {
                                        td.suppressed colspan="3" { (tf(lang, "fewer than {k} invitees", &[("k", &p.min_group.to_string())])) }
                                    } @else {
                                        td.num { (tp.invited.unwrap_or_default()) }
                                        td.num { (tp.answered.unwrap_or_default()) }
                                        td.num { (tp.rate.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_default()) }
                                    }
                                }
                            }
                        }
                    } }
                }
                h2 { (t(lang, "Questions")) }
                ol { @for q in &sv.questions { li { (if lang == Language::Ru && !q.text_ru.is_empty() { &q.text_ru } else { &q.text }) } } }
            },
        ),
    )
}

fn round_status(lang: Language, s: RoundStatus) -> &'static str {
    t(
        lang,
        match s {
            RoundStatus::Scheduled => "Scheduled",
            RoundStatus::Open => "Open",
            RoundStatus::Closed => "Closed",
        },
    )
}

#[handler]
pub async fn open_round(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let (s, _) = or_respond!(session_form(state, req, body).await);
    let outcome = open_round_now(state, &s.principal, &id).await;
    done_or_page(&s.chrome(), outcome, |_| format!("/hr/surveys/{id}"))
}

#[handler]
pub async fn close_round(
    req: &Request,
    Data(state): Data<&AppState>,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let (s, _) = or_respond!(session_form(state, req, body).await);
    let outcome = close_round_now(state, &s.principal, &id).await;
    done_or_page(&s.chrome(), outcome, |r| {
        format!("/hr/surveys/{}", r.survey_id)
    })
}
