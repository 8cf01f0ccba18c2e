//! The effect of a done action: its team's (or the organisation's) engagement index and
//! the score of the driver it answers, in the rounds that closed before it was done and
//! those that opened after, each read through the report service — so each round's own
//! release plan decides what is shown, and each read is audited like any report read.
//! The figures are a before/after comparison with no control group; the changes of
//! the engagement index and of the driver's mean come with 95% intervals ([`welch`]).
//! The answer says what that can and cannot show, and says plainly when the data cannot
//! show anything.

use crate::actions::access::Rights;
use crate::actions::cx_effect;
use crate::actions::store;
use crate::actions::types::{ActionEffect, EffectRound, EffectVerdict};
use crate::actions::workflow::Status;
use crate::auth::Principal;
use crate::clock::now;
use crate::error::ApiError;
use crate::reports::service::{Purpose, round_report};
use crate::state::AppState;
use crate::surveys::bank::Driver;
use crate::surveys::store as survey_store;

/// Rounds read at most on each side of the action: from the nearest outwards, until
/// one releases the group's results.
pub const ROUNDS_EACH_SIDE: usize = 6;
/// Closed rounds looked through for them.
const ROUNDS_SEARCHED: i64 = 200;

fn note(verdict: EffectVerdict) -> &'static str {
    match verdict {
        EffectVerdict::NotDone => {
            "The action is not done: its effect can be read once it is marked done."
        }
        EffectVerdict::NoResultsBefore => {
            "No round that closed before the action was done released these results: the data cannot show an effect."
        }
        EffectVerdict::NoResultsAfter => {
            "No round that opened after the action was done has released these results yet: the data cannot show an effect."
        }
        EffectVerdict::Compared => {
            "The change from the last released round before the action to the first after it, with its 95% interval. It compares two rounds and proves nothing by itself: other things changed too, and the rounds may ask different questions. A change whose interval includes 0 is no clear change."
        }
    }
}

/// (mean, sample standard deviation, count) of one round, as released.
type Released = (Option<f64>, Option<f64>, Option<i64>);

/// The 95% interval of a mean's change from round `b` to round `a`: Welch's t interval,
/// from each round's released mean, spread and count (its degrees of freedom by
/// Welch–Satterthwaite). `None` where a round withholds its spread.
pub fn welch(b: Released, a: Released) -> Option<(f64, f64)> {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    let side = |(mean, sd, n): Released| {
        let n = n.filter(|n| *n >= 2)? as f64;
        Some((mean?, sd?.powi(2) / n, n))
    };
    let ((mb, vb, nb), (ma, va, na)) = (side(b)?, side(a)?);
    let se2 = vb + va;
    if se2 <= 0.0 {
        return None;
    }
    let df = se2.powi(2) / (vb.powi(2) / (nb - 1.0) + va.powi(2) / (na - 1.0));
    let t = StudentsT::new(0.0, 1.0, df).ok()?.inverse_cdf(0.975);
    let half = t * se2.sqrt();
    Some((ma - mb - half, ma - mb + half))
}

/// The effect of action `id` as `p` may read it: whoever may change the action and read
/// its team's reports (a manager of the team, HR); 404 for who may not read the action,
/// 403 for its other readers.
pub async fn action_effect(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<ActionEffect, ApiError> {
    let (pp, id) = (p.clone(), id.to_owned());
    let (row, rounds) = state
        .db
        .read(move |conn| {
            let rights = Rights::of(conn, &pp)?;
            let row = match store::find(conn, &id)? {
                Some(r) if rights.may_read(r.team_id.as_deref()) => r,
                _ => return Err(ApiError::NotFound("action")),
            };
            if !rights.may_change(row.team_id.as_deref()) {
                return Err(ApiError::Forbidden);
            }
            let rounds = survey_store::closed_rounds(conn, now(), ROUNDS_SEARCHED)?;
            Ok((row, rounds))
        })
        .await?;
    let driver = row.driver.as_deref().and_then(Driver::parse);
    let mut effect = ActionEffect {
        action_id: row.id.clone(),
        team_id: row.team_id.clone(),
        driver,
        before: Vec::new(),
        after: Vec::new(),
        verdict: EffectVerdict::NotDone,
        engagement_change: None,
        engagement_change_low: None,
        engagement_change_high: None,
        driver_favorable_change: None,
        driver_mean_change: None,
        driver_mean_change_low: None,
        driver_mean_change_high: None,
        note: String::new(),
        cx_teams: Vec::new(),
        cx: Vec::new(),
    };
    let done_at = match (Status::from_db(&row.status), row.closed_at) {
        (Status::Done, Some(at)) => at,
        _ => {
            effect.note = note(EffectVerdict::NotDone).to_owned();
            return Ok(effect);
        }
    };
    // Newest first: the latest before, then the earliest after.
    let before: Vec<_> = rounds
        .iter()
        .filter(|(r, _)| r.closes_at <= done_at)
        .take(ROUNDS_EACH_SIDE)
        .collect();
    let mut after: Vec<_> = rounds
        .iter()
        .filter(|(r, _)| r.opens_at >= done_at)
        .collect();
    after.reverse();
    after.truncate(ROUNDS_EACH_SIDE);
    for (side, list) in [(&mut effect.before, before), (&mut effect.after, after)] {
        for (round, survey) in list {
            if side.iter().any(|r| r.released) {
                break;
            }
            let report = round_report(
                state,
                p,
                &round.id,
                row.team_id.clone(),
                None,
                Purpose::Read,
            )
            .await;
            let mut point = EffectRound {
                round_id: round.id.clone(),
                survey: survey.clone(),
                opens_at: round.opens_at,
                closes_at: round.closes_at,
                released: false,
                n: None,
                engagement_index: None,
                engagement_index_low: None,
                engagement_index_high: None,
                engagement_index_sd: None,
                driver_mean: None,
                driver_mean_low: None,
                driver_mean_high: None,
                driver_sd: None,
                driver_n: None,
                driver_favorable: None,
            };
            match report {
                Ok(r) if r.scores_released && !r.group.suppressed => {
                    let cell = driver.and_then(|d| {
                        r.group
                            .drivers
                            .as_ref()
                            .and_then(|cells| cells.iter().find(|c| c.driver == d && !c.suppressed))
                            .cloned()
                    });
                    point.released = true;
                    point.n = r.group.n;
                    point.engagement_index = r.group.engagement_index;
                    point.engagement_index_low = r.group.engagement_index_low;
                    point.engagement_index_high = r.group.engagement_index_high;
                    point.engagement_index_sd = r.group.engagement_index_sd;
                    point.driver_mean = cell.as_ref().and_then(|c| c.mean);
                    point.driver_mean_low = cell.as_ref().and_then(|c| c.low);
                    point.driver_mean_high = cell.as_ref().and_then(|c| c.high);
                    point.driver_sd = cell.as_ref().and_then(|c| c.sd);
                    point.driver_n = cell.as_ref().and_then(|c| c.answers);
                    point.driver_favorable = cell.as_ref().and_then(|c| c.favorable);
                }
                // The team was not in that round, the round holds nothing for it, or its
                // answers were purged under the retention settings.
                Ok(_) | Err(ApiError::NotFound(_) | ApiError::Gone(_)) => {}
                Err(e) => return Err(e),
            }
            side.push(point);
        }
    }
    let last_before = effect.before.iter().find(|r| r.released);
    let first_after = effect.after.iter().find(|r| r.released);
    effect.verdict = match (last_before, first_after) {
        (None, _) => EffectVerdict::NoResultsBefore,
        (_, None) => EffectVerdict::NoResultsAfter,
        (Some(b), Some(a)) => {
            let diff = |x: Option<f64>, y: Option<f64>| match (x, y) {
                (Some(x), Some(y)) => Some(((y - x) * 100.0).round() / 100.0),
                _ => None,
            };
            let round2 = |x: f64| (x * 100.0).round() / 100.0;
            effect.engagement_change = diff(b.engagement_index, a.engagement_index);
            let index = |r: &EffectRound| (r.engagement_index, r.engagement_index_sd, r.n);
            if let Some((low, high)) = welch(index(b), index(a)) {
                effect.engagement_change_low = Some(round2(low));
                effect.engagement_change_high = Some(round2(high));
            }
            effect.driver_mean_change = diff(b.driver_mean, a.driver_mean);
            let driver = |r: &EffectRound| (r.driver_mean, r.driver_sd, r.driver_n);
            if let Some((low, high)) = welch(driver(b), driver(a)) {
                effect.driver_mean_change_low = Some(round2(low));
                effect.driver_mean_change_high = Some(round2(high));
            }
            effect.driver_favorable_change = diff(b.driver_favorable, a.driver_favorable);
            EffectVerdict::Compared
        }
    };
    effect.note = note(effect.verdict).to_owned();
    let team = row.team_id.clone();
    let (cx_teams, cx) = state
        .db
        .read(move |conn| cx_effect::load(conn, team.as_deref(), done_at.date(), now().date()))
        .await?;
    effect.cx_teams = cx_teams;
    effect.cx = cx;
    Ok(effect)
}
