//! A request body cap that counts the bytes actually read, not the `Content-Length` a
//! client claims: a body without a length, or longer than it said, is cut off at the
//! limit and answered 413. Import endpoints get a larger limit.

use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response, Result};
use tokio::io::AsyncReadExt;

use crate::error::ApiError;

/// Paths (exact) that accept the larger import limit.
const IMPORT_PATHS: [&str; 4] = [
    "/api/v1/people/import",
    "/api/v1/cx/ratings",
    "/hr/people/import",
    "/hr/cx/import",
];

pub struct BodyLimit {
    pub default: usize,
    pub import: usize,
}

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;
    fn transform(&self, ep: E) -> Self::Output {
        BodyLimitEndpoint {
            inner: ep,
            default: self.default,
            import: self.import,
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    default: usize,
    import: usize,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let limit = if IMPORT_PATHS.contains(&req.uri().path()) {
            self.import
        } else {
            self.default
        };
        let claimed = req
            .headers()
            .get(poem::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if claimed.is_some_and(|n| n > limit as u64) {
            return Ok(ApiError::PayloadTooLarge(limit).into_response());
        }
        let body = req.take_body();
        let mut buf = Vec::with_capacity(claimed.map_or(0, |n| n as usize).min(limit));
        let mut reader = body.into_async_read().take(limit as u64 + 1);
        if let Err(e) = reader.read_to_end(&mut buf).await {
            return Ok(ApiError::bad_request(
                format!("could not read the request body: {e}"),
                None,
            )
            .into_response());
        }
        if buf.len() > limit {
            return Ok(ApiError::PayloadTooLarge(limit).into_response());
        }
        req.set_body(Body::from(buf));
        self.inner.call(req).await.map(IntoResponse::into_response)
    }
}
