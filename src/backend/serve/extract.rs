//! What handlers take from a request, each refusal in the error envelope: a strict JSON body
//! (one object, no unknown field, nothing after it), path segments, the query, and the
//! caller's role (put there by the token check).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::backend::engine::store::tokens::Role;
use crate::backend::strict::Object;

/// Parses a JSON body: one object, naming the field at fault.
pub fn body<T: DeserializeOwned>(bytes: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = bytes.map_err(|r| ApiError {
        status: r.status(),
        code: if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        },
        message: format!(
            "{} (bodies are limited to {} KiB)",
            r.body_text(),
            super::BODY_LIMIT / 1024
        ),
        field: None,
    })?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request(None, "a JSON body is required"));
    }
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    let Object(value) = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != ".").then_some(path);
        ApiError::bad_request(
            field.as_deref(),
            format!("malformed request body: {}", e.inner()),
        )
    })?;
    de.end().map_err(|e| {
        ApiError::bad_request(
            None,
            format!("malformed request body: {e}; send one JSON object and nothing after it"),
        )
    })?;
    Ok(value)
}

/// Path segments; a segment that is not UTF-8 once percent-decoded is a 400 in the envelope.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(r) => Err(ApiError {
                status: r.status(),
                code: "bad_request",
                message: format!(
                    "{}: path segments must be UTF-8 text (percent-encoded)",
                    r.body_text()
                ),
                field: None,
            }),
        }
    }
}

/// The query string. Duplicated parameters are refused before this (see `limits`).
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(r) => Err(ApiError::bad_request(None, r.body_text())),
        }
    }
}

/// The role of the token that made the request.
pub struct Caller(pub Role);

impl Caller {
    /// Whether secrets (env values with secret-looking names) are hidden from this caller.
    pub fn sees_secrets(&self) -> bool {
        self.0 != Role::Viewer
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // Absent only if the token check did not run: then see the least.
        Ok(Self(
            parts
                .extensions
                .get::<Role>()
                .copied()
                .unwrap_or(Role::Viewer),
        ))
    }
}
