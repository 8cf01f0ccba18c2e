//! Driver impact of a closed round for a team (the service): who may read it (as the
//! team's report, [`super::service::audited_team_read`]) and the audit of every read
//! and export. The figures, and which groups and drivers are released, are made with
//! the round's plan by [`super::impact_release`].

use crate::auth::Principal;
use crate::error::ApiError;
use crate::reports::audit_log;
use crate::reports::service::{Purpose, audited_team_read, closed_round, team_node};
use crate::reports::types::Impact;
use crate::state::AppState;

/// A closed round's driver impact for a team (HR: the whole organisation without one),
/// audited as `impact.read` / `impact.export`.
pub async fn round_impact(
    state: &AppState,
    principal: &Principal,
    round_id: &str,
    requested: Option<String>,
    purpose: Purpose,
) -> Result<Impact, ApiError> {
    let round_id = round_id.to_owned();
    let rounds = state.rounds.clone();
    let action = purpose.action("impact.read", "impact.export");
    audited_team_read(state, principal, requested, action, move |conn, team| {
        let round = closed_round(conn, &round_id)?;
        let model = rounds.closed(conn, round)?;
        let node = team_node(&model.data, &team)?;
        // Computed with the round's plan (`closed_rounds`): a request only reads it.
        let impact = model
            .impacts
            .get(node)
            .cloned()
            .ok_or(ApiError::NotFound("team"))?;
        Ok((
            audit_log::target(
                &format!("rounds/{round_id}/impact"),
                &[("team_id", team.as_deref())],
            ),
            impact,
        ))
    })
    .await
}
