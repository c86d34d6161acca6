//! The request's shape, checked before anything else, each refusal in the error envelope: a
//! URI too long (414), headers too large (431), a query parameter given twice (400).
//!
//! hyper answers by itself, with a bare status and no body, beyond its own hard limits (a URI
//! over 64 KiB, more than 100 headers, a header section over about 400 KiB); the limits here
//! sit below those, so every request hyper lets through gets an enveloped answer.

use std::collections::HashSet;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Longest request target (path and query) answered.
pub const MAX_URI: usize = 8 * 1024;
/// Most headers in one request.
pub const MAX_HEADERS: usize = 64;
/// Largest header section (names and values).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

pub async fn check(req: Request, next: Next) -> Response {
    match refusal(&req) {
        Some(e) => e.into_response(),
        None => next.run(req).await,
    }
}

fn refusal(req: &Request) -> Option<ApiError> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI {
        return Some(ApiError {
            status: StatusCode::URI_TOO_LONG,
            code: "uri_too_long",
            message: format!(
                "the request URI is {target} bytes, over the {} KiB this server reads; \
                 send long data in a JSON body",
                MAX_URI / 1024
            ),
            field: None,
        });
    }
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return Some(ApiError {
            status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            code: "headers_too_large",
            message: format!(
                "the request has {} headers of {bytes} bytes; this server reads at most \
                 {MAX_HEADERS} headers of {} KiB together",
                headers.len(),
                MAX_HEADER_BYTES / 1024
            ),
            field: None,
        });
    }
    duplicated_parameter(req.uri().query()?).map(|name| {
        ApiError::bad_request(
            Some(&name),
            format!("the query parameter {name:?} is given more than once; give it once"),
        )
    })
}

/// The first query parameter that appears twice.
fn duplicated_parameter(query: &str) -> Option<String> {
    let mut seen = HashSet::new();
    form_urlencoded::parse(query.as_bytes())
        .map(|(name, _)| name.into_owned())
        .find(|name| !seen.insert(name.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicated_parameters_are_found_after_decoding() {
        assert_eq!(duplicated_parameter("after=ev_1"), None);
        assert_eq!(duplicated_parameter("after=ev_1&limit=2"), None);
        assert_eq!(
            duplicated_parameter("after=ev_1&after=ev_2"),
            Some("after".into())
        );
        assert_eq!(
            duplicated_parameter("aft%65r=ev_1&after=ev_2"),
            Some("after".into())
        );
    }
}
