//! `GET /api/v1/insights/linkage`: engagement per team and period against customer
//! satisfaction. The handler parses the query, runs [`super::analysis`] and answers JSON,
//! the points as CSV or the scatter plot as SVG, as the `Accept` header asks. Each call
//! writes one audit row (`linkage.read`, or `linkage.export` for the CSV).

use chrono::NaiveDate;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Query};

use crate::auth::bearer::BearerAuth;
use crate::cx::metrics::{Metric, Period};
use crate::error::ApiError;
use crate::http::{QueryId, Tag};
use crate::linkage::analysis::{linkage_analysis, linkage_csv, linkage_svg};
use crate::linkage::types::{Linkage, LinkageQuery};
use crate::payload::JsonCsvOrSvg;
use crate::reports::service::Purpose;
use crate::state::AppState;

pub struct LinkageApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "Tag::Cx")]
impl LinkageApi {
    /// How engagement relates to customer satisfaction across teams and periods (HR;
    /// managers over their subtrees). `Accept: image/svg+xml` gives the scatter plot,
    /// `text/csv` the points.
    #[oai(path = "/insights/linkage", method = "get", operation_id = "linkage")]
    #[allow(clippy::too_many_arguments)]
    async fn linkage(
        &self,
        auth: BearerAuth,
        /// `csat` (default), `nps` or `ces`.
        metric: Query<Option<Metric>>,
        /// `month` (default) or `quarter`.
        period: Query<Option<Period>>,
        from: Query<Option<NaiveDate>>,
        to: Query<Option<NaiveDate>>,
        /// CX periods after the engagement period, 0 to 3.
        #[oai(validator(minimum(value = "0"), maximum(value = "3")))]
        lag: Query<Option<i32>>,
        survey_id: QueryId,
        /// Fewest ratings for a team's CX to count (default 10).
        #[oai(validator(minimum(value = "1"), maximum(value = "100000")))]
        min_ratings: Query<Option<i64>>,
        accept: Header<Option<String>>,
    ) -> Result<JsonCsvOrSvg<Linkage>, ApiError> {
        let accept = accept.0.unwrap_or_default();
        let q = LinkageQuery {
            metric: metric.0,
            period: period.0,
            from: from.0,
            to: to.0,
            lag: lag.0,
            survey_id: survey_id.0,
            min_ratings: min_ratings.0,
        };
        let svg = accept.contains("image/svg+xml");
        let csv = !svg && accept.contains("text/csv");
        let purpose = if csv { Purpose::Export } else { Purpose::Read };
        let linkage = linkage_analysis(&self.state, &auth.0, q, purpose).await?;
        if svg {
            return Ok(JsonCsvOrSvg::Svg(linkage_svg(&linkage)));
        }
        if csv {
            return Ok(JsonCsvOrSvg::Csv(linkage_csv(&linkage)));
        }
        Ok(JsonCsvOrSvg::Json(linkage))
    }
}
