//! `ETag` on every successful `GET` [ours], from a hash of the answer's bytes: a client that
//! sends it back in `If-None-Match` gets 304 and no body while nothing changed — a poll of an
//! unchanged environment costs no transfer and no parsing.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

pub async fn etag(req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let res = next.run(req).await;
    // The live stream's upgrade (101) and refusals pass as they are.
    if res.status() != StatusCode::OK {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // A kept answer (see `cache`) comes with its tag: no need to read and hash it again.
    let (tag, body) = match parts.headers.get(header::ETAG).cloned() {
        Some(tag) => (tag, body),
        None => {
            let bytes = match axum::body::to_bytes(body, usize::MAX).await {
                Ok(b) => b,
                Err(e) => {
                    return ApiError::from(crate::backend::BackendError::Internal(format!(
                        "reading the answer failed: {e}"
                    )))
                    .into_response();
                }
            };
            let Ok(tag) = HeaderValue::from_str(&tag_of(&bytes)) else {
                return Response::from_parts(parts, Body::from(bytes));
            };
            (tag, Body::from(bytes))
        }
    };
    if if_none_match.is_some_and(|v| tag.to_str().is_ok_and(|t| matches(&v, t))) {
        return not_modified(tag);
    }
    parts.headers.insert(header::CACHE_CONTROL, PRIVATE);
    parts.headers.insert(header::ETAG, tag);
    Response::from_parts(parts, body)
}

/// Answers depend on the token (a viewer's are redacted): no shared cache may keep them.
const PRIVATE: HeaderValue = HeaderValue::from_static("private, no-cache");

/// The tag of `bytes`, as an `ETag` value.
pub fn tag_of(bytes: &[u8]) -> String {
    format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(bytes))
}

fn not_modified(tag: HeaderValue) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, tag);
    headers.insert(header::CACHE_CONTROL, PRIVATE);
    (StatusCode::NOT_MODIFIED, headers).into_response()
}

/// `If-None-Match`: `*`, or a list of tags, weak ones compared weakly (RFC 9110 13.1.2).
fn matches(header: &HeaderValue, tag: &str) -> bool {
    let Ok(list) = header.to_str() else {
        return false;
    };
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let tag = "\"00ff\"";
        for (header, hit) in [
            ("\"00ff\"", true),
            ("W/\"00ff\"", true),
            ("\"aa\", \"00ff\"", true),
            ("*", true),
            ("\"00fe\"", false),
            ("00ff", false),
        ] {
            assert_eq!(
                matches(&HeaderValue::from_static(header), tag),
                hit,
                "{header}"
            );
        }
    }
}
