//! Surveys, rounds, the question bank and answering, over HTTP. HR and admins build and
//! run surveys; every employee answers the rounds they are invited to.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;

use crate::anonymity::min_group::MinGroup;
use crate::auth::bearer::BearerAuth;
use crate::auth::{Principal, require_hr};
use crate::clock::now;
use crate::db::AnyConnection;
use crate::db::schema::{people, survey_audience, survey_questions, surveys};
use crate::error::{ApiError, Msg};
use crate::http::NoContent;
use crate::http::{Created, Tag, page_bounds};
use crate::org::domain::parse_text;
use crate::org::store as org_store;
use crate::payload::JsonBody;
use crate::state::AppState;
use crate::surveys::answers::{self, Given};
use crate::surveys::bank::{self, Driver, QuestionKind};
use crate::surveys::model::{CUTS, Cut, QuestionRow, RoundRow, SurveyRow, cuts_mask};
use crate::surveys::schedule::Cadence;
use crate::surveys::store;
use crate::surveys::types::{
    Audience, AudienceInput, BankQuestion, CreateSurvey, Participation, Pulse, PulseQuestion,
    Question, QuestionInput, Recorded, Reminded, RemindersSent, ResponseInput, Round, RoundStatus,
    ScheduleInput, Survey, SurveyPage, TeamParticipation, UpdateSurvey,
};
use crate::surveys::writer::Submission;

pub struct SurveysApi {
    pub state: AppState,
}

/// Most questions in one survey.
pub const MAX_QUESTIONS: usize = 60;
/// Most options of a choice question.
pub const MAX_OPTIONS: usize = 20;

// ---------- validation ----------

/// A checked question, before it gets its id and survey.
struct NewQuestion {
    kind: QuestionKind,
    driver: Driver,
    required: bool,
    bank_item: Option<String>,
    text_en: String,
    text_ru: String,
    options: Option<Vec<String>>,
}

fn check_questions(inputs: &[QuestionInput]) -> Result<Vec<NewQuestion>, ApiError> {
    if inputs.is_empty() {
        return Err(ApiError::invalid(
            "questions",
            "a survey needs at least one question",
        ));
    }
    if inputs.len() > MAX_QUESTIONS {
        return Err(ApiError::invalid(
            "questions",
            Msg::new("at most {n} questions").arg("n", MAX_QUESTIONS),
        ));
    }
    let mut seen_bank = HashSet::new();
    let mut out = Vec::new();
    for (i, q) in inputs.iter().enumerate() {
        let f = |name: &str| format!("questions[{i}].{name}");
        if let Some(key) = &q.bank_item {
            let item = bank::item(key)
                .ok_or_else(|| ApiError::invalid(f("bank_item"), "no such bank item"))?;
            if q.kind.is_some()
                || q.driver.is_some()
                || q.text.is_some()
                || q.text_ru.is_some()
                || q.options.is_some()
            {
                return Err(ApiError::invalid(
                    f("bank_item"),
                    "a bank item brings its own kind, driver and texts; give only `required` with it",
                ));
            }
            if !seen_bank.insert(item.key) {
                return Err(ApiError::invalid(
                    f("bank_item"),
                    "this bank item is already in the survey",
                ));
            }
            out.push(NewQuestion {
                kind: item.kind,
                driver: item.driver,
                required: q.required.unwrap_or(!item.optional_by_default()),
                bank_item: Some(item.key.to_owned()),
                text_en: item.text_en.to_owned(),
                text_ru: item.text_ru.to_owned(),
                options: None,
            });
            continue;
        }
        let kind = q
            .kind
            .ok_or_else(|| ApiError::invalid(f("kind"), "give a kind, or a bank_item"))?;
        let driver = q
            .driver
            .ok_or_else(|| ApiError::invalid(f("driver"), "give a driver, or a bank_item"))?;
        let text_en = parse_text(q.text.as_deref().unwrap_or(""), &f("text"), 500)?;
        let text_ru = match q.text_ru.as_deref() {
            None => String::new(),
            Some(t) => parse_text(t, &f("text_ru"), 500)?,
        };
        let options = match (kind, &q.options) {
            (QuestionKind::Choice, None) => {
                return Err(ApiError::invalid(
                    f("options"),
                    "a choice question needs options",
                ));
            }
            (QuestionKind::Choice, Some(opts)) => {
                if opts.len() < 2 || opts.len() > MAX_OPTIONS {
                    return Err(ApiError::invalid(
                        f("options"),
                        Msg::new("give 2 to {n} options").arg("n", MAX_OPTIONS),
                    ));
                }
                let mut clean = Vec::new();
                for (j, o) in opts.iter().enumerate() {
                    let o = parse_text(o, &format!("questions[{i}].options[{j}]"), 200)?;
                    if clean.contains(&o) {
                        return Err(ApiError::invalid(
                            format!("questions[{i}].options[{j}]"),
                            "listed twice",
                        ));
                    }
                    clean.push(o);
                }
                Some(clean)
            }
            (_, Some(_)) => {
                return Err(ApiError::invalid(
                    f("options"),
                    "only choice questions have options",
                ));
            }
            (_, None) => None,
        };
        out.push(NewQuestion {
            kind,
            driver,
            required: q.required.unwrap_or(kind != QuestionKind::Text),
            bank_item: None,
            text_en,
            text_ru,
            options,
        });
    }
    Ok(out)
}

fn check_schedule(s: &ScheduleInput) -> Result<(), ApiError> {
    let max = s.cadence.max_window_days();
    if s.window_days < 1 || s.window_days > max {
        return Err(ApiError::invalid(
            "schedule.window_days",
            Msg::new("must be 1 to {max} days for a {cadence} survey (no longer than the cadence)")
                .arg("max", max)
                .term("cadence", s.cadence.as_str()),
        ));
    }
    if s.ends_on.is_some_and(|e| e < s.starts_on) {
        return Err(ApiError::invalid(
            "schedule.ends_on",
            "must not be before starts_on",
        ));
    }
    Ok(())
}

/// A survey's k: the instance's when none is given; never below it.
fn check_min_group(v: Option<i32>, configured: MinGroup) -> Result<i32, ApiError> {
    match v.map(|k| MinGroup::parse(k.into())) {
        None => Ok(configured.as_i32()),
        Some(Ok(k)) if k >= configured => Ok(k.as_i32()),
        Some(_) => Err(ApiError::invalid(
            "min_group",
            Msg::new("must be from {floor} to 1000").arg("floor", configured.as_i32()),
        )),
    }
}

fn cuts_string(cuts: &[Cut]) -> String {
    CUTS.iter()
        .filter(|c| cuts.iter().any(|x| x.as_str() == **c))
        .copied()
        .collect::<Vec<_>>()
        .join(",")
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

fn replace_questions(
    conn: &mut AnyConnection,
    survey_id: &str,
    qs: Vec<NewQuestion>,
) -> Result<(), ApiError> {
    diesel::delete(survey_questions::table.filter(survey_questions::survey_id.eq(survey_id)))
        .execute(conn)?;
    for (pos, q) in qs.into_iter().enumerate() {
        diesel::insert_into(survey_questions::table)
            .values(QuestionRow {
                id: uuid::Uuid::new_v4().to_string(),
                survey_id: survey_id.to_owned(),
                position: i32::try_from(pos).unwrap_or(i32::MAX),
                kind: q.kind.as_str().into(),
                driver: q.driver.as_str().into(),
                required: q.required,
                bank_item: q.bank_item,
                text_en: q.text_en,
                text_ru: q.text_ru,
                options: q
                    .options
                    .map(|o| serde_json::to_string(&o).unwrap_or_else(|_| "[]".into())),
            })
            .execute(conn)?;
    }
    Ok(())
}

fn replace_audience(
    conn: &mut AnyConnection,
    survey_id: &str,
    ids: &[String],
) -> Result<(), ApiError> {
    diesel::delete(survey_audience::table.filter(survey_audience::survey_id.eq(survey_id)))
        .execute(conn)?;
    for t in ids {
        diesel::insert_into(survey_audience::table)
            .values((
                survey_audience::survey_id.eq(survey_id),
                survey_audience::team_id.eq(t),
            ))
            .execute(conn)?;
    }
    Ok(())
}

// ---------- views ----------

fn question_view(q: QuestionRow) -> Question {
    Question {
        kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Text),
        driver: Driver::parse(&q.driver).unwrap_or(Driver::Voice),
        options: q.options_list(),
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
        questions,
        audience: Audience { team_ids },
        cuts,
        min_group: s.min_group,
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

fn round_view(conn: &mut AnyConnection, r: RoundRow, at: NaiveDateTime) -> Result<Round, ApiError> {
    let invited: i64 = crate::db::schema::round_invitees::table
        .filter(crate::db::schema::round_invitees::round_id.eq(&r.id))
        .count()
        .get_result(conn)?;
    let status = if at < r.opens_at {
        RoundStatus::Scheduled
    } else if at < r.closes_at {
        RoundStatus::Open
    } else {
        RoundStatus::Closed
    };
    Ok(Round {
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

// ---------- handlers ----------

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Surveys")]
impl SurveysApi {
    /// The built-in question bank, in English or Russian.
    #[oai(
        path = "/question-bank",
        method = "get",
        operation_id = "question_bank"
    )]
    async fn question_bank(
        &self,
        _auth: BearerAuth,
        /// `en` (default) or `ru`.
        lang: Query<Option<crate::org::domain::Language>>,
    ) -> Result<Json<Vec<BankQuestion>>, ApiError> {
        let lang = lang.0.map_or("en", |l| l.as_str());
        Ok(Json(
            bank::ITEMS
                .iter()
                .map(|i| BankQuestion {
                    key: i.key.to_owned(),
                    driver: i.driver,
                    kind: i.kind,
                    text: i.text(lang).to_owned(),
                })
                .collect(),
        ))
    }

    /// Create a survey (HR): questions, audience, cuts, schedule and k.
    #[oai(path = "/surveys", method = "post", operation_id = "create_survey")]
    async fn create_survey(
        &self,
        auth: BearerAuth,
        body: JsonBody<CreateSurvey>,
    ) -> Result<Created<Survey>, ApiError> {
        create_survey(&self.state, &auth.0, body.0)
            .await
            .map(|x| Created::Created(Json(x)))
    }

    /// List surveys (HR), newest first.
    #[oai(path = "/surveys", method = "get", operation_id = "list_surveys")]
    async fn list_surveys(
        &self,
        auth: BearerAuth,
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))] limit: Query<Option<i64>>,
        #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))] offset: Query<
            Option<i64>,
        >,
        /// Include archived surveys.
        include_archived: Query<Option<bool>>,
    ) -> Result<Json<SurveyPage>, ApiError> {
        let (limit, offset) = page_bounds(limit.0, offset.0);
        let archived = include_archived.0.unwrap_or(false);
        list_surveys(&self.state, &auth.0, limit, offset, archived)
            .await
            .map(Json)
    }

    /// One survey (HR).
    #[oai(path = "/surveys/:id", method = "get", operation_id = "get_survey")]
    async fn get_survey(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<Json<Survey>, ApiError> {
        get_survey(&self.state, &auth.0, &id.0).await.map(Json)
    }

    /// Edit a survey (HR). Questions, cuts and min_group freeze when the first round
    /// opens (409 after that); title, audience and schedule stay editable and apply to
    /// rounds that open later.
    #[oai(
        path = "/surveys/:id",
        method = "patch",
        operation_id = "update_survey"
    )]
    async fn update_survey(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
        body: JsonBody<UpdateSurvey>,
    ) -> Result<Json<Survey>, ApiError> {
        update_survey(&self.state, &auth.0, id.0, body.0)
            .await
            .map(Json)
    }

    /// Archive a survey (HR): no more rounds open; results stay.
    #[oai(
        path = "/surveys/:id",
        method = "delete",
        operation_id = "archive_survey"
    )]
    async fn archive_survey(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<NoContent, ApiError> {
        archive_survey(&self.state, &auth.0, id.0).await?;
        Ok(NoContent::Done)
    }

    /// A survey's rounds (HR).
    #[oai(
        path = "/surveys/:id/rounds",
        method = "get",
        operation_id = "list_rounds"
    )]
    async fn list_rounds(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<Json<Vec<Round>>, ApiError> {
        list_rounds(&self.state, &auth.0, &id.0).await.map(Json)
    }

    /// Open a round now (HR), for the survey's window length. 409 while another round of
    /// the survey is open, or when the survey is archived.
    #[oai(
        path = "/surveys/:id/rounds",
        method = "post",
        operation_id = "open_round"
    )]
    async fn open_round(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<Created<Round>, ApiError> {
        open_round_now(&self.state, &auth.0, &id.0)
            .await
            .map(|r| Created::Created(Json(r)))
    }

    /// Close an open round now (HR).
    #[oai(
        path = "/rounds/:id/close",
        method = "post",
        operation_id = "close_round"
    )]
    async fn close_round(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<Json<Round>, ApiError> {
        close_round_now(&self.state, &auth.0, &id.0).await.map(Json)
    }

    /// Live participation per team (HR): invited and answered counts, only for teams of
    /// at least k invitees; never who answered.
    #[oai(
        path = "/rounds/:id/participation",
        method = "get",
        operation_id = "round_participation"
    )]
    async fn participation(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<Json<Participation>, ApiError> {
        round_participation(&self.state, &auth.0, &id.0)
            .await
            .map(Json)
    }

    /// Remind the invitees who have not answered (HR). The list goes to the notification
    /// hook (the log, for now) and never into an API response.
    #[oai(
        path = "/rounds/:id/reminders",
        method = "post",
        operation_id = "send_reminders"
    )]
    async fn reminders(
        &self,
        auth: BearerAuth,
        #[oai(validator(max_length = 64))] id: Path<String>,
    ) -> Result<RemindersSent, ApiError> {
        require_hr(&auth.0)?;
        let id = id.0;
        let pending = self
            .state
            .db
            .read(move |conn| {
                let r = store::find_round(conn, &id)?.ok_or(ApiError::NotFound("round"))?;
                if !r.is_open(now()) {
                    return Err(ApiError::Conflict("the round is not open".into()));
                }
                let ids = store::not_answered(conn, &id)?;
                let emails: Vec<String> = people::table
                    .filter(people::id.eq_any(&ids))
                    .filter(people::active.eq(true))
                    .select(people::email)
                    .load(conn)?;
                Ok((r.id, emails))
            })
            .await?;
        let (round_id, emails) = pending;
        for email in &emails {
            tracing::info!(target: "pulseline::notify", round = %round_id, to = %email, "pulse reminder");
        }
        Ok(RemindersSent::Accepted(Json(Reminded {
            reminded: emails.len() as i64,
        })))
    }

    /// The caller's open rounds not answered yet, with questions in their language.
    #[oai(path = "/me/pulses", method = "get", operation_id = "my_pulses")]
    async fn my_pulses(&self, auth: BearerAuth) -> Result<Json<Vec<Pulse>>, ApiError> {
        my_pulses(&self.state, &auth.0.id).await.map(Json)
    }

    /// Answer a round, once. The answers are stored with the caller's team and the
    /// survey's (generalised) segment values only — no user id, no time — and the reply
    /// carries no response id.
    #[oai(
        path = "/rounds/:id/responses",
        method = "post",
        operation_id = "submit_response"
    )]
    async fn submit(
        &self,
        auth: crate::auth::bearer::BearerToken,
        #[oai(validator(max_length = 64))] id: Path<String>,
        body: JsonBody<ResponseInput>,
    ) -> Result<Created<Recorded>, ApiError> {
        let given: Vec<Given> = body
            .0
            .answers
            .into_iter()
            .map(|a| Given {
                question_id: a.question_id,
                value: a.value,
                choice: a.choice,
                text: a.text,
            })
            .collect();
        submit_response(&self.state, Answerer::Token(auth.0), &id.0, given).await?;
        Ok(Created::Created(Json(Recorded {
            status: "recorded".into(),
        })))
    }
}

// ---------- shared by the API and the web pages ----------

/// Person `me`'s open rounds not answered yet, with questions in their language.
pub async fn my_pulses(state: &AppState, me: &str) -> Result<Vec<Pulse>, ApiError> {
    let me = me.to_owned();
    state
        .db
        .read(move |conn| {
            use crate::db::schema::{participation, round_invitees, rounds};
            let t = now();
            let lang: String = people::table
                .find(&me)
                .select(people::language)
                .first(conn)?;
            let open: Vec<RoundRow> = rounds::table
                .inner_join(round_invitees::table.on(round_invitees::round_id.eq(rounds::id)))
                .filter(round_invitees::person_id.eq(&me))
                .filter(rounds::opens_at.le(t))
                .filter(rounds::closes_at.gt(t))
                .select(RoundRow::as_select())
                .order(rounds::closes_at)
                .load(conn)?;
            let answered: HashSet<String> = participation::table
                .filter(participation::person_id.eq(&me))
                .select(participation::round_id)
                .load::<String>(conn)?
                .into_iter()
                .collect();
            let mut out = Vec::new();
            for r in open.into_iter().filter(|r| !answered.contains(&r.id)) {
                let s =
                    store::find_survey(conn, &r.survey_id)?.ok_or(ApiError::NotFound("survey"))?;
                let questions = store::questions(conn, &s.id)?
                    .into_iter()
                    .map(|q| PulseQuestion {
                        kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Text),
                        driver: Driver::parse(&q.driver).unwrap_or(Driver::Voice),
                        text: q.text(&lang).to_owned(),
                        options: q.options_list(),
                        id: q.id,
                        required: q.required,
                    })
                    .collect();
                out.push(Pulse {
                    round_id: r.id,
                    survey_id: s.id,
                    title: s.title,
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
}

/// Checks and records the answerer's answers to round `round_id`, once. What is stored
/// carries the team and generalised segments only: no person, no time.
pub async fn submit_response(
    state: &AppState,
    who: Answerer,
    round_id: &str,
    given: Vec<Given>,
) -> Result<(), ApiError> {
    let round_id = round_id.to_owned();
    let facts = state.round_facts.clone();
    // A few checks at a time (first come, first served); the turn ends with the check,
    // before the wait for the writer.
    let turn = state
        .answer_slots
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable("the server is shutting down".into()))?;
    let submission = state
        .db
        .read(move |conn| {
            // The answerer's standing, invitation and earlier answer: one query.
            let (me, invitation) = match who {
                Answerer::Person(id) => {
                    let invitation = store::invitee_answered(conn, &round_id, &id)?;
                    (id, invitation)
                }
                Answerer::Token(claims) => {
                    let (me, invitation) = store::token_invitee_answered(conn, &round_id, claims)?;
                    (me.id, invitation)
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
            Ok(Submission {
                round_id,
                person_id: me,
                team_id: invitee.team_id,
                location: invitee.location,
                job_family: invitee.job_family,
                tenure: invitee.tenure,
                answers,
            })
        })
        .await?;
    drop(turn);
    state.writer.submit(submission).await
}

/// Creates a survey (HR): questions, audience, cuts, schedule and k.
pub async fn create_survey(
    state: &AppState,
    p: &Principal,
    body: CreateSurvey,
) -> Result<Survey, ApiError> {
    require_hr(p)?;
    let title = parse_text(&body.title, "title", 200)?;
    let questions = check_questions(&body.questions)?;
    check_schedule(&body.schedule)?;
    let min_group = check_min_group(body.min_group, state.config.k())?;
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
            };
            diesel::insert_into(surveys::table)
                .values(&row)
                .execute(conn)?;
            replace_questions(conn, &row.id, questions)?;
            replace_audience(conn, &row.id, &team_ids)?;
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
    let title = body
        .title
        .as_deref()
        .map(|t| parse_text(t, "title", 200))
        .transpose()?;
    let questions = body.questions.as_deref().map(check_questions).transpose()?;
    if let Some(s) = &body.schedule {
        check_schedule(s)?;
    }
    let min_group = body
        .min_group
        .map(|k| check_min_group(Some(k), state.config.k()))
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
                replace_questions(conn, &id, qs)?;
            }
            if let Some(a) = &audience {
                let ids = check_audience(conn, a)?;
                replace_audience(conn, &id, &ids)?;
            }
            let s = schedule.unwrap_or(ScheduleInput {
                starts_on: row.starts_on,
                cadence: Cadence::from_db(&row.cadence),
                window_days: row.window_days,
                ends_on: row.ends_on,
            });
            diesel::update(surveys::table.find(&id))
                .set((
                    surveys::title.eq(title.unwrap_or(row.title)),
                    surveys::cuts.eq(cuts.unwrap_or(row.cuts)),
                    surveys::min_group.eq(min_group.unwrap_or(row.min_group)),
                    surveys::starts_on.eq(s.starts_on),
                    surveys::cadence.eq(s.cadence.as_str()),
                    surveys::window_days.eq(s.window_days),
                    surveys::ends_on.eq(s.ends_on),
                    surveys::updated_at.eq(now()),
                ))
                .execute(conn)?;
            load_survey_view(conn, &id)
        })
        .await
}

/// Archives a survey (HR): no more rounds open; results stay.
pub async fn archive_survey(state: &AppState, p: &Principal, id: String) -> Result<(), ApiError> {
    require_hr(p)?;
    state
        .db
        .write(move |conn| {
            store::find_survey(conn, &id)?.ok_or(ApiError::NotFound("survey"))?;
            diesel::update(surveys::table.find(&id))
                .set((surveys::archived.eq(true), surveys::updated_at.eq(now())))
                .execute(conn)?;
            Ok(())
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
        .read(move |conn| {
            let build = || {
                let mut q = surveys::table.into_boxed();
                if !archived {
                    q = q.filter(surveys::archived.eq(false));
                }
                q
            };
            let total: i64 = build().count().get_result(conn)?;
            let rows: Vec<SurveyRow> = build()
                .select(SurveyRow::as_select())
                .order((surveys::created_at.desc(), surveys::id))
                .limit(limit)
                .offset(offset)
                .load(conn)?;
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
        .read(move |conn| {
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
            round_view(conn, row, t)
        })
        .await?;
    tracing::info!(round = %round.id, "round opened by HR");
    Ok(round)
}

/// Closes an open round now (HR).
pub async fn close_round_now(state: &AppState, p: &Principal, id: &str) -> Result<Round, ApiError> {
    require_hr(p)?;
    let id = id.to_owned();
    let forget = id.clone();
    let closed = state
        .db
        .write(move |conn| {
            let r = store::find_round(conn, &id)?.ok_or(ApiError::NotFound("round"))?;
            let t = now();
            if !r.is_open(t) {
                return Err(ApiError::Conflict("the round is not open".into()));
            }
            diesel::update(crate::db::schema::rounds::table.find(&id))
                .set((
                    crate::db::schema::rounds::closes_at.eq(t),
                    crate::db::schema::rounds::closed_early_at.eq(Some(t)),
                ))
                .execute(conn)?;
            let r = store::find_round(conn, &id)?.ok_or(ApiError::NotFound("round"))?;
            round_view(conn, r, t)
        })
        .await;
    state.round_facts.forget(&forget);
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
    state
        .db
        .read(move |conn| {
            let r = store::find_round(conn, &id)?.ok_or(ApiError::NotFound("round"))?;
            let survey =
                store::find_survey(conn, &r.survey_id)?.ok_or(ApiError::NotFound("survey"))?;
            let k = i64::from(survey.min_group);
            let mut teams = Vec::new();
            for (team_id, (invited, answered)) in store::participation_by_team(conn, &id)? {
                let team = org_store::find_team(conn, &team_id)?
                    .map(|t| t.name)
                    .unwrap_or_default();
                let shown = invited >= k;
                teams.push(TeamParticipation {
                    team_id,
                    team,
                    suppressed: !shown,
                    invited: shown.then_some(invited),
                    answered: shown.then_some(answered),
                    rate: shown.then(|| answered as f64 / invited as f64),
                });
            }
            Ok(Participation {
                round_id: id,
                min_group: survey.min_group,
                teams,
            })
        })
        .await
}
