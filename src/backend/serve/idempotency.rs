//! `Idempotency-Key` on POSTs: the first request with a key runs; every copy of it — sent
//! before, during or after — gets that request's answer, and does nothing; a key reused with
//! another body is refused (`idempotency_key_reused`), as Stripe does. Keys are scoped to the
//! token and the route.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::{AppState, BODY_LIMIT};
use crate::backend::BackendError;
use crate::backend::engine::store::tokens::{self, KeyState};

/// How long a copy waits for the first request's answer before it gives up (409).
const WAIT_FOR_FIRST: Duration = Duration::from_secs(60);
/// Longest pause between two looks at a pending key (a settled key also wakes waiters).
const LOOK_AGAIN: Duration = Duration::from_millis(100);

/// The stored key: token, route and the client's key, so that two clients never share one.
fn scoped_key(req: &Request) -> Option<String> {
    if req.method() != Method::POST {
        return None;
    }
    let key = req.headers().get("idempotency-key")?.to_str().ok()?.trim();
    if key.is_empty() || key.len() > 200 {
        return None;
    }
    let token = super::auth::bearer(req.headers()).map(tokens::hash)?;
    Some(format!("{} {} {key}", &token[..16], req.uri().path()))
}

/// What makes two requests "the same": method, path with query, and the body's bytes.
fn fingerprint(req: &axum::http::request::Parts, body: &Bytes) -> String {
    let mut h = Sha256::new();
    h.update(req.method.as_str().as_bytes());
    h.update(b" ");
    h.update(req.uri.to_string().as_bytes());
    h.update(b"\n");
    h.update(body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether an answer is the request's outcome, to be replayed: successes and the client's
/// own mistakes. A conflict or throttling may clear, and a server fault is no answer at all.
fn is_final(status: StatusCode) -> bool {
    status.is_success()
        || (status.is_client_error()
            && ![
                StatusCode::REQUEST_TIMEOUT,
                StatusCode::CONFLICT,
                StatusCode::TOO_MANY_REQUESTS,
            ]
            .contains(&status))
}

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// A held reservation; given back if the request ends without an answer to keep (a server
/// fault, or the client went away and the handler was dropped).
struct Reservation<'a> {
    state: &'a AppState,
    key: String,
    settled: bool,
}

impl Reservation<'_> {
    fn settle(mut self, status: StatusCode, body: &[u8]) {
        let text = String::from_utf8_lossy(body);
        let store = self.state.engine.store();
        if let Err(e) =
            store.write(|c| tokens::remember_answer(c, &self.key, status.as_u16(), &text))
        {
            tracing::warn!("recording an idempotent answer failed: {e}");
            return; // dropped: released, so a retry runs again
        }
        self.settled = true;
        self.state.keys_settled.notify_waiters();
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.settled {
            let _ = self
                .state
                .engine
                .store()
                .write(|c| tokens::release_key(c, &self.key));
            self.state.keys_settled.notify_waiters();
        }
    }
}

pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = scoped_key(&req) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "payload_too_large",
                message: format!(
                    "the request body could not be read whole (bodies are limited to {} KiB)",
                    BODY_LIMIT / 1024
                ),
                field: None,
            }
            .into_response();
        }
    };
    let request_hash = fingerprint(&parts, &bytes);
    let deadline = tokio::time::Instant::now() + WAIT_FOR_FIRST;
    let store = state.engine.store();
    loop {
        // Registered before looking, so that a settle in between is not missed.
        let settled = state.keys_settled.notified();
        tokio::pin!(settled);
        settled.as_mut().enable();
        let now = state.engine.clock().now();
        match store.write(|c| tokens::reserve_key(c, &key, &request_hash, &now)) {
            Ok(KeyState::Reserved) => break,
            Ok(KeyState::Answered { status, body }) => return replay(status, body),
            Ok(KeyState::Reused) => {
                return ApiError {
                    status: StatusCode::BAD_REQUEST,
                    code: "idempotency_key_reused",
                    message: "this Idempotency-Key was used with another request body; \
                              send a new key for a new request"
                        .into(),
                    field: None,
                }
                .into_response();
            }
            Ok(KeyState::Pending) => {
                if tokio::time::Instant::now() >= deadline {
                    return ApiError::from(BackendError::Conflict(
                        "a request with this Idempotency-Key is still running; retry later".into(),
                    ))
                    .into_response();
                }
                let _ = tokio::time::timeout(LOOK_AGAIN, settled).await;
            }
            Err(e) => return ApiError::from(e).into_response(),
        }
    }
    let reservation = Reservation {
        state: &state,
        key,
        settled: false,
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT * 64).await else {
        return ApiError::from(BackendError::Internal("could not read the response".into()))
            .into_response();
    };
    if is_final(parts.status) {
        reservation.settle(parts.status, &bytes);
    }
    Response::from_parts(parts, Body::from(bytes))
}
