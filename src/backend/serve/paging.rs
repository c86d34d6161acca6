//! Lists in pages [ours]: `?limit=N&cursor=…` answers at most N items and, when more follow,
//! `"metadata": {"nextCursor": "…"}`; without `limit`, the whole list as before.
//!
//! A cursor names the last item given (its key) and its place: the next page starts after
//! that item wherever it is now, so items added or removed before it neither repeat nor skip
//! one; when that item itself is gone, the page starts at its old place.

use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::backend::model::*;

/// The largest page a client may ask for.
pub const MAX_LIMIT: usize = 1000;

/// What the query asks for: a page, or (no `limit`) everything.
#[derive(Debug, Default)]
pub struct Paging {
    limit: Option<usize>,
    after: Option<(usize, String)>,
}

#[derive(Deserialize)]
struct Raw {
    limit: Option<String>,
    cursor: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(raw) = Query::<Raw>::from_request_parts(parts, state)
            .await
            .map_err(|r| ApiError::bad_request(None, r.body_text()))?;
        let limit = raw
            .limit
            .map(|l| match l.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
                _ => Err(ApiError::bad_request(
                    Some("limit"),
                    format!("limit must be a whole number from 1 to {MAX_LIMIT} (got {l:?})"),
                )),
            })
            .transpose()?;
        let after = raw.cursor.map(|c| decode(&c)).transpose()?;
        if after.is_some() && limit.is_none() {
            return Err(ApiError::bad_request(
                Some("cursor"),
                "a cursor goes with the limit it was given for: add ?limit=N",
            ));
        }
        Ok(Self { limit, after })
    }
}

/// What identifies an item of a list from one request to the next.
pub trait Keyed {
    fn key(&self) -> String;
}

macro_rules! keyed_by_id {
    ($($t:ty),*) => {$(
        impl Keyed for $t {
            fn key(&self) -> String {
                self.id.clone()
            }
        }
    )*};
}
keyed_by_id!(Deployment, Environment, Space, Revision, Event, AuditEntry);

impl Keyed for Namespace {
    fn key(&self) -> String {
        self.name.clone()
    }
}

impl Keyed for Cluster {
    fn key(&self) -> String {
        format!("{}/{}", self.region, self.name)
    }
}

#[derive(Serialize)]
struct Page<T> {
    data: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    next_cursor: String,
}

/// The list as the query asks: the page and the cursor of the next one, or all of it.
pub fn page<T: Serialize + Keyed>(list: Vec<T>, paging: &Paging) -> super::routes::ApiResult {
    let Some(limit) = paging.limit else {
        return Ok(axum::Json(Page {
            data: list,
            metadata: None,
        })
        .into_response());
    };
    let (range, next_cursor) = window(&list, limit, paging.after.as_ref());
    let metadata = next_cursor.map(|next_cursor| Metadata { next_cursor });
    let data: Vec<T> = list
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .collect();
    Ok((StatusCode::OK, axum::Json(Page { data, metadata })).into_response())
}

/// Where the page lies in `list`, and the cursor of the next one when more follow.
fn window<T: Keyed>(
    list: &[T],
    limit: usize,
    after: Option<&(usize, String)>,
) -> (std::ops::Range<usize>, Option<String>) {
    let start = match after {
        None => 0,
        // The item itself gone: what followed it moved up into its place.
        Some((at, key)) => list
            .iter()
            .position(|item| item.key() == *key)
            .map_or((*at).min(list.len()), |i| i + 1),
    };
    let end = start.saturating_add(limit).min(list.len());
    let next = (end < list.len()).then(|| encode(end - 1, &list[end - 1].key()));
    (start..end, next)
}

fn encode(at: usize, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{at}\n{key}"))
}

fn decode(cursor: &str) -> Result<(usize, String), ApiError> {
    let bad = || {
        ApiError::bad_request(
            Some("cursor"),
            "not a cursor this server gave (take nextCursor from the last page as it is); \
             start again without one",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (at, key) = text.split_once('\n').ok_or_else(bad)?;
    let at: usize = at.parse().map_err(|_| bad())?;
    Ok((at, key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Item(&'static str);
    impl Keyed for Item {
        fn key(&self) -> String {
            self.0.to_string()
        }
    }

    fn keys(
        list: &[&'static str],
        after: Option<&(usize, String)>,
    ) -> (Vec<String>, Option<(usize, String)>) {
        let items: Vec<Item> = list.iter().map(|k| Item(k)).collect();
        let (range, next) = window(&items, 2, after);
        (
            items[range].iter().map(Item::key).collect(),
            next.map(|c| decode(&c).unwrap()),
        )
    }

    #[test]
    fn cursors_survive_items_added_or_removed_before_them() {
        let (page, next) = keys(&["a", "b", "c", "d", "e"], None);
        assert_eq!(page, ["a", "b"]);
        let next = next.expect("more follow");
        // "a" removed and "z", "y" added at the front meanwhile: the page starts after "b".
        assert_eq!(
            keys(&["z", "y", "b", "c", "d", "e"], Some(&next)).0,
            ["c", "d"]
        );
        // "b" itself removed: what followed it.
        assert_eq!(keys(&["a", "c", "d", "e"], Some(&next)).0, ["c", "d"]);
        // The last page has no cursor.
        let (page, last) = keys(&["a", "b", "c", "d"], Some(&next));
        assert_eq!((page, last), (vec!["c".to_string(), "d".to_string()], None));
    }

    #[test]
    fn a_cursor_not_from_this_server_is_refused() {
        assert!(decode("not base64!").is_err());
        assert!(decode(&URL_SAFE_NO_PAD.encode("x\nkey")).is_err());
        assert_eq!(
            decode(&encode(4, "dep_1")).unwrap(),
            (4, "dep_1".to_string())
        );
    }
}
