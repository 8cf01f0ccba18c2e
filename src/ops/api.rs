//! `/healthz`, `/readyz` and `/metrics`.

use diesel::connection::SimpleConnection;
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi};

use crate::error::ApiError;
use crate::http::Tag;
use crate::state::AppState;

pub struct OpsApi {
    pub state: AppState,
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

    /// Readiness: the database answers. 503 when it does not.
    #[oai(path = "/readyz", method = "get", operation_id = "readyz")]
    async fn readyz(&self) -> Result<Probe, ApiError> {
        self.state
            .db
            .read(|conn| {
                conn.batch_execute("SELECT 1")
                    .map_err(|e| ApiError::Unavailable(e.to_string()))
            })
            .await?;
        Ok(Probe::Ok(PlainText("ready".into())))
    }

    /// Prometheus metrics: request counts and latency by route and status, and the
    /// response writer's and mixer's counters.
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(&self) -> Probe {
        let mut text = self.state.metrics.render();
        text.push_str(&crate::ops::metrics::render_writer(&self.state.writer));
        Probe::Ok(PlainText(text))
    }
}
