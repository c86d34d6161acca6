//! The contract's error envelope: `{"error": {"message", "code", "field"?}}` with its status.

use axum::extract::OriginalUri;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::backend::BackendError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn bad_request(field: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "bad_request",
            message: message.into(),
            field: field.map(str::to_string),
        }
    }
    pub fn unauthorized() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "missing or invalid token: send Authorization: Bearer <token> (zopdeck token create)".into(),
            field: None,
        }
    }
    pub fn forbidden(role: &str) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: format!("a {role} token may not do this"),
            field: None,
        }
    }
}

/// The answer to a path no route matches. Its code is not `not_found` (an unknown id): a
/// client tells a wrong API URL from a deleted deployment by it.
pub async fn no_route(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        code: "no_route",
        message: format!(
            "no route {method} {}: the API lives under /api (e.g. GET /api/deployments)",
            uri.path()
        ),
        field: None,
    }
}

/// The answer to a method a route does not take (the `Allow` header lists those it takes).
pub async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        message: format!(
            "{} does not take {method}; the Allow header lists the methods it takes",
            uri.path()
        ),
        field: None,
    }
}

impl From<BackendError> for ApiError {
    fn from(e: BackendError) -> Self {
        Self {
            status: StatusCode::from_u16(e.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code: e.code(),
            message: e.to_string(),
            field: e.field().map(str::to_string),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"message": self.message, "code": self.code});
        if let Some(field) = self.field {
            error["field"] = field.into();
        }
        (self.status, axum::Json(json!({ "error": error }))).into_response()
    }
}
