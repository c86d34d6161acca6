//! The answers of recent `GET`s with their `ETag`s: sent back as `If-None-Match`, a 304 from
//! the server is answered from here — an unchanged list costs no body on the wire.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// URLs kept at most (oldest forgotten first): lists and the views open now, not every
/// `?after=` of a long session.
const KEEP: usize = 256;

#[derive(Default)]
pub struct Etags {
    kept: Mutex<Kept>,
    not_modified: AtomicU64,
}

#[derive(Default)]
struct Kept {
    answers: HashMap<String, (String, String)>,
    order: VecDeque<String>,
}

impl Etags {
    /// The tag to send with a `GET` of `url`.
    pub fn tag(&self, url: &str) -> Option<String> {
        self.with(|k| k.answers.get(url).map(|(tag, _)| tag.clone()))
    }

    /// The body kept for `url`, for a 304 (counted); `None` when nothing is kept any more.
    pub fn not_modified(&self, url: &str) -> Option<String> {
        let body = self.with(|k| k.answers.get(url).map(|(_, body)| body.clone()));
        if body.is_some() {
            self.not_modified.fetch_add(1, Ordering::Relaxed);
        }
        body
    }

    /// Keeps a fresh answer that came with a tag.
    pub fn keep(&self, url: &str, tag: String, body: &str) {
        self.with(|k| {
            if k.answers
                .insert(url.to_string(), (tag, body.to_string()))
                .is_none()
            {
                k.order.push_back(url.to_string());
            }
            while k.order.len() > KEEP {
                if let Some(old) = k.order.pop_front() {
                    k.answers.remove(&old);
                }
            }
        });
    }

    /// Forgets `url` (its 304 came without a kept body).
    pub fn forget(&self, url: &str) {
        self.with(|k| {
            k.answers.remove(url);
            k.order.retain(|u| u != url);
        });
    }

    /// How many answers came as 304 and were served from here.
    pub fn not_modified_count(&self) -> u64 {
        self.not_modified.load(Ordering::Relaxed)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Kept) -> T) -> T {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_answers_only() {
        let e = Etags::default();
        for i in 0..KEEP + 10 {
            e.keep(&format!("u{i}"), format!("t{i}"), "b");
        }
        assert_eq!(e.tag("u0"), None);
        assert_eq!(
            e.tag(&format!("u{}", KEEP + 9)).as_deref(),
            Some(&*format!("t{}", KEEP + 9))
        );
        e.keep("u20", "new".into(), "b2");
        assert_eq!(e.tag("u20").as_deref(), Some("new"));
        assert_eq!(e.not_modified("u20").as_deref(), Some("b2"));
        assert_eq!(e.not_modified_count(), 1);
        e.forget("u20");
        assert_eq!(e.not_modified("u20"), None);
        assert_eq!(e.not_modified_count(), 1);
    }
}
