//! What the surveys API, the web pages and the CLI all call: the HR role check, the
//! checks of a survey (the pure ones in `validate.rs`, the audience's teams here), their
//! orchestration over `store.rs`, the views of surveys and rounds, and the answering path
//! that hands a checked submission to the anonymous writer.

use chrono::NaiveDateTime;

use crate::auth::{Principal, require_hr};
use crate::clock::now;
use crate::db::AnyConnection;
use crate::error::{ApiError, Msg};
use crate::org::domain::{Language, parse_text};
use crate::org::store as org_store;
use crate::reports::audit_log::record;
use crate::state::AppState;
use crate::surveys::answers::{self, Given};
use crate::surveys::ballot::{self, Ballot};
use crate::surveys::bank::{self, Driver, QuestionKind};
use crate::surveys::model::{Cut, QuestionRow, RoundRow, SurveyRow, cuts_mask};
use crate::surveys::schedule::Cadence;
use crate::surveys::store;
use crate::surveys::types::{
    Audience, AudienceInput, BankQuestion, CreateSurvey, Participation, Pulse, PulseQuestion,
    Question, Reminded, Round, RoundStatus, ScheduleInput, Survey, SurveyPage, TeamParticipation,
    UpdateSurvey,
};
use crate::surveys::validate::{
    MAX_QUESTIONS, check_min_group, check_questions, check_reminders, check_schedule, cuts_string,
    question_rows,
};
use crate::surveys::writer::{Respondent, Submission};

// ---------- checks that read the database ----------

/// A survey's Russian title: `None` when not given, "" to have none.
fn check_title_ru(v: Option<&str>) -> Result<Option<String>, ApiError> {
    match v.map(str::trim) {
        None => Ok(None),
        Some("") => Ok(Some(String::new())),
        Some(t) => parse_text(t, "title_ru", 200).map(Some),
    }
}

fn check_audience(conn: &mut AnyConnection, a: &AudienceInput) -> Result<Vec<String>, ApiError> {
    if a.team_ids.len() > 500 {
        return Err(ApiError::invalid("audience.team_ids", "at most 500 teams"));
    }
    let mut ids = a.team_ids.clone();
    ids.sort();
    ids.dedup();
    for (i, t) in ids.iter().enumerate() {
        if org_store::find_team(conn, t)?.is_none() {
            return Err(ApiError::invalid(
                format!("audience.team_ids[{i}]"),
                "no such team",
            ));
        }
    }
    Ok(ids)
}

// ---------- views ----------

fn question_view(q: QuestionRow) -> Question {
    Question {
        kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Text),
        driver: Driver::parse(&q.driver).unwrap_or(Driver::Voice),
        options: q.options_list(),
        options_ru: q.options_ru_list(),
        id: q.id,
        position: q.position,
        required: q.required,
        bank_item: q.bank_item,
        text: q.text_en,
        text_ru: q.text_ru,
    }
}

fn survey_view(conn: &mut AnyConnection, s: SurveyRow) -> Result<Survey, ApiError> {
    let questions = store::questions(conn, &s.id)?
        .into_iter()
        .map(question_view)
        .collect();
    let team_ids = store::audience_team_ids(conn, &s.id)?;
    let frozen = store::is_frozen(conn, &s.id)?;
    let mask = cuts_mask(&s.cuts);
    let cuts = [Cut::Location, Cut::JobFamily, Cut::Tenure]
        .into_iter()
        .zip(mask)
        .filter_map(|(c, on)| on.then_some(c))
        .collect();
    Ok(Survey {
        schedule: ScheduleInput {
            starts_on: s.starts_on,
            cadence: Cadence::from_db(&s.cadence),
            window_days: s.window_days,
            ends_on: s.ends_on,
        },
        id: s.id,
        title: s.title,
        title_ru: s.title_ru,
        questions,
        audience: Audience { team_ids },
        cuts,
        min_group: s.min_group,
        reminders: s.reminders,
        archived: s.archived,
        frozen,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

fn load_survey_view(conn: &mut AnyConnection, id: &str) -> Result<Survey, ApiError> {
    let s = store::find_survey(conn, id)?.ok_or(ApiError::NotFound("survey"))?;
    survey_view(conn, s)
}

/// Round `id` and now, while it is open: 404 when there is no such round, 409 when it is
/// not open now.
fn open_round(conn: &mut AnyConnection, id: &str) -> Result<(RoundRow, NaiveDateTime), ApiError> {
    let r = store::find_round(conn, id)?.ok_or(ApiError::NotFound("round"))?;
    let t = now();
    if !r.is_open(t) {
        return Err(ApiError::Conflict("the round is not open".into()));
    }
    Ok((r, t))
}

fn round_view(conn: &mut AnyConnection, r: RoundRow, at: NaiveDateTime) -> Result<Round, ApiError> {
    let invited = store::invited_count(conn, &r.id)?;
    let status = if at < r.opens_at {
        RoundStatus::Scheduled
    } else if at < r.closes_at {
        RoundStatus::Open
    } else {
        RoundStatus::Closed
    };
    let mut messages = crate::surveys::types::RoundMessages::default();
    for (status, n) in crate::notify::store::pulse_open_counts(conn, &r.id)? {
        match status.as_str() {
            "sent" => messages.sent += n,
            "failed" => messages.failed += n,
            "cancelled" => messages.cancelled += n,
            _ => messages.queued += n,
        }
    }
    Ok(Round {
        messages,
        closed_early: r.closed_early_at.is_some(),
        id: r.id,
        survey_id: r.survey_id,
        sequence: r.sequence,
        opens_at: r.opens_at,
        closes_at: r.closes_at,
        status,
        invited,
    })
}

// ---------- what the API, the web pages and the CLI call ----------

/// The built-in question bank, in English (default) or Russian.
pub fn question_bank(lang: Option<Language>) -> Vec<BankQuestion> {
    let lang = lang.map_or("en", |l| l.as_str());
    bank::ITEMS
        .iter()
        .map(|i| BankQuestion {
            key: i.key.to_owned(),
            driver: i.driver,
            kind: i.kind,
            text: i.text(lang).to_owned(),
        })
        .collect()
}

/// A question as an answerer reading `lang` (`en`, `ru`) sees it.
pub fn pulse_question(q: QuestionRow, lang: &str) -> PulseQuestion {
    PulseQuestion {
        kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Text),
        driver: Driver::parse(&q.driver).unwrap_or(Driver::Voice),
        text: q.text(lang).to_owned(),
        option_labels: q.option_labels(lang),
        options: q.options_list(),
        id: q.id,
        required: q.required,
    }
}

/// Person `me`'s open rounds not answered yet, with questions in their language.
pub async fn my_pulses(state: &AppState, me: &str) -> Result<Vec<Pulse>, ApiError> {
    let me = me.to_owned();
    state
        .db
        .read(move |conn| {
            let t = now();
            let lang = store::person_language(conn, &me)?;
            let open = store::open_rounds_for(conn, &me, t)?;
            let answered = store::answered_rounds(conn, &me)?;
            let mut out = Vec::new();
            for r in open.into_iter().filter(|r| !answered.contains(&r.id)) {
                let s =
                    store::find_survey(conn, &r.survey_id)?.ok_or(ApiError::NotFound("survey"))?;
                let questions = store::questions(conn, &s.id)?
                    .into_iter()
                    .map(|q| pulse_question(q, &lang))
                    .collect();
                out.push(Pulse {
                    round_id: r.id,
                    title: s.title(&lang).to_owned(),
                    survey_id: s.id,
                    closes_at: r.closes_at,
                    min_group: s.min_group,
                    questions,
                });
            }
            Ok(out)
        })
        .await
}

/// Who is answering.
pub enum Answerer {
    /// A person already authenticated (the web pages).
    Person(String),
    /// A bearer token whose signature is verified; whether the database still honours
    /// it is checked in the same database call as the answering reads (the API).
    Token(crate::auth::token::Claims),
    /// A kiosk code of the round, by its hash, checked by [`crate::kiosk::service`]:
    /// the ballot carries its team and no segment; the code is used once.
    Code { hash: String, team_id: String },
}

/// Checks and records the answerer's answers to round `round_id`, once, as a sealed
/// ballot ([`ballot`]) that carries the team and generalised segments only: no person,
/// no time. Nothing of it is readable until the round closes ([`crate::surveys::materialise`]).
pub async fn submit_response(
    state: &AppState,
    who: Answerer,
    round_id: &str,
    given: Vec<Given>,
    allow_replies: bool,
) -> Result<Option<String>, ApiError> {
    let round_id = round_id.to_owned();
    let facts = state.round_facts.clone();
    let master = state.master.clone();
    // A few checks at a time (first come, first served); the turn ends with the check,
    // before the wait for the writer.
    let turn = state
        .answer_slots
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable("the server is shutting down".into()))?;
    let (submission, reply_code) = state
        .db
        .read(move |conn| {
            // The answerer's standing, invitation and earlier answer: one query.
            let (me, invitation) = match who {
                Answerer::Person(id) => {
                    let invitation = store::invitee_answered(conn, &round_id, &id)?;
                    (Respondent::Person(id), invitation)
                }
                Answerer::Token(claims) => {
                    let (me, invitation) = store::token_invitee_answered(conn, &round_id, claims)?;
                    (Respondent::Person(me.id), invitation)
                }
                Answerer::Code { hash, team_id } => {
                    let invitee = crate::surveys::model::InviteeRow {
                        round_id: round_id.clone(),
                        person_id: String::new(),
                        team_id,
                        location: None,
                        job_family: None,
                        tenure: None,
                    };
                    (Respondent::Code(hash), Some((invitee, false)))
                }
            };
            if given.len() > MAX_QUESTIONS {
                return Err(ApiError::invalid(
                    "answers",
                    Msg::new("at most {n} answers").arg("n", MAX_QUESTIONS),
                ));
            }
            let f = facts
                .get(conn, &round_id)?
                .ok_or(ApiError::NotFound("round"))?;
            if !f.round.is_open(now()) {
                return Err(ApiError::Conflict("the round is not open".into()));
            }
            let (invitee, answered) = invitation.ok_or(ApiError::Forbidden)?;
            if answered {
                return Err(ApiError::Conflict(
                    "you have already answered this round".into(),
                ));
            }
            let answers = answers::check(&f.questions, &given)?;
            // A conversation code only where there is a comment to answer; its hash
            // is sealed with the answers and the code goes back to the respondent alone.
            let reply_code = (allow_replies && answers.iter().any(|a| a.text.is_some()))
                .then(crate::conversations::code::generate);
            let ballot = Ballot {
                reply: reply_code
                    .as_deref()
                    .and_then(crate::conversations::code::hash),
                team_id: invitee.team_id,
                location: invitee.location,
                job_family: invitee.job_family,
                tenure: invitee.tenure,
                answers,
            };
            let key = master.round_key(&round_id);
            let sealed = ballot::seal(&key, &round_id, &f.questions, &ballot)?;
            Ok((
                Submission {
                    round_id,
                    who: me,
                    sealed,
                },
                reply_code,
            ))
        })
        .await?;
    drop(turn);
    state.writer.submit(submission).await?;
    Ok(reply_code)
}

/// Creates a survey (HR): questions, audience, cuts, schedule and k.
pub async fn create_survey(
    state: &AppState,
    p: &Principal,
    body: CreateSurvey,
) -> Result<Survey, ApiError> {
    require_hr(p)?;
    let actor = p.id.clone();
    let title = parse_text(&body.title, "title", 200)?;
    let title_ru = check_title_ru(body.title_ru.as_deref())?.unwrap_or_default();
    let questions = check_questions(&body.questions)?;
    check_schedule(&body.schedule)?;
    let min_group = check_min_group(body.min_group, state.config.k())?;
    let reminders = check_reminders(body.reminders)?;
    let cuts = cuts_string(body.cuts.as_deref().unwrap_or(&[]));
    let audience = body.audience.unwrap_or(AudienceInput { team_ids: vec![] });
    let schedule = body.schedule;
    let survey = state
        .db
        .write(move |conn| {
            let team_ids = check_audience(conn, &audience)?;
            let t = now();
            let row = SurveyRow {
                id: uuid::Uuid::new_v4().to_string(),
                title,
                cuts,
                starts_on: schedule.starts_on,
                cadence: schedule.cadence.as_str().into(),
                window_days: schedule.window_days,
                ends_on: schedule.ends_on,
                min_group,
                archived: false,
                created_at: t,
                updated_at: t,
                reminders,
                title_ru,
            };
            store::insert_survey(conn, &row)?;
            store::replace_questions(conn, &row.id, question_rows(&row.id, questions))?;
            store::replace_audience(conn, &row.id, &team_ids)?;
            record(
                conn,
                &actor,
                "survey.create",
                &format!("surveys/{}", row.id),
            )?;
            survey_view(conn, row)
        })
        .await?;
    Ok(survey)
}

/// Edits a survey (HR): questions, cuts and min_group are refused (409) once the first
/// round has opened; title, audience and schedule stay editable.
pub async fn update_survey(
    state: &AppState,
    p: &Principal,
    id: String,
    body: UpdateSurvey,
) -> Result<Survey, ApiError> {
    require_hr(p)?;
    let actor = p.id.clone();
    let title = body
        .title
        .as_deref()
        .map(|t| parse_text(t, "title", 200))
        .transpose()?;
    let title_ru = check_title_ru(body.title_ru.as_deref())?;
    let questions = body.questions.as_deref().map(check_questions).transpose()?;
    if let Some(s) = &body.schedule {
        check_schedule(s)?;
    }
    let min_group = body
        .min_group
        .map(|k| check_min_group(Some(k), state.config.k()))
        .transpose()?;
    let reminders = body
        .reminders
        .map(|n| check_reminders(Some(n)))
        .transpose()?;
    let cuts = body.cuts.as_deref().map(cuts_string);
    let (audience, schedule) = (body.audience, body.schedule);
    state
        .db
        .write(move |conn| {
            let row = store::find_survey(conn, &id)?.ok_or(ApiError::NotFound("survey"))?;
            if row.archived {
                return Err(ApiError::Conflict("the survey is archived".into()));
            }
            if (questions.is_some() || cuts.is_some() || min_group.is_some())
                && store::is_frozen(conn, &id)?
            {
                return Err(ApiError::Conflict(
                    "questions, cuts and min_group are frozen once the first round has opened"
                        .into(),
                ));
            }
            if let Some(qs) = questions {
                store::replace_questions(conn, &id, question_rows(&id, qs))?;
            }
            if let Some(a) = &audience {
                let ids = check_audience(conn, a)?;
                store::replace_audience(conn, &id, &ids)?;
            }
            let s = schedule.unwrap_or(ScheduleInput {
                starts_on: row.starts_on,
                cadence: Cadence::from_db(&row.cadence),
                window_days: row.window_days,
                ends_on: row.ends_on,
            });
            store::update_survey(
                conn,
                &SurveyRow {
                    title: title.unwrap_or(row.title),
                    title_ru: title_ru.unwrap_or(row.title_ru),
                    cuts: cuts.unwrap_or(row.cuts),
                    min_group: min_group.unwrap_or(row.min_group),
                    reminders: reminders.unwrap_or(row.reminders),
                    starts_on: s.starts_on,
                    cadence: s.cadence.as_str().into(),
                    window_days: s.window_days,
                    ends_on: s.ends_on,
                    updated_at: now(),
                    ..row
                },
            )?;
            record(conn, &actor, "survey.update", &format!("surveys/{id}"))?;
            load_survey_view(conn, &id)
        })
        .await
}

/// Archives a survey (HR): no more rounds open; results stay.
pub async fn archive_survey(state: &AppState, p: &Principal, id: String) -> Result<(), ApiError> {
    require_hr(p)?;
    let actor = p.id.clone();
    state
        .db
        .write(move |conn| {
            store::find_survey(conn, &id)?.ok_or(ApiError::NotFound("survey"))?;
            store::archive_survey(conn, &id, now())?;
            record(conn, &actor, "survey.archive", &format!("surveys/{id}"))
        })
        .await
}

/// Surveys (HR), newest first.
pub async fn list_surveys(
    state: &AppState,
    p: &Principal,
    limit: i64,
    offset: i64,
    archived: bool,
) -> Result<SurveyPage, ApiError> {
    require_hr(p)?;
    state
        .db
        .read_replicated(move |conn| {
            let (total, rows) = store::surveys_page(conn, archived, limit, offset)?;
            let items = rows
                .into_iter()
                .map(|r| survey_view(conn, r))
                .collect::<Result<_, _>>()?;
            Ok(SurveyPage {
                items,
                total,
                limit,
                offset,
            })
        })
        .await
}

/// One survey (HR).
pub async fn get_survey(state: &AppState, p: &Principal, id: &str) -> Result<Survey, ApiError> {
    require_hr(p)?;
    let id = id.to_owned();
    state.db.read(move |conn| load_survey_view(conn, &id)).await
}

/// A survey's rounds (HR).
pub async fn list_rounds(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Vec<Round>, ApiError> {
    require_hr(p)?;
    let id = id.to_owned();
    state
        .db
        .read_replicated(move |conn| {
            store::find_survey(conn, &id)?.ok_or(ApiError::NotFound("survey"))?;
            let at = now();
            let rows = store::rounds_of(conn, &id)?;
            rows.into_iter()
                .map(|r| round_view(conn, r, at))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
}

/// Opens a round of a survey now (HR), for its window length.
pub async fn open_round_now(state: &AppState, p: &Principal, id: &str) -> Result<Round, ApiError> {
    require_hr(p)?;
    let actor = p.id.clone();
    let id = id.to_owned();
    let round = state
        .db
        .write(move |conn| {
            let survey = store::find_survey(conn, &id)?.ok_or(ApiError::NotFound("survey"))?;
            if survey.archived {
                return Err(ApiError::Conflict("the survey is archived".into()));
            }
            let t = now();
            if store::open_round_of(conn, &id, t)?.is_some() {
                return Err(ApiError::Conflict(
                    "a round of this survey is already open".into(),
                ));
            }
            let closes = t + chrono::TimeDelta::days(i64::from(survey.window_days));
            let row = store::open_round(conn, &survey, None, t, closes)?;
            record(conn, &actor, "round.open", &format!("rounds/{}", row.id))?;
            crate::notify::queue::pulse_open(conn, &row.id)?;
            crate::hooks::queue::round_opened(conn, &row.id)?;
            round_view(conn, row, t)
        })
        .await?;
    tracing::info!(round = %round.id, "round opened by HR");
    Ok(round)
}

/// Closes an open round now (HR).
pub async fn close_round_now(state: &AppState, p: &Principal, id: &str) -> Result<Round, ApiError> {
    require_hr(p)?;
    let actor = p.id.clone();
    let id = id.to_owned();
    let forget = id.clone();
    let master = state.master.clone();
    let closed = state
        .db
        .write(move |conn| {
            let (_, t) = open_round(conn, &id)?;
            store::close_round_early(conn, &id, t)?;
            record(conn, &actor, "round.close", &format!("rounds/{id}"))?;
            // The ballots are opened in the same transaction as the close.
            crate::surveys::materialise::materialise(conn, &master, &id, t)?;
            crate::hooks::queue::round_closed(conn, &id)?;
            let r = store::find_round(conn, &id)?.ok_or(ApiError::NotFound("round"))?;
            round_view(conn, r, t)
        })
        .await;
    state.round_facts.forget(&forget);
    if closed.is_ok() {
        let db = state.db.clone();
        let _ = tokio::task::spawn_blocking(move || crate::surveys::materialise::after_close(&db))
            .await;
    }
    closed
}

/// Live participation per team of at least k invitees (HR).
pub async fn round_participation(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Participation, ApiError> {
    require_hr(p)?;
    let id = id.to_owned();
    let target = format!("rounds/{id}/participation");
    let out = state
        .db
        .read_replicated(move |conn| {
            let r = store::find_round(conn, &id)?.ok_or(ApiError::NotFound("round"))?;
            let survey =
                store::find_survey(conn, &r.survey_id)?.ok_or(ApiError::NotFound("survey"))?;
            let k = i64::from(survey.min_group);
            // A team's direct members only where the reports' participation plan (on
            // the round's tree) already determines them: no difference isolates fewer
            // than k invitees.
            let tree = if r.closes_at <= now() {
                crate::reports::release::closed_team_rows(conn, &id)?
            } else {
                crate::reports::release::team_rows(conn)?
            };
            let data = crate::reports::release::RoundData::load_with(
                conn,
                r,
                tree,
                crate::reports::release::Loaded::Cells,
            )?;
            let direct = data.direct_participation_shown();
            let reach = crate::reports::crowds::Reach::load(conn, &data)?;
            let reach_shown = reach.direct_shown(&data, &reach.plan(&data));
            let mut teams = Vec::new();
            for (team_id, (invited, answered)) in store::participation_by_team(conn, &id)? {
                let team = org_store::find_team(conn, &team_id)?
                    .map(|t| t.name)
                    .unwrap_or_default();
                let planned = data
                    .node(&team_id)
                    .is_some_and(|n| direct.get(n).copied().unwrap_or(false));
                let shown = invited >= k && planned;
                let node = data.node(&team_id);
                let reachable = node.and_then(|n| reach.direct.get(n)).copied().unwrap_or(0);
                let reach_on =
                    shown && node.is_some_and(|n| reach_shown.get(n).copied().unwrap_or(false));
                teams.push(TeamParticipation {
                    team_id,
                    team,
                    suppressed: !shown,
                    hidden: (!shown).then(|| {
                        crate::reports::types::HiddenReason::of(invited as usize, k as usize)
                    }),
                    invited: shown.then_some(invited),
                    answered: shown.then_some(answered),
                    rate: shown.then(|| answered as f64 / invited as f64),
                    reachable: reach_on.then_some(reachable as i64),
                    reachable_rate: (reach_on && reachable > 0)
                        .then(|| answered as f64 / reachable as f64),
                    reachable_hidden: (shown && !reach_on)
                        .then(|| crate::reports::types::HiddenReason::of(reachable, k as usize)),
                });
            }
            Ok(Participation {
                round_id: id,
                min_group: survey.min_group,
                teams,
            })
        })
        .await?;
    // Answered only once recorded (`reports::audit_log::audited_read`'s rule).
    crate::reports::audit_log::append(state, &p.id, "participation.read", &target).await?;
    Ok(out)
}

/// Queues a reminder to each of the round's invitees who have not answered, at most one
/// a day per round and person (and none within 12 hours of an automatic one), and says
/// how many were queued (HR). The list goes into
/// the outbox only: never into a response or the log.
pub async fn send_reminders(
    state: &AppState,
    p: &Principal,
    id: String,
) -> Result<Reminded, ApiError> {
    require_hr(p)?;
    let queued = state
        .db
        .write(move |conn| {
            let (r, t) = open_round(conn, &id)?;
            let ids = store::not_answered(conn, &id)?;
            crate::notify::queue::reminders(conn, &r.id, &ids, t.date())
        })
        .await?;
    Ok(Reminded {
        reminded: queued as i64,
    })
}
