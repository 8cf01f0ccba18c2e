//! `/healthz`, `/readyz` and `/metrics`.

use diesel::connection::SimpleConnection;
use poem::Request;
use poem_openapi::auth::Bearer;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, OpenApi, SecurityScheme};
use sha2::{Digest, Sha256};

use crate::auth::bearer::BearerAuth;
use crate::error::{ApiError, Msg};
use crate::http::Tag;
use crate::ops::retention::{self, Retention};
use crate::payload::JsonBody;
use crate::state::AppState;

pub struct OpsApi {
    pub state: AppState,
}

/// The operator's metrics token (`PULSELINE_METRICS_TOKEN`), not a sign-in token.
#[derive(SecurityScheme)]
#[oai(
    rename = "metrics_token",
    ty = "bearer",
    checker = "check_metrics_token"
)]
pub struct MetricsToken(());

/// The token as configured; 401 for any other, and for every token when none is set.
/// Compared as SHA-256 digests, so the time taken does not tell how much of it matched.
async fn check_metrics_token(req: &Request, bearer: Bearer) -> poem::Result<()> {
    let configured = req
        .data::<AppState>()
        .and_then(|s| s.config.metrics_token.as_ref());
    match configured {
        Some(t)
            if Sha256::digest(t.expose().as_bytes()) == Sha256::digest(bearer.token.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(ApiError::Unauthorized.into()),
    }
}

#[derive(ApiResponse)]
pub enum Probe {
    /// Healthy.
    #[oai(status = 200)]
    Ok(PlainText<String>),
}

#[OpenApi(tag = "Tag::Operations")]
impl OpsApi {
    /// Liveness: the process is up.
    #[oai(path = "/healthz", method = "get", operation_id = "healthz")]
    async fn healthz(&self) -> Probe {
        Probe::Ok(PlainText("ok".into()))
    }

    /// Readiness: the database answers and has every migration this version needs.
    /// 503 when it does not answer, or while a migration is pending (a replica started
    /// with `PULSELINE_MIGRATE_ON_START=false` waits for `pulseline migrate`).
    #[oai(path = "/readyz", method = "get", operation_id = "readyz")]
    async fn readyz(&self) -> Result<Probe, ApiError> {
        self.state
            .db
            .read(|conn| {
                conn.batch_execute("SELECT 1")
                    .map_err(|e| ApiError::Unavailable(e.to_string()))
            })
            .await?;
        let db = self.state.db.clone();
        let pending = tokio::task::spawn_blocking(move || db.pending_migrations())
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("database task failed: {e}")))?;
        let pending = pending.map_err(|e| ApiError::NotReady(Msg::from(e.to_string())))?;
        match pending.last() {
            None => Ok(Probe::Ok(PlainText("ready".into()))),
            Some(newest) => Err(ApiError::NotReady(
                Msg::plural(
                    "{n} migration pending, {newest}; apply it with `pulseline migrate`",
                    "{n} migrations pending, the newest {newest}; apply them with \
                     `pulseline migrate`",
                    pending.len() as u64,
                )
                .arg("newest", newest),
            )),
        }
    }

    /// Prometheus metrics: request counts and latency by route and status, the
    /// response writer's counters and the hot standby's. Needs the operator's metrics token
    /// (`PULSELINE_METRICS_TOKEN`); 401 without it, and for everyone when none is set.
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(&self, _token: MetricsToken) -> Result<Probe, ApiError> {
        let mut text = self.state.metrics.render();
        text.push_str(&crate::ops::metrics::render_writer(&self.state.writer));
        text.push_str(&crate::ops::metrics::render_standby(&self.state.db));
        Ok(Probe::Ok(PlainText(text)))
    }

    /// How long answers and comments of closed rounds, closed suggestions, customer
    /// ratings and audit entries are kept (admins); unset: for ever. A daily job
    /// deletes what has expired.
    #[oai(
        path = "/api/v1/retention",
        method = "get",
        operation_id = "get_retention"
    )]
    async fn get_retention(&self, auth: BearerAuth) -> Result<Json<Retention>, ApiError> {
        retention::get(&self.state, &auth.0).await.map(Json)
    }

    /// Replace the retention settings (admins); audited.
    #[oai(
        path = "/api/v1/retention",
        method = "put",
        operation_id = "set_retention"
    )]
    async fn set_retention(
        &self,
        auth: BearerAuth,
        body: JsonBody<Retention>,
    ) -> Result<Json<Retention>, ApiError> {
        retention::set(&self.state, &auth.0, body.0).await.map(Json)
    }
}
