//! The SCIM endpoints under `/scim/v2`, as plain poem handlers (not in the OpenAPI
//! document: SCIM has its own discovery). Each one authenticates the provisioning
//! token, reads the request, calls [`crate::scim::service`] or
//! [`crate::scim::groups`] and answers `application/scim+json`; every error here,
//! including 401, 404 and 405, is a SCIM error body, not problem+json.

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::web::Data;
use poem::{Body, Endpoint, EndpointExt, Request, Response, Route, handler};
use serde_json::Value;

use crate::scim::groups;
use crate::scim::schemas;
use crate::scim::service::{self, Ctx};
use crate::scim::tokens;
use crate::scim::types::{ListQuery, MEDIA_TYPE, PatchRequest, ScimError};
use crate::state::AppState;

/// The SCIM service, to be nested at `/scim/v2`.
pub fn endpoint() -> impl Endpoint<Output = Response> {
    Route::new()
        .at("/ServiceProviderConfig", service_provider_config)
        .at("/ResourceTypes", resource_types)
        .at("/ResourceTypes/:id", resource_type)
        .at("/Schemas", schemas_list)
        .at("/Schemas/:id", schema)
        .at("/Users", users)
        .at("/Users/.search", users_search)
        .at("/Users/:id", user)
        .at("/Groups", groups_list)
        .at("/Groups/.search", groups_search)
        .at("/Groups/:id", group)
        .at("/.search", root_search)
        .catch_all_error(|e: poem::Error| async move {
            let status = e.status();
            let detail = match status {
                StatusCode::NOT_FOUND => "no such SCIM endpoint".to_owned(),
                _ => e.to_string(),
            };
            error(ScimError::new(status.as_u16(), None, detail))
        })
        .map_to_response()
}

fn answer(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    Response::builder()
        .status(status)
        .content_type(MEDIA_TYPE)
        .body(bytes)
}

fn error(e: ScimError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = answer(status, &e.body());
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    r
}

fn respond(r: Result<Response, ScimError>) -> Response {
    r.unwrap_or_else(error)
}

fn ok(v: &impl serde::Serialize) -> Result<Response, ScimError> {
    let v = serde_json::to_value(v)
        .map_err(|e| ScimError::new(500, None, format!("an answer could not be written: {e}")))?;
    Ok(answer(StatusCode::OK, &v))
}

fn created(v: Value) -> Result<Response, ScimError> {
    let mut r = answer(StatusCode::CREATED, &v);
    if let Some(loc) = v["meta"]["location"].as_str()
        && let Ok(h) = HeaderValue::from_str(loc)
    {
        r.headers_mut().insert(header::LOCATION, h);
    }
    Ok(r)
}

fn no_content() -> Result<Response, ScimError> {
    Ok(Response::builder().status(StatusCode::NO_CONTENT).finish())
}

fn not_allowed() -> ScimError {
    ScimError::new(
        405,
        None,
        "this method is not allowed on this SCIM endpoint",
    )
}

/// The base URL resources are located under: `PULSELINE_PUBLIC_URL`, else the request's
/// own scheme and host.
fn base(state: &AppState, req: &Request) -> String {
    if let Some(u) = state.config.public_url() {
        return format!("{u}/scim/v2");
    }
    let host = req
        .header(header::HOST)
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let https = req.header("x-forwarded-proto") == Some("https")
        || req.scheme() == &poem::http::uri::Scheme::HTTPS;
    format!("{}://{host}/scim/v2", if https { "https" } else { "http" })
}

async fn ctx(state: &AppState, req: &Request) -> Result<Ctx, ScimError> {
    let token = tokens::authenticate(state, req.header(header::AUTHORIZATION)).await?;
    Ok(Ctx::new(state, token.id, base(state, req)))
}

/// The JSON body (`application/scim+json` or `application/json`).
async fn json(req: &Request, body: Body) -> Result<Value, ScimError> {
    let ct = req.header(header::CONTENT_TYPE).unwrap_or(MEDIA_TYPE);
    if !ct.to_ascii_lowercase().contains("json") {
        return Err(ScimError::new(
            415,
            None,
            "send application/scim+json or application/json",
        ));
    }
    let bytes = body
        .into_vec()
        .await
        .map_err(|e| ScimError::bad("invalidSyntax", format!("unreadable body: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ScimError::bad("invalidSyntax", format!("the body is not JSON: {e}")))
}

fn query(req: &Request) -> Result<ListQuery, ScimError> {
    req.params::<ListQuery>()
        .map_err(|e| ScimError::bad("invalidValue", format!("bad query parameters: {e}")))
}

fn patch_request(v: Value) -> Result<PatchRequest, ScimError> {
    serde_json::from_value(crate::scim::patch::canonical_keys(v))
        .map_err(|e| ScimError::bad("invalidSyntax", format!("not a PatchOp request: {e}")))
}

/// `id` from the path, or 404.
fn id(req: &Request) -> Result<String, ScimError> {
    req.path_params::<String>()
        .ok()
        .filter(|i| i.len() <= crate::http::ID_MAX)
        .ok_or_else(|| ScimError::not_found("resource"))
}

/// A single resource with `attributes`/`excludedAttributes` applied.
fn one(req: &Request, v: Value) -> Result<Response, ScimError> {
    let q = query(req)?;
    ok(&crate::scim::types::project(
        v,
        q.attributes.as_deref(),
        q.excluded_attributes.as_deref(),
    ))
}

#[handler]
async fn service_provider_config(req: &Request, Data(state): Data<&AppState>) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            if req.method() != Method::GET {
                return Err(not_allowed());
            }
            ok(&schemas::service_provider_config(&c.base))
        }
        .await,
    )
}

#[handler]
async fn resource_types(req: &Request, Data(state): Data<&AppState>) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            if req.method() != Method::GET {
                return Err(not_allowed());
            }
            ok(&schemas::list(schemas::resource_types(&c.base)))
        }
        .await,
    )
}

#[handler]
async fn resource_type(req: &Request, Data(state): Data<&AppState>) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            let wanted = id(req)?;
            schemas::resource_types(&c.base)
                .into_iter()
                .find(|r| r["id"] == Value::String(wanted.clone()))
                .map_or_else(|| Err(ScimError::not_found("resource type")), |r| ok(&r))
        }
        .await,
    )
}

async fn all_schemas(state: &AppState, c: &Ctx) -> Result<Vec<Value>, ScimError> {
    let teams = state.db.read(crate::scim::store::unique_team_names).await?;
    Ok(schemas::schemas(&c.base, c.teams, teams))
}

#[handler]
async fn schemas_list(req: &Request, Data(state): Data<&AppState>) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            if req.method() != Method::GET {
                return Err(not_allowed());
            }
            ok(&schemas::list(all_schemas(state, &c).await?))
        }
        .await,
    )
}

#[handler]
async fn schema(req: &Request, Data(state): Data<&AppState>) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            let wanted = id(req)?;
            all_schemas(state, &c)
                .await?
                .into_iter()
                .find(|s| s["id"] == Value::String(wanted.clone()))
                .map_or_else(|| Err(ScimError::not_found("schema")), |s| ok(&s))
        }
        .await,
    )
}

#[handler]
async fn users(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            match *req.method() {
                Method::GET => ok(&service::list(state, c, query(req)?).await?),
                Method::POST => created(service::create(state, c, json(req, body).await?).await?),
                _ => Err(not_allowed()),
            }
        }
        .await,
    )
}

/// POST `.search`: the list's parameters in a body.
async fn search_query(req: &Request, body: Body) -> Result<ListQuery, ScimError> {
    if req.method() != Method::POST {
        return Err(not_allowed());
    }
    let mut v = json(req, body).await?;
    // `attributes` may be a list in a search request.
    if let Some(o) = v.as_object_mut() {
        for k in ["attributes", "excludedAttributes"] {
            if let Some(Value::Array(a)) = o.get(k) {
                let joined = a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(",");
                o.insert(k.into(), Value::String(joined));
            }
        }
    }
    serde_json::from_value(v)
        .map_err(|e| ScimError::bad("invalidSyntax", format!("not a search request: {e}")))
}

#[handler]
async fn users_search(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            ok(&service::list(state, c, search_query(req, body).await?).await?)
        }
        .await,
    )
}

#[handler]
async fn user(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            let id = id(req)?;
            match *req.method() {
                Method::GET => one(req, service::get(state, c, id).await?),
                Method::PUT => ok(&service::replace(state, c, id, json(req, body).await?).await?),
                Method::PATCH => {
                    let p = patch_request(json(req, body).await?)?;
                    ok(&service::modify(state, c, id, p).await?)
                }
                Method::DELETE => {
                    service::delete(state, c, id).await?;
                    no_content()
                }
                _ => Err(not_allowed()),
            }
        }
        .await,
    )
}

#[handler]
async fn groups_list(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            match *req.method() {
                Method::GET => ok(&groups::list(state, c, query(req)?).await?),
                Method::POST => created(groups::create(state, c, json(req, body).await?).await?),
                _ => Err(not_allowed()),
            }
        }
        .await,
    )
}

#[handler]
async fn groups_search(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            ok(&groups::list(state, c, search_query(req, body).await?).await?)
        }
        .await,
    )
}

#[handler]
async fn group(req: &Request, Data(state): Data<&AppState>, body: Body) -> Response {
    respond(
        async {
            let c = ctx(state, req).await?;
            let id = id(req)?;
            match *req.method() {
                Method::GET => one(req, groups::get(state, c, id).await?),
                Method::PUT => ok(&groups::replace(state, c, id, json(req, body).await?).await?),
                Method::PATCH => {
                    let p = patch_request(json(req, body).await?)?;
                    ok(&groups::modify(state, c, id, p).await?)
                }
                Method::DELETE => {
                    groups::delete(state, c, id).await?;
                    no_content()
                }
                _ => Err(not_allowed()),
            }
        }
        .await,
    )
}

/// A search over every resource type at once is not offered (501, RFC 7644 §3.4.3).
#[handler]
async fn root_search(req: &Request, Data(state): Data<&AppState>) -> Response {
    respond(
        async {
            ctx(state, req).await?;
            Err(ScimError::new(
                501,
                None,
                "search across resource types is not supported: search /Users or /Groups",
            ))
        }
        .await,
    )
}
