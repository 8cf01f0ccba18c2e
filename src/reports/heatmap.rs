//! The heatmap of a closed round: every team × every driver, made once per planned round
//! ([`crate::reports::closed_rounds::Closed::heatmap`]) and cut to the teams its reader
//! may see on each read.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::org::access::readable_teams;
use crate::reports::audit_log::audited_read;
use crate::reports::release::{Item, Plan, RoundData};
use crate::reports::service::{Purpose, closed_round};
use crate::reports::types::{DriverCell, Heatmap, HeatmapRow, HiddenReason};
use crate::reports::views::group_view;
use crate::state::AppState;
use crate::surveys::bank::Driver;

/// Every team's heatmap row of a closed round (those with answers or invitees, and the
/// root), top down: made once per planned round ([`crate::reports::closed_rounds::Closed`]).
fn heatmap_rows(data: &RoundData, plan: &Plan) -> crate::reports::closed_rounds::HeatmapRows {
    let nodes: Vec<usize> = data
        .tree
        .top_down()
        .into_iter()
        .filter(|&n| n == 0 || !data.cell(n, None).is_empty() || data.invited(n, None) > 0)
        .collect();
    let drivers: Vec<Driver> = Driver::ALL
        .into_iter()
        .filter(|d| plan.items.contains_key(&Item::Driver(*d)))
        .collect();
    let rows = nodes
        .into_iter()
        .map(|n| {
            let g = group_view(data, plan, None, n, None);
            let cells = drivers
                .iter()
                .map(|d| {
                    g.drivers
                        .as_ref()
                        .and_then(|ds| ds.iter().find(|c| c.driver == *d).cloned())
                        .unwrap_or(DriverCell {
                            driver: *d,
                            suppressed: true,
                            hidden: g.hidden.or(Some(HiddenReason::FewerThanMinGroup)),
                            n: None,
                            mean: None,
                            favorable: None,
                            answers: None,
                            sd: None,
                            low: None,
                            high: None,
                        })
                })
                .collect();
            let row = HeatmapRow {
                team_id: g.team_id,
                team: g.label,
                suppressed: g.suppressed,
                hidden: g.hidden,
                n: g.n,
                engagement_index: g.engagement_index,
                cells,
            };
            (n, row)
        })
        .collect();
    crate::reports::closed_rounds::HeatmapRows { drivers, rows }
}

/// Teams × drivers for a closed round, audited.
pub async fn round_heatmap(
    state: &AppState,
    principal: &Principal,
    round_id: &str,
    purpose: Purpose,
) -> Result<Heatmap, ApiError> {
    let round_id = round_id.to_owned();
    let rounds = state.rounds.clone();
    let action = purpose.action("heatmap.read", "heatmap.export");
    audited_read(state, principal, action, move |conn, principal| {
        let visible = readable_teams(conn, principal)?;
        if visible.as_ref().is_some_and(|s| s.is_empty()) {
            return Err(ApiError::Forbidden);
        }
        let round = closed_round(conn, &round_id)?;
        let model = rounds.closed(conn, round)?;
        let all = model
            .heatmap
            .get_or_init(|| heatmap_rows(&model.data, &model.plan));
        let data = &model.data;
        let drivers = all.drivers.clone();
        let rows: Vec<HeatmapRow> = all
            .rows
            .iter()
            .filter(|(n, _)| match &visible {
                None => true,
                Some(set) => data.team_id(*n).is_some_and(|t| set.contains(t)),
            })
            .map(|(_, row)| row.clone())
            .collect();
        Ok((
            format!("rounds/{round_id}/heatmap"),
            Heatmap {
                round_id,
                min_group: data.k.get() as i64,
                drivers,
                rows,
            },
        ))
    })
    .await
}
