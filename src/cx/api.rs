//! CX ingestion and summaries over HTTP: the handlers parse the request and call
//! [`super::ingest`] or [`super::summary`].

use chrono::NaiveDate;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use crate::auth::bearer::BearerAuth;
use crate::cx::metrics::Period;
use crate::cx::types::{CxSummary, IngestReport, RatingsBody};
use crate::cx::{ingest, summary};
use crate::error::ApiError;
use crate::http::{QueryId, Tag};
use crate::state::AppState;

pub struct CxApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Cx")]
impl CxApi {
    /// Ingest customer ratings (HR), as JSON `{ratings: [...]}` or CSV, at most 10,000 a
    /// request. Idempotent by `external_id`; refused rows are reported by index;
    /// `dry_run=true` stores nothing.
    #[oai(
        path = "/cx/ratings",
        method = "post",
        operation_id = "ingest_cx_ratings"
    )]
    async fn ingest(
        &self,
        auth: BearerAuth,
        dry_run: Query<Option<bool>>,
        body: RatingsBody,
    ) -> Result<Json<IngestReport>, ApiError> {
        ingest::ingest_body(&self.state, &auth.0, body, dry_run.0.unwrap_or(false))
            .await
            .map(Json)
    }

    /// CSAT, NPS and CES per period for a team's subtree (HR: any team or the whole
    /// organisation; managers: their subtrees).
    #[oai(path = "/cx/summary", method = "get", operation_id = "cx_summary")]
    async fn summary(
        &self,
        auth: BearerAuth,
        team_id: QueryId,
        /// `month` (default) or `quarter`.
        period: Query<Option<Period>>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
    ) -> Result<Json<CxSummary>, ApiError> {
        summary::summary(&self.state, &auth.0, team_id.0, period.0, from.0, to.0)
            .await
            .map(Json)
    }
}
