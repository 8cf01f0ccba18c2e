//! "My pulses": the open rounds a person has not answered, one round's questions as a
//! form (likert buttons, a 0–10 scale, choices, text with a counter), and the plain
//! statement of what is stored and who sees what. Answers go through the same checks
//! and the same anonymous writer as `POST /api/v1/rounds/{id}/responses`.

use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::Path;
use poem::{Request, Response, handler};

use crate::actions::service::team_actions;
use crate::actions::types::Action;
use crate::anonymity::min_group::MinGroup;
use crate::clock::now;
use crate::error::ApiError;
use crate::org::domain::Language;
use crate::state::AppState;
use crate::surveys::answers::{Given, MAX_TEXT};
use crate::surveys::bank::QuestionKind;
use crate::surveys::service::{Answerer, my_pulses, submit_response};
use crate::surveys::store;
use crate::surveys::types::{Pulse, PulseQuestion};
use crate::web::account::status_of;
use crate::web::actions::feedback_section;
use crate::web::conversations::{allow_replies_field, code_page};
use crate::web::i18n::{t, tf, tn};
use crate::web::layout::{Chrome, Errors, csrf_field, field_id, page, when_in};
use crate::web::respond::{Form, error_page, html as html_response, see_other, titled_page};
use crate::web::session::Guest;
use crate::web::signed::{Posted, Signed};

#[handler]
pub async fn list(req: &Request, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    let lang = c.lang;
    let pulses = or_page!(&c, my_pulses(state, &s.principal.id).await);
    let done = req.uri().query().is_some_and(|q| q.contains("done=1"));
    html_response(
        StatusCode::OK,
        page(
            &c,
            t(lang, "My pulses"),
            html! {
                h1 { (t(lang, "My pulses")) }
                @if done { p.notice role="status" { (t(lang, "Thank you, your answers were recorded.")) } }
                (pulse_cards(lang, &pulses, |p| html! {
                    h2 { (p.title) }
                    p.meta {
                        (tf(lang, "Open until {date}", &[("date", &c.when(p.closes_at))]))
                        " · "
                        (tn(lang, "{n} question", "{n} questions", p.questions.len() as u64, &[]))
                    }
                    a.button href={ "/pulses/" (p.round_id) } { (t(lang, "Answer")) }
                }))
            },
        ),
    )
}

/// The person's open pulses as cards, `card` drawing what each holds, or the line that
/// there are none.
pub fn pulse_cards(lang: Language, pulses: &[Pulse], card: impl Fn(&Pulse) -> Markup) -> Markup {
    html! {
        @if pulses.is_empty() {
            p { (t(lang, "No open pulses for you right now. Thank you!")) }
        } @else {
            ul.cards {
                @for p in pulses {
                    li.card { (card(p)) }
                }
            }
        }
    }
}

/// The open, unanswered pulse of round `round` for this person.
async fn find_pulse(state: &AppState, person: &str, round: &str) -> Result<Pulse, ApiError> {
    my_pulses(state, person)
        .await?
        .into_iter()
        .find(|p| p.round_id == round)
        .ok_or(ApiError::NotFound("open pulse"))
}

/// Where a person stands with a round that is not open to them for answering.
enum Standing {
    /// They answered it (when is not stored: see [`not_open`]).
    Answered(String),
    /// They were invited, did not answer, and it has closed.
    Closed(String),
    /// Not invited, or no such round: nothing to say.
    Unknown,
}

async fn standing(state: &AppState, person: &str, round: &str) -> Result<Standing, ApiError> {
    let (person, round) = (person.to_owned(), round.to_owned());
    state
        .db
        .read(move |conn| {
            let Some((_, answered)) = store::invitee_answered(conn, &round, &person)? else {
                return Ok(Standing::Unknown);
            };
            let Some(r) = store::find_round(conn, &round)? else {
                return Ok(Standing::Unknown);
            };
            let title = store::find_survey(conn, &r.survey_id)?
                .map(|s| s.title)
                .unwrap_or_default();
            Ok(if answered {
                Standing::Answered(title)
            } else if !r.is_open(now()) {
                Standing::Closed(title)
            } else {
                Standing::Unknown
            })
        })
        .await
}

/// The page for a round the person cannot answer (any more): "you have answered it —
/// thank you", "it has closed", or not found. The day of an answer is not shown because
/// nothing stores it: the participation table keeps only who answered which round (no
/// time of any kind), so that when someone answered cannot be matched to a response.
async fn not_open(state: &AppState, c: &Chrome<'_>, person: &str, round: &str) -> Response {
    let lang = c.lang;
    let (title, text) = match standing(state, person, round).await {
        Ok(Standing::Answered(title)) => {
            (title, t(lang, "You have answered this pulse — thank you."))
        }
        Ok(Standing::Closed(title)) => (
            title,
            t(lang, "This pulse has closed: answers are no longer taken."),
        ),
        Ok(Standing::Unknown) => return error_page(c, &ApiError::NotFound("open pulse")),
        Err(e) => return error_page(c, &e),
    };
    titled_page(
        c,
        &title,
        html! {
            p.notice role="status" { (text) }
            p { a href="/pulses" { (t(lang, "Back to my pulses")) } }
        },
    )
}

#[handler]
pub async fn show(Path(round): Path<String>, Signed(state, s, _): Signed<'_>) -> Response {
    let c = s.chrome();
    match find_pulse(state, &s.principal.id, &round).await {
        Ok(p) => {
            let done = or_page!(&c, team_actions(state, &s.principal).await);
            html_response(
                StatusCode::OK,
                pulse_view(&c, &p, &Form(vec![]), &Errors::default(), &done),
            )
        }
        Err(ApiError::NotFound(_)) => not_open(state, &c, &s.principal.id, &round).await,
        Err(e) => error_page(&c, &e),
    }
}

#[handler]
pub async fn answer(
    req: &Request,
    Path(round): Path<String>,
    Posted(state, s, form, _): Posted<'_>,
) -> Response {
    let c = s.chrome();
    let pulse = match find_pulse(state, &s.principal.id, &round).await {
        Ok(p) => p,
        // Answered already (a second click, a reload) or closed: the page says which.
        Err(ApiError::NotFound(_)) => return see_other(&format!("/pulses/{round}")),
        Err(e) => return error_page(&c, &e),
    };
    let done = or_page!(&c, team_actions(state, &s.principal).await);
    let given = match answers_from_form(&pulse.questions, &form) {
        Ok(g) => g,
        Err(e) => {
            return html_response(
                status_of(&e),
                pulse_view(&c, &pulse, &form, &Errors::from_api(c.lang, &e), &done),
            );
        }
    };
    let allow_replies = form.get("allow_replies").is_some();
    match submit_response(
        state,
        Answerer::Person(s.principal.id.clone()),
        &round,
        given,
        allow_replies,
    )
    .await
    {
        Ok(None) => see_other("/pulses?done=1"),
        // The code is shown here, once, and kept nowhere: a reload posts again, finds
        // the pulse answered and says so.
        Ok(Some(code)) => {
            let guest = Guest::new(state, req);
            guest.finish(html_response(
                StatusCode::OK,
                code_page(&c, &code, &guest.csrf),
            ))
        }
        Err(e @ (ApiError::Validation { .. } | ApiError::ValidationMany(_))) => html_response(
            status_of(&e),
            pulse_view(&c, &pulse, &form, &Errors::from_api(c.lang, &e), &done),
        ),
        Err(e) => error_page(&c, &e),
    }
}

/// The form field of a question: named like the API's error field for it.
fn field_name(q: &PulseQuestion) -> String {
    format!("answers.{}", q.id)
}

/// Turns the posted form into answers; an unanswered question is left out (the shared
/// check then refuses it when it is required).
pub fn answers_from_form(questions: &[PulseQuestion], form: &Form) -> Result<Vec<Given>, ApiError> {
    let mut out = Vec::new();
    for q in questions {
        let name = field_name(q);
        let raw = form.text(&name).trim();
        if raw.is_empty() {
            continue;
        }
        let mut g = Given {
            question_id: q.id.clone(),
            ..Given::default()
        };
        match q.kind {
            QuestionKind::Likert5 | QuestionKind::Scale11 => {
                g.value = Some(
                    raw.parse::<f64>()
                        .map_err(|_| ApiError::invalid(&name, "not a number on the scale"))?,
                );
            }
            QuestionKind::Choice => g.choice = Some(raw.to_owned()),
            QuestionKind::Text => g.text = Some(raw.to_owned()),
        }
        out.push(g);
    }
    Ok(out)
}

/// The plain-words statement of what is stored and who sees it, with this survey's k.
/// The numbers come from [`MinGroup`], which the release planner reads too.
pub fn anonymity_statement(lang: Language, k: MinGroup) -> Markup {
    let (k_s, c_s) = (k.to_string(), k.comment_floor().to_string());
    html! {
        // Folded to its first line; the whole statement opens with a tap or the keyboard.
        details.privacy {
            summary { (t(lang, "Nobody can see your individual answers.")) " " span.more { (t(lang, "What is stored and who sees it")) } }
            p { (t(lang, "Your answers are stored without your name, your account or the time you answered: only with your team and, if this survey collects them, your location, job family and length of service (rare values are stored as \"other\").")) }
            p { (t(lang, "Separately, we note that you answered this round, so you are not asked twice and HR can remind those who have not. The two records are never joined.")) }
            p { (tf(lang, "Your manager and HR see only group results after the round closes, and only for groups of at least {k} answers; smaller groups are shown as \"fewer than {k} answers\". Written comments are shown only for groups of at least {c} answers, in random order and apart from the other answers.", &[("k", &k_s), ("c", &c_s)])) }
        }
    }
}

/// The pulse's page for a signed-in person, with what is being done about the team's
/// feedback below the questions.
fn pulse_view(c: &Chrome, p: &Pulse, form: &Form, errors: &Errors, done: &[Action]) -> Markup {
    let feedback = feedback_section(c.lang, done);
    pulse_page(
        c,
        p,
        &format!("/pulses/{}", p.round_id),
        form,
        errors,
        feedback,
    )
}

/// The pulse's questions as a form that posts to `action` (this page's own path, or a
/// personal link's).
pub fn pulse_form(c: &Chrome, p: &Pulse, action: &str, form: &Form, errors: &Errors) -> Markup {
    pulse_page(c, p, action, form, errors, html! {})
}

fn pulse_page(
    c: &Chrome,
    p: &Pulse,
    action: &str,
    form: &Form,
    errors: &Errors,
    feedback: Markup,
) -> Markup {
    let lang = c.lang;
    let names: Vec<String> = p.questions.iter().map(field_name).collect();
    let shown: Vec<&str> = names.iter().map(String::as_str).collect();
    page(
        c,
        &p.title,
        html! {
            h1 { (p.title) }
            p.meta { (tf(lang, "Open until {date}", &[("date", &c.when(p.closes_at))])) }
            (anonymity_statement(lang, MinGroup::stored(p.min_group)))
            (errors.summary(lang, &shown))
            form method="post" action=(action) {
                (csrf_field(c))
                @for (i, q) in p.questions.iter().enumerate() {
                    (question(lang, i + 1, q, form, errors))
                }
                @if p.questions.iter().any(|q| q.kind == QuestionKind::Text) {
                    (allow_replies_field(lang, form.get("allow_replies").is_some()))
                }
                button.primary type="submit" { (t(lang, "Send answers")) }
            }
            (feedback)
        },
    )
}

/// The pulse as its invitees reading `lang` will see it, inside a page in the viewer's
/// own language: the same statement and questions, which can be tried, and a send
/// button that does nothing.
pub fn pulse_preview(lang: Language, tz: chrono_tz::Tz, p: &Pulse) -> Markup {
    html! {
        div.preview lang=(lang.as_str()) {
            h2 { (p.title) }
            p.meta { (tf(lang, "Open until {date}", &[("date", &when_in(tz, p.closes_at))])) }
            (anonymity_statement(lang, MinGroup::stored(p.min_group)))
            form {
                @for (i, q) in p.questions.iter().enumerate() {
                    (question(lang, i + 1, q, &Form(vec![]), &Errors::default()))
                }
                @if p.questions.iter().any(|q| q.kind == QuestionKind::Text) {
                    (allow_replies_field(lang, false))
                }
                button type="button" disabled { (t(lang, "Send answers")) }
            }
        }
    }
}

fn question(lang: Language, n: usize, q: &PulseQuestion, form: &Form, errors: &Errors) -> Markup {
    let name = field_name(q);
    let id = field_id(&name);
    let err = errors.field(&name);
    let current = form.text(&name);
    let err_id = format!("{id}-err");
    let need = if q.required {
        t(lang, "Required")
    } else {
        t(lang, "Optional")
    };
    let options: Vec<(String, String)> = match q.kind {
        QuestionKind::Likert5 => [
            "Strongly disagree",
            "Disagree",
            "Neutral",
            "Agree",
            "Strongly agree",
        ]
        .iter()
        .enumerate()
        .map(|(i, l)| ((i + 1).to_string(), t(lang, l).to_owned()))
        .collect(),
        QuestionKind::Scale11 => (0..=10).map(|v| (v.to_string(), v.to_string())).collect(),
        QuestionKind::Choice => q
            .options
            .iter()
            .zip(&q.option_labels)
            .map(|(value, label)| (value.clone(), label.clone()))
            .collect(),
        QuestionKind::Text => vec![],
    };
    html! {
        @if q.kind == QuestionKind::Text {
            div.field.question.invalid[err.is_some()] {
                label for=(id) { span.qn { (n) ". " } (q.text) " " small { "(" (need) ")" } }
                p.hint id={ (id) "-hint" } { (tf(lang, "Up to {n} characters.", &[("n", &MAX_TEXT.to_string())])) }
                textarea id=(id) name=(name) rows="4" maxlength=(MAX_TEXT) required[q.required]
                    data-counter=(MAX_TEXT) data-counter-label=(t(lang, "characters left"))
                    aria-invalid=[err.map(|_| "true")]
                    aria-describedby={ (id) "-hint" @if err.is_some() { " " (err_id) } } { (current) }
                @if let Some(m) = err { p.error id=(err_id) { (m) } }
            }
        } @else {
            fieldset.question.invalid[err.is_some()] id=(id)
                aria-describedby=[err.map(|_| err_id.clone())] {
                legend { span.qn { (n) ". " } (q.text) " " small { "(" (need) ")" } }
                @if q.kind == QuestionKind::Scale11 {
                    p.hint.scale-ends aria-hidden="true" {
                        span { "0 — " (t(lang, "Not at all likely")) }
                        span { "10 — " (t(lang, "Extremely likely")) }
                    }
                }
                div class={ "choices " (q.kind.as_str()) } {
                    @for (j, (value, label)) in options.iter().enumerate() {
                        @let opt_id = format!("{id}-{j}");
                        div.choice {
                            input type="radio" id=(opt_id) name=(name) value=(value)
                                required[q.required] checked[current == value.as_str()];
                            label for=(opt_id) {
                                @if q.kind == QuestionKind::Likert5 { span.num { (value) } " " }
                                @if q.kind == QuestionKind::Scale11 && j == 0 {
                                    (label) span.visually-hidden { " — " (t(lang, "Not at all likely")) }
                                } @else if q.kind == QuestionKind::Scale11 && j == 10 {
                                    (label) span.visually-hidden { " — " (t(lang, "Extremely likely")) }
                                } @else {
                                    (label)
                                }
                            }
                        }
                    }
                }
                @if let Some(m) = err { p.error id=(err_id) { (m) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surveys::bank::Driver;

    fn q(id: &str, kind: QuestionKind) -> PulseQuestion {
        PulseQuestion {
            id: id.into(),
            kind,
            driver: Driver::Voice,
            required: true,
            text: "?".into(),
            options: vec!["a".into(), "b".into()],
            option_labels: vec!["A".into(), "B".into()],
        }
    }

    #[test]
    fn form_fields_become_answers_by_kind() {
        let qs = [
            q("l", QuestionKind::Likert5),
            q("s", QuestionKind::Scale11),
            q("c", QuestionKind::Choice),
            q("t", QuestionKind::Text),
        ];
        let form = Form(vec![
            ("answers.l".into(), "4".into()),
            ("answers.s".into(), "10".into()),
            ("answers.c".into(), "b".into()),
            ("answers.t".into(), "  ".into()),
        ]);
        let given = answers_from_form(&qs, &form).expect("valid");
        assert_eq!(given.len(), 3, "a blank text is no answer");
        assert_eq!(given[0].value, Some(4.0));
        assert_eq!(given[1].value, Some(10.0));
        assert_eq!(given[2].choice.as_deref(), Some("b"));
    }

    #[test]
    fn a_non_number_on_a_scale_names_the_question() {
        let qs = [q("l", QuestionKind::Likert5)];
        let form = Form(vec![("answers.l".into(), "lots".into())]);
        match answers_from_form(&qs, &form) {
            Err(ApiError::Validation { field, .. }) => assert_eq!(field, "answers.l"),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn the_statement_names_k_and_the_comment_floor() {
        let text = anonymity_statement(Language::En, MinGroup::stored(7)).into_string();
        assert!(text.contains("at least 7 answers"), "{text}");
        assert!(text.contains("fewer than 7 answers"), "{text}");
        assert!(text.contains("at least 10 answers"), "{text}");
    }
}
