//! What HR sees before a round: the pulse as its invitees will see it ([`preview`]),
//! and what opening or closing a round by hand would do, said before HR confirms it —
//! how many people a round opened now invites (and how many of them can sign in), until
//! when it stays open, and which other open rounds already ask some of the same people
//! (two pulses at once tire people and lower both response rates).

use std::collections::HashSet;

use chrono::NaiveDateTime;

use crate::auth::{Principal, require_hr};
use crate::clock::now;
use crate::error::ApiError;
use crate::org::domain::Language;
use crate::state::AppState;
use crate::surveys::service::pulse_question;
use crate::surveys::store;
use crate::surveys::types::Pulse;

/// Survey `id`'s pulse as an invitee reading `lang` would see it in a round opened now
/// (HR). Its `round_id` is empty: there is no round to answer.
pub async fn preview(
    state: &AppState,
    p: &Principal,
    id: &str,
    lang: Language,
) -> Result<Pulse, ApiError> {
    require_hr(p)?;
    let id = id.to_owned();
    state
        .db
        .read(move |conn| {
            let s = store::find_survey(conn, &id)?.ok_or(ApiError::NotFound("survey"))?;
            let lang = lang.as_str();
            let questions = store::questions(conn, &s.id)?
                .into_iter()
                .map(|q| pulse_question(q, lang))
                .collect();
            Ok(Pulse {
                round_id: String::new(),
                title: s.title(lang).to_owned(),
                closes_at: now() + chrono::TimeDelta::days(i64::from(s.window_days)),
                survey_id: s.id,
                min_group: s.min_group,
                questions,
            })
        })
        .await
}

/// Another survey's open round that asks some of the same people.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    pub survey_id: String,
    pub title: String,
    pub closes_at: NaiveDateTime,
    /// How many of the people this round would invite that round has invited too.
    pub shared: usize,
}

/// A round of a survey as it would open now.
#[derive(Debug, Clone)]
pub struct Opening {
    pub survey_id: String,
    pub title: String,
    pub invited: usize,
    /// Of the invited, those who have activated their account and can sign in.
    pub activated: usize,
    pub closes_at: NaiveDateTime,
    /// The survey's own round that is open now, if any: opening another is refused.
    pub already_open: bool,
    pub archived: bool,
    pub overlaps: Vec<Overlap>,
}

/// How many rounds of other surveys are compared at most.
const MAX_COMPARED: i64 = 200;

/// What opening a round of survey `id` now would do (HR).
pub async fn opening(state: &AppState, p: &Principal, id: &str) -> Result<Opening, ApiError> {
    require_hr(p)?;
    let id = id.to_owned();
    state
        .db
        .read(move |conn| {
            let survey = store::find_survey(conn, &id)?.ok_or(ApiError::NotFound("survey"))?;
            let t = now();
            let people = store::audience_people(conn, &id)?;
            let activated = people.iter().filter(|(_, a)| *a).count();
            let asked: HashSet<String> = people.into_iter().map(|(p, _)| p).collect();
            let mut overlaps = Vec::new();
            for (round, title) in store::open_rounds(conn, t, MAX_COMPARED)? {
                if round.survey_id == id {
                    continue;
                }
                let shared = store::invitee_ids(conn, &round.id)?
                    .into_iter()
                    .filter(|p| asked.contains(p))
                    .count();
                if shared > 0 {
                    overlaps.push(Overlap {
                        survey_id: round.survey_id,
                        title,
                        closes_at: round.closes_at,
                        shared,
                    });
                }
            }
            Ok(Opening {
                already_open: store::open_round_of(conn, &id, t)?.is_some(),
                survey_id: survey.id,
                title: survey.title,
                invited: asked.len(),
                activated,
                closes_at: t + chrono::TimeDelta::days(i64::from(survey.window_days)),
                archived: survey.archived,
                overlaps,
            })
        })
        .await
}

/// A round as HR is asked to confirm its early close.
#[derive(Debug, Clone)]
pub struct Closing {
    pub round_id: String,
    pub survey_id: String,
    pub title: String,
    pub sequence: i32,
    pub invited: i64,
    /// When the round would have closed by itself.
    pub closes_at: NaiveDateTime,
    pub open: bool,
}

/// What closing round `id` now would end (HR).
pub async fn closing(state: &AppState, p: &Principal, id: &str) -> Result<Closing, ApiError> {
    require_hr(p)?;
    let id = id.to_owned();
    state
        .db
        .read(move |conn| {
            let r = store::find_round(conn, &id)?.ok_or(ApiError::NotFound("round"))?;
            let survey =
                store::find_survey(conn, &r.survey_id)?.ok_or(ApiError::NotFound("survey"))?;
            Ok(Closing {
                invited: store::invited_count(conn, &r.id)?,
                open: r.is_open(now()),
                round_id: r.id,
                survey_id: survey.id,
                title: survey.title,
                sequence: r.sequence,
                closes_at: r.closes_at,
            })
        })
        .await
}
