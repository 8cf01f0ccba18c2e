//! The CX summary: CSAT, NPS and CES per period over a team's subtree — HR any team or
//! the whole organisation, managers their subtrees (any other team is 404), employees
//! none.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::auth::Principal;
use crate::cx::metrics::{Metric, Period};
use crate::cx::types::{CxPeriod, CxSummary};
use crate::db::schema::cx_ratings;
use crate::error::ApiError;
use crate::org::access::summary_scope;
use crate::state::AppState;

/// The summary per `period` (monthly by default) between `from` and `to`, both optional.
pub async fn summary(
    state: &AppState,
    p: &Principal,
    team: Option<String>,
    period: Option<Period>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<CxSummary, ApiError> {
    let (p, period) = (p.clone(), period.unwrap_or(Period::Month));
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    state
        .db
        .read(move |conn| {
            let scope = summary_scope(conn, &p, team.as_deref())?;
            let mut q = cx_ratings::table
                .select((
                    cx_ratings::metric,
                    cx_ratings::score,
                    cx_ratings::occurred_on,
                ))
                .into_boxed();
            if let Some(s) = &scope {
                q = q.filter(cx_ratings::team_id.eq_any(s.iter().cloned().collect::<Vec<_>>()));
            }
            if let Some(f) = from {
                q = q.filter(cx_ratings::occurred_on.ge(f));
            }
            if let Some(t) = to {
                q = q.filter(cx_ratings::occurred_on.le(t));
            }
            let rows: Vec<(String, f64, NaiveDate)> = q.load(conn)?;
            let mut by: BTreeMap<String, HashMap<Metric, Vec<f64>>> = BTreeMap::new();
            for (m, score, day) in rows {
                if let Some(m) = Metric::parse(&m) {
                    by.entry(period.label(day))
                        .or_default()
                        .entry(m)
                        .or_default()
                        .push(score);
                }
            }
            let periods = by
                .into_iter()
                .map(|(label, ms)| {
                    let get = |m: Metric| ms.get(&m).map(Vec::as_slice).unwrap_or(&[]);
                    CxPeriod {
                        period: label,
                        n: ms.values().map(Vec::len).sum::<usize>() as i64,
                        csat_n: get(Metric::Csat).len() as i64,
                        csat: Metric::Csat.value(get(Metric::Csat)),
                        nps_n: get(Metric::Nps).len() as i64,
                        nps: Metric::Nps.value(get(Metric::Nps)),
                        ces_n: get(Metric::Ces).len() as i64,
                        ces: Metric::Ces.value(get(Metric::Ces)),
                    }
                })
                .collect();
            Ok(CxSummary {
                team_id: team,
                period,
                periods,
            })
        })
        .await
}
