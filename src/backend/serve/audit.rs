//! The audit log [ours]: every changing request of a known token is recorded after it is
//! answered — when, which token (name, role), the route's pattern, the ids it named (or the
//! deployment it created) and the status; never a body or a secret. `GET /audit` lists it
//! for admins.

use axum::Router;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use super::extract::ApiQuery as Query;
use super::paging::{Paging, page};
use super::routes::ApiResult;
use crate::backend::Backend;
use crate::backend::engine::store::audit::{self, NewAuditEntry};
use crate::backend::engine::store::tokens::Bearer;
use crate::backend::model::AuditFilter;

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

/// What the router matched, handed out with the answer for the record.
#[derive(Debug, Clone)]
pub struct Matched {
    route: String,
    params: Vec<(String, String)>,
    /// The id of the deployment a create made.
    created: Option<String>,
}

/// A route layer: notes the matched route and its path parameters on the answer.
pub async fn remember_route(req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map(|m| m.as_str().trim_start_matches("/api").to_string());
    let params = RawPathParams::from_request_parts(&mut parts, &())
        .await
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let creates_deployment = parts.method == Method::POST
        && route
            .as_deref()
            .is_some_and(|r| r == "/deployments" || r == "/environments/{env}/deployments");
    let res = next.run(Request::from_parts(parts, body)).await;
    let Some(route) = route else {
        return res;
    };
    let (res, created) = if creates_deployment && res.status() == StatusCode::CREATED {
        created_id(res).await
    } else {
        (res, None)
    };
    let mut res = res;
    res.extensions_mut().insert(Matched {
        route,
        params,
        created,
    });
    res
}

/// The `data.id` of a create's answer (the answer itself given back unchanged).
async fn created_id(res: Response) -> (Response, Option<String>) {
    let (parts, body) = res.into_parts();
    match axum::body::to_bytes(body, super::BODY_LIMIT * 16).await {
        Ok(bytes) => {
            let id = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v["data"]["id"].as_str().map(str::to_string));
            (Response::from_parts(parts, bytes.into()), id)
        }
        Err(_) => (Response::from_parts(parts, axum::body::Body::empty()), None),
    }
}

/// Records a changing request of `bearer` as it was answered.
pub fn record(state: &AppState, bearer: &Bearer, method: &Method, path: &str, res: &Response) {
    let (route, target, deployment_id) = match res.extensions().get::<Matched>() {
        Some(m) => {
            let target = m.created.clone().or_else(|| {
                let ids: Vec<&str> = m.params.iter().map(|(_, v)| v.as_str()).collect();
                (!ids.is_empty()).then(|| ids.join("/"))
            });
            let deployment_id = m.created.clone().or_else(|| {
                m.route
                    .starts_with("/deployments/{id}")
                    .then(|| m.params.iter().find(|(k, _)| k == "id"))
                    .flatten()
                    .map(|(_, v)| v.clone())
            });
            (m.route.clone(), target, deployment_id)
        }
        // Refused before routing (role, read-only): the path read as a route would be.
        None => unrouted(path),
    };
    let entry = NewAuditEntry {
        token_name: bearer.name.clone(),
        role: bearer.role.as_str().to_string(),
        method: method.to_string(),
        route,
        target,
        deployment_id,
        status: res.status().as_u16(),
    };
    let now = state.engine.clock().now();
    if let Err(e) = state
        .engine
        .store()
        .write_row(|c| audit::record(c, &entry, &now))
    {
        tracing::warn!(
            route = entry.route,
            "recording a request in the audit log failed: {e}"
        );
    }
}

/// Route, target and deployment of a request refused before routing: a deployment's id
/// taken from its path, as the route would have named it.
fn unrouted(path: &str) -> (String, Option<String>, Option<String>) {
    let path = path.strip_prefix("/api").unwrap_or(path);
    match path.strip_prefix("/deployments/") {
        Some(rest) if !rest.is_empty() => {
            let (id, tail) = rest.split_once('/').unwrap_or((rest, ""));
            let route = if tail.is_empty() {
                "/deployments/{id}".to_string()
            } else {
                format!("/deployments/{{id}}/{tail}")
            };
            (route, Some(id.to_string()), Some(id.to_string()))
        }
        _ => (path.to_string(), None, None),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Filter {
    deployment_id: Option<String>,
    token: Option<String>,
    since: Option<String>,
}

async fn list(State(s): State<AppState>, Query(q): Query<Filter>, paging: Paging) -> ApiResult {
    let since = q
        .since
        .filter(|t| !t.is_empty())
        .map(|t| {
            crate::backend::clock::parse_ts(&t).ok_or_else(|| {
                ApiError::bad_request(
                    Some("since"),
                    format!("since must be an RFC 3339 time like 2026-12-05T09:00:00Z (got {t:?})"),
                )
            })
        })
        .transpose()?;
    let filter = AuditFilter {
        deployment_id: q.deployment_id.filter(|d| !d.is_empty()),
        token: q.token.filter(|t| !t.is_empty()),
        since,
    };
    page(s.engine.audit(filter).await?, &paging)
}
