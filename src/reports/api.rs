//! Report endpoints: a round's report for a team (with its child teams and, on request,
//! one segmentation cut), the teams × drivers heatmap, released comments, a team's
//! driver impact, and a survey's trend across rounds — each as JSON or, with `Accept: text/csv`, as CSV with the same
//! suppression. The handlers parse the request, call [`service`] (access, release rules
//! and the audit log live there) and answer JSON or the [`csv`] rendering. Admins read
//! the audit log of report reads and exports ([`super::audit_log`]).

use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Query};

use crate::auth::bearer::BearerAuth;
use crate::error::ApiError;
use crate::http::{
    Id, Limit, Offset, QueryId, QueryText, Tag, json_or_csv, page_bounds, wants_csv,
};
use crate::payload::JsonOrCsv;
use crate::reports::audit_log::{AuditFilter, audit_page};
use crate::reports::csv;
use crate::reports::impact::round_impact;
use crate::reports::service::{self, Purpose};
use crate::reports::types::{AuditPage, Comments, Heatmap, Impact, Report, Trend};
use crate::state::AppState;
use crate::surveys::model::Cut;

pub struct ReportsApi {
    pub state: AppState,
}

/// A CSV answer is an export in the audit log; a JSON answer a read.
fn purpose(csv: bool) -> Purpose {
    if csv { Purpose::Export } else { Purpose::Read }
}

// ---------- handlers ----------

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Reports")]
impl ReportsApi {
    /// A closed round's report for a team: the team, its child teams and, with `cut`,
    /// the values of that cut — every group and item released only under the anonymity
    /// rules. Without `team_id`, HR gets the whole organisation.
    #[oai(
        path = "/rounds/:id/report",
        method = "get",
        operation_id = "round_report"
    )]
    async fn report(
        &self,
        auth: BearerAuth,
        id: Id,
        team_id: QueryId,
        cut: Query<Option<Cut>>,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<Report>, ApiError> {
        let csv = wants_csv(&accept.0);
        let report =
            service::round_report(&self.state, &auth.0, &id.0, team_id.0, cut.0, purpose(csv))
                .await?;
        Ok(json_or_csv(csv, report, csv::report))
    }

    /// Teams × drivers for a closed round, with the same suppression as the reports.
    #[oai(
        path = "/rounds/:id/heatmap",
        method = "get",
        operation_id = "round_heatmap"
    )]
    async fn heatmap(
        &self,
        auth: BearerAuth,
        id: Id,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<Heatmap>, ApiError> {
        let csv = wants_csv(&accept.0);
        let map = crate::reports::heatmap::round_heatmap(&self.state, &auth.0, &id.0, purpose(csv))
            .await?;
        Ok(json_or_csv(csv, map, csv::heatmap))
    }

    /// Free-text answers of a closed round for a team, only when the group has at least
    /// max(k, 10) of them (with complementary suppression), shuffled and detached from
    /// the rest of their response.
    #[oai(
        path = "/rounds/:id/comments",
        method = "get",
        operation_id = "round_comments"
    )]
    async fn comments(
        &self,
        auth: BearerAuth,
        id: Id,
        team_id: QueryId,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<Comments>, ApiError> {
        let csv = wants_csv(&accept.0);
        let comments =
            service::round_comments(&self.state, &auth.0, &id.0, team_id.0, purpose(csv)).await?;
        Ok(json_or_csv(csv, comments, csv::comments))
    }

    /// Which drivers go with engagement in a team of a closed round: per driver Pearson's
    /// r with the engagement index (Fisher-z 95% interval) and Johnson's relative weight
    /// (they sum to R²), the team's score against the organisation's, and up to three
    /// focus areas. Released only for groups of at least max(k, 25) complete responses
    /// that the round's release plan shows; otherwise `withheld` says why. Correlation,
    /// not causation. Without `team_id`, HR gets the whole organisation.
    #[oai(
        path = "/rounds/:id/impact",
        method = "get",
        operation_id = "round_impact"
    )]
    async fn impact(
        &self,
        auth: BearerAuth,
        id: Id,
        team_id: QueryId,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<Impact>, ApiError> {
        let csv = wants_csv(&accept.0);
        let impact = round_impact(&self.state, &auth.0, &id.0, team_id.0, purpose(csv)).await?;
        Ok(json_or_csv(csv, impact, csv::impact))
    }

    /// A survey's engagement index and eNPS for a team, one point per closed round.
    #[oai(
        path = "/surveys/:id/trend",
        method = "get",
        operation_id = "survey_trend"
    )]
    async fn trend(
        &self,
        auth: BearerAuth,
        id: Id,
        team_id: QueryId,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<Trend>, ApiError> {
        let csv = wants_csv(&accept.0);
        let trend =
            service::survey_trend(&self.state, &auth.0, &id.0, team_id.0, purpose(csv)).await?;
        Ok(json_or_csv(csv, trend, csv::trend))
    }
}

pub struct AuditApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Reports")]
impl AuditApi {
    /// The audit log (admins), newest first: every read and export of released data and
    /// every change to the organisation, filtered by who, what and when; as CSV with
    /// `Accept: text/csv`.
    #[oai(path = "/audit-log", method = "get", operation_id = "audit_log")]
    #[allow(clippy::too_many_arguments)]
    async fn audit_log(
        &self,
        auth: BearerAuth,
        limit: Limit,
        offset: Offset,
        /// Who: an e-mail or part of one (case-insensitive), or a person id.
        actor: QueryText<254>,
        /// What: an action, exactly (e.g. `report.export`).
        action: QueryText<64>,
        /// From this day on (UTC, inclusive).
        from: Query<Option<chrono::NaiveDate>>,
        /// Up to this day (UTC, inclusive).
        to: Query<Option<chrono::NaiveDate>>,
        accept: Header<Option<String>>,
    ) -> Result<JsonOrCsv<AuditPage>, ApiError> {
        let (limit, offset) = page_bounds(limit.0, offset.0);
        let filter = AuditFilter {
            actor: actor.0,
            action: action.0,
            from: from.0,
            to: to.0,
        };
        let page = audit_page(&self.state, &auth.0, filter, limit, offset).await?;
        Ok(json_or_csv(wants_csv(&accept.0), page, csv::audit))
    }
}
