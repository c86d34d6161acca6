//! The answers of the lists read most — deployments (all, or an environment's) and
//! environments — kept with the store generation they were read at: while the generation
//! is the same (nothing written since, by any process or replica), the kept bytes are the
//! answer, and a poll of a busy server costs a lookup instead of a query and a serialisation.
//! The generation is read before the list, so a write racing the read only makes the kept
//! answer older than it could be, never newer than its generation says.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use crate::backend::engine::store::tokens::Role;

/// Answers kept at most (a few lists per role).
const KEEP: usize = 64;

/// Kept answers by (sees secrets, path and query): the generation, the bytes and their tag.
#[derive(Default)]
pub struct Answers(Mutex<HashMap<(bool, String), Kept>>);

struct Kept {
    generation: String,
    bytes: Bytes,
    tag: String,
}

/// Whether `path` answers from the store alone (and so may be kept).
fn keepable(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/") else {
        return false;
    };
    match rest.split('/').collect::<Vec<_>>()[..] {
        ["deployments"] | ["environments"] => true,
        ["environments", env, "deployments"] => !env.is_empty(),
        _ => false,
    }
}

pub async fn kept_lists(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET || !keepable(req.uri().path()) {
        return next.run(req).await;
    }
    let sees_secrets = req
        .extensions()
        .get::<Role>()
        .is_some_and(|r| *r != Role::Viewer);
    let key = (
        sees_secrets,
        req.uri()
            .path_and_query()
            .map_or_else(String::new, |p| p.as_str().to_string()),
    );
    let Ok(generation) = state.engine.store().generation() else {
        return next.run(req).await;
    };
    let kept = state.answers.0.lock().ok().and_then(|m| {
        m.get(&key)
            .filter(|k| k.generation == generation)
            .map(|k| (k.bytes.clone(), k.tag.clone()))
    });
    if let Some((bytes, tag)) = kept {
        let mut res = Response::new(Body::from(bytes));
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Ok(tag) = HeaderValue::from_str(&tag) {
            res.headers_mut().insert(header::ETAG, tag);
        }
        return res;
    }
    let res = next.run(req).await;
    if res.status() != StatusCode::OK {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    // Tagged here, once: the ETag layer outside takes a tag it finds instead of hashing again.
    let tag = super::etag::tag_of(&bytes);
    if let Ok(value) = HeaderValue::from_str(&tag) {
        parts.headers.insert(header::ETAG, value);
    }
    if let Ok(mut m) = state.answers.0.lock() {
        if m.len() >= KEEP {
            m.clear();
        }
        m.insert(
            key,
            Kept {
                generation,
                tag,
                bytes: bytes.clone(),
            },
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_lists_read_from_the_store_are_kept() {
        assert!(keepable("/api/deployments"));
        assert!(keepable("/api/environments"));
        assert!(keepable("/api/environments/env_1/deployments"));
        assert!(!keepable("/api/deployments/dep_1"));
        assert!(!keepable("/api/spaces"));
        assert!(!keepable("/api/environments//deployments"));
        assert!(!keepable("/api/audit"));
    }
}
