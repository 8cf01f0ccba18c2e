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
use crate::surveys::model::SurveyRow;
use crate::surveys::round_opener::schedule_of;
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
    hr_read_survey(state, p, id, move |conn, s| {
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

/// Another survey's round, open or on its schedule, that asks some of the same people
/// at the same time.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlap {
    pub survey_id: String,
    pub title: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    /// The round is not open yet: its survey's schedule will open it.
    pub scheduled: bool,
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
    hr_read_survey(state, p, id, move |conn, survey| {
        let id = survey.id.clone();
        let t = now();
        let people = store::audience_people(conn, &id)?;
        let activated = people.iter().filter(|(_, a)| *a).count();
        let asked: HashSet<String> = people.into_iter().map(|(p, _)| p).collect();
        let closes_at = t + chrono::TimeDelta::days(i64::from(survey.window_days));
        let overlaps = overlaps_with(conn, &id, &asked, (t, closes_at), t)?;
        Ok(Opening {
            already_open: store::open_round_of(conn, &id, t)?.is_some(),
            survey_id: survey.id,
            title: survey.title,
            invited: asked.len(),
            activated,
            closes_at,
            archived: survey.archived,
            overlaps,
        })
    })
    .await
}

/// The next round a survey's schedule will open, and the other surveys' rounds (open
/// now, or next on their own schedule) that would ask some of the same people while it
/// is open.
#[derive(Debug, Clone)]
pub struct NextRound {
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub overlaps: Vec<Overlap>,
}

/// How many occurrences ahead a schedule is searched for a free slot.
const LOOK_AHEAD: u32 = 64;

/// When survey `id`'s schedule opens its next round, and what that round would overlap
/// (HR); `None` when the schedule opens no more rounds (a one-off survey that had its
/// round, a schedule past its end, an archived survey).
pub async fn next_round(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Option<NextRound>, ApiError> {
    hr_read_survey(state, p, id, move |conn, survey| {
        let id = survey.id.clone();
        let t = now();
        let Some((opens_at, closes_at)) = next_window(conn, &survey, t)? else {
            return Ok(None);
        };
        let asked: HashSet<String> = store::audience_people(conn, &id)?
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        let overlaps = overlaps_with(conn, &id, &asked, (opens_at, closes_at), t)?;
        Ok(Some(NextRound {
            opens_at,
            closes_at,
            overlaps,
        }))
    })
    .await
}

/// `f` on survey `id` (read, HR only); a survey that does not exist is a 404.
async fn hr_read_survey<T, F>(
    state: &AppState,
    p: &Principal,
    id: &str,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut crate::db::AnyConnection, SurveyRow) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    require_hr(p)?;
    let id = id.to_owned();
    state
        .db
        .read(move |conn| {
            let survey = store::find_survey(conn, &id)?.ok_or(ApiError::NotFound("survey"))?;
            f(conn, survey)
        })
        .await
}

/// The rounds of surveys other than `id` — open at `t`, or next on their schedule —
/// that are open at some time in `window` and invite some of `asked`, soonest first.
fn overlaps_with(
    conn: &mut crate::db::AnyConnection,
    id: &str,
    asked: &HashSet<String>,
    (opens_at, closes_at): (NaiveDateTime, NaiveDateTime),
    t: NaiveDateTime,
) -> Result<Vec<Overlap>, ApiError> {
    let during = |o: NaiveDateTime, c: NaiveDateTime| o < closes_at && c > opens_at;
    let mut overlaps = Vec::new();
    for (round, title) in store::open_rounds(conn, t, MAX_COMPARED)? {
        if round.survey_id == id || !during(round.opens_at, round.closes_at) {
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
                opens_at: round.opens_at,
                closes_at: round.closes_at,
                scheduled: false,
                shared,
            });
        }
    }
    let (_, others) = store::surveys_page(conn, false, MAX_COMPARED, 0)?;
    for other in others {
        if other.id == id {
            continue;
        }
        let Some((o, c)) = next_window(conn, &other, t)? else {
            continue;
        };
        if !during(o, c) {
            continue;
        }
        let shared = store::audience_people(conn, &other.id)?
            .into_iter()
            .filter(|(p, _)| asked.contains(p))
            .count();
        if shared > 0 {
            overlaps.push(Overlap {
                title: other.title.clone(),
                survey_id: other.id,
                opens_at: o,
                closes_at: c,
                scheduled: true,
                shared,
            });
        }
    }
    overlaps.sort_by(|a, b| (a.opens_at, &a.title).cmp(&(b.opens_at, &b.title)));
    Ok(overlaps)
}

/// The window of the next round `survey`'s schedule opens after `t`, if any.
fn next_window(
    conn: &mut crate::db::AnyConnection,
    survey: &SurveyRow,
    t: NaiveDateTime,
) -> Result<Option<(NaiveDateTime, NaiveDateTime)>, ApiError> {
    if survey.archived {
        return Ok(None);
    }
    let held: Vec<_> = store::rounds_of(conn, &survey.id)?
        .iter()
        .map(|r| r.held())
        .collect();
    Ok(schedule_of(survey)
        .next_after(t, &held, LOOK_AHEAD)
        .map(|(_, o, c)| (o, c)))
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
