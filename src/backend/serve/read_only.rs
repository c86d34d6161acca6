//! `zopdeck serve --read-only` (or `read_only = true`): every changing request is refused with
//! 403 `read_only` before any lookup; reads, analyze (a POST that changes nothing, allowed
//! in the read-only TUI too) and the live stream (`GET /api/ws`) keep working.

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The layer of a read-only server (a server that is not read-only has none).
pub async fn refuse_changes(req: Request, next: Next) -> Response {
    if changes(req.method(), req.uri().path()) {
        return refusal().into_response();
    }
    next.run(req).await
}

/// Whether a request changes anything (analyze does not).
pub(super) fn changes(method: &Method, path: &str) -> bool {
    let analyze = path
        .strip_prefix("/api/deployments/")
        .and_then(|rest| rest.strip_suffix("/analyze"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    match *method {
        Method::GET | Method::HEAD => false,
        Method::POST => !analyze,
        _ => true,
    }
}

fn refusal() -> ApiError {
    ApiError {
        status: StatusCode::FORBIDDEN,
        code: "read_only",
        message: "this server was started read-only (--read-only or read_only = true): it \
                  answers reads only; restart zopdeck serve without it to make changes"
            .into(),
        field: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_and_analyze_pass() {
        assert!(!changes(&Method::GET, "/api/deployments"));
        assert!(!changes(&Method::HEAD, "/api/ws"));
        assert!(!changes(&Method::POST, "/api/deployments/dep_1/analyze"));
        assert!(changes(&Method::POST, "/api/deployments"));
        assert!(changes(&Method::POST, "/api/deployments/dep_1/rollback"));
        assert!(changes(&Method::POST, "/api/deployments/a/b/analyze"));
        assert!(changes(&Method::POST, "/api/deployments//analyze"));
        assert!(changes(&Method::PATCH, "/api/deployments/dep_1/configs"));
        assert!(changes(&Method::DELETE, "/api/deployments/dep_1"));
        assert!(changes(&Method::OPTIONS, "/api/deployments"));
    }
}
