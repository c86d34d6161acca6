//! Bearer tokens and roles.
//!
//! viewer: reads only. deployer: everything but creating, changing or deleting spaces and
//! granting or revoking cluster access. admin: all. A refused request never says whether the
//! id it names exists (authorisation comes before any lookup).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use crate::backend::engine::store::tokens::{self, Role};

pub(super) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

fn allowed(role: Role, method: &Method, path: &str) -> bool {
    let reads = *method == Method::GET || *method == Method::HEAD;
    match role {
        Role::Admin => true,
        Role::Viewer => reads,
        Role::Deployer => {
            let spaces = path.starts_with("/api/spaces");
            let access = path.starts_with("/api/cloud-accounts/") && path.ends_with("/access");
            reads || !(spaces || access)
        }
    }
}

/// Checks the bearer token and its role's permission; the role goes on with the request.
pub async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(secret) = bearer(req.headers()) else {
        return ApiError::unauthorized().into_response();
    };
    let role = match state.engine.store().read(|c| tokens::role_of(c, secret)) {
        Ok(Some(role)) => role,
        Ok(None) => return ApiError::unauthorized().into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    if !allowed(role, req.method(), req.uri().path()) {
        return ApiError::forbidden(role.as_str()).into_response();
    }
    req.extensions_mut().insert(role);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles() {
        assert!(allowed(Role::Viewer, &Method::GET, "/api/deployments"));
        assert!(!allowed(Role::Viewer, &Method::POST, "/api/deployments"));
        assert!(allowed(Role::Deployer, &Method::POST, "/api/deployments"));
        assert!(allowed(
            Role::Deployer,
            &Method::POST,
            "/api/space-discovery/spc_1/namespaces"
        ));
        assert!(!allowed(Role::Deployer, &Method::POST, "/api/spaces"));
        assert!(!allowed(
            Role::Deployer,
            &Method::DELETE,
            "/api/spaces/spc_1"
        ));
        assert!(!allowed(
            Role::Deployer,
            &Method::PUT,
            "/api/cloud-accounts/ca/clusters/r/c/access"
        ));
        assert!(allowed(
            Role::Admin,
            &Method::PUT,
            "/api/cloud-accounts/ca/clusters/r/c/access"
        ));
    }
}
