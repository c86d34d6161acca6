//! Bearer tokens and roles.
//!
//! viewer: reads only. deployer: everything but creating, changing or deleting spaces,
//! granting or revoking cluster access, and reading the audit log. admin: all. A refused request never says whether the
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
        Role::Viewer => reads && !path.starts_with("/api/audit"),
        Role::Deployer => {
            let spaces = path.starts_with("/api/spaces");
            let access = path.starts_with("/api/cloud-accounts/") && path.ends_with("/access");
            let audit = path == "/api/audit" || path.starts_with("/api/audit/");
            !audit && (reads || !(spaces || access))
        }
    }
}

/// Checks the bearer token and its role's permission; the role goes on with the request.
/// A changing request of a known token is recorded in the audit log once answered (refused
/// ones too); one without a valid token is not, so that strangers cannot fill the log.
pub async fn require_token(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(secret) = bearer(req.headers()) else {
        return ApiError::unauthorized().into_response();
    };
    let who = match state.engine.store().read(|c| tokens::bearer_of(c, secret)) {
        Ok(Some(who)) => who,
        Ok(None) => return ApiError::unauthorized().into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let res = if allowed(who.role, &method, &path) {
        req.extensions_mut().insert(who.role);
        next.run(req).await
    } else {
        ApiError::forbidden(who.role.as_str()).into_response()
    };
    if super::read_only::changes(&method, &path) {
        super::audit::record(&state, &who, &method, &path, &res);
    }
    res
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
        assert!(allowed(Role::Admin, &Method::GET, "/api/audit"));
        assert!(!allowed(Role::Deployer, &Method::GET, "/api/audit"));
        assert!(!allowed(Role::Viewer, &Method::GET, "/api/audit"));
    }
}
