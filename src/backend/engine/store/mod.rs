//! The embedded engine's SQLite store: catalog, immutable revisions, append-only events and
//! the job queue. WAL mode; every multi-row change runs in one transaction.
//!
//! Calls are synchronous and short (sub-millisecond); one connection behind a mutex keeps
//! writers serialised, which is what SQLite wants anyway.

pub mod catalog;
pub mod history;
pub mod jobs;
mod migrations;
pub mod tokens;

pub use history::NewEvent;
pub use jobs::{Job, JobKind, JobState};
pub use migrations::LATEST as SCHEMA_VERSION;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction};

use crate::backend::error::{BackendError, Result};

pub struct Store {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path).map_err(|e| {
            BackendError::Storage(format!("cannot open the store at {}: {e}", path.display()))
        })?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// A private in-memory store, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Fewer, larger checkpoints: each one syncs, and appends are frequent and small.
        conn.pragma_update(None, "wal_autocheckpoint", 8000)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            path,
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn schema_version(&self) -> Result<u32> {
        Ok(self
            .lock()
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Grows with every commit made by another connection: a cheap "did anything change".
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .lock()
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection itself usable.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs read-only queries on the connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        f(&self.lock())
    }

    /// Runs `f` in one transaction: all of it is written, or none.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Appends an event in a transaction of its own; `None` when its dedupe key exists
    /// already, or when the job (id, lease owner) it is written for no longer runs under that
    /// lease (cancelled by a teardown, or taken over) — checked in the same transaction.
    pub fn append_event(
        &self,
        event: NewEvent,
        at: crate::backend::model::Timestamp,
        for_job: Option<(i64, &str)>,
    ) -> Result<Option<crate::backend::model::Event>> {
        self.write(|c| {
            if let Some((job, owner)) = for_job
                && !jobs::holds(c, job, owner)?
            {
                return Ok(None);
            }
            history::append_event(c, &event, &at)
        })
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .lock()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.lock().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > migrations::LATEST {
        return Err(BackendError::Storage(format!(
            "the store has schema version {current}, newer than this zopdeck knows ({}); \
             upgrade zopdeck or use another --data-dir",
            migrations::LATEST
        )));
    }
    for (i, sql) in migrations::MIGRATIONS
        .iter()
        .enumerate()
        .skip(current as usize)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(())
}

/// Reads a stored RFC 3339 timestamp, reporting a damaged row instead of panicking.
fn ts(row: &rusqlite::Row, idx: usize) -> rusqlite::Result<chrono::DateTime<chrono::Utc>> {
    let s: String = row.get(idx)?;
    super::clock::parse_ts(&s).ok_or_else(|| bad_column(idx, &s))
}

fn ts_opt(
    row: &rusqlite::Row,
    idx: usize,
) -> rusqlite::Result<Option<chrono::DateTime<chrono::Utc>>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| super::clock::parse_ts(&s).ok_or_else(|| bad_column(idx, &s)))
        .transpose()
}

/// Parses an enum column with its `parse` function.
fn enum_col<T>(
    row: &rusqlite::Row,
    idx: usize,
    parse: fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let s: String = row.get(idx)?;
    parse(&s).ok_or_else(|| bad_column(idx, &s))
}

fn bad_column(idx: usize, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        idx,
        rusqlite::types::Type::Text,
        format!("unexpected stored value {value:?}").into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_to_latest_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.db");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        store.set_meta("k", "v").unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.meta("k").unwrap().as_deref(), Some("v"));
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        drop(conn);
        let err = Store::open(&path).err().unwrap();
        assert!(
            err.to_string().contains("newer than this zopdeck knows"),
            "{err}"
        );
    }

    #[test]
    fn event_dedupe_keys_make_appends_idempotent_and_mark_stages_done() {
        use crate::backend::model::{EventStatus, Stage};
        let store = Store::open_in_memory().unwrap();
        let ev = |dep: &str| NewEvent {
            deployment_id: dep.into(),
            revision_id: Some("rev_1".into()),
            stage: Stage::Building,
            status: EventStatus::Succeeded,
            meta: serde_json::json!({"imageRef": "a:1"})
                .as_object()
                .unwrap()
                .clone(),
            dedupe_key: Some("rev_1/building/succeeded".into()),
        };
        let now = chrono::Utc::now();
        assert!(
            !store
                .read(|c| history::has_event(c, "dep_a", "rev_1/building/succeeded"))
                .unwrap()
        );
        let first = store.append_event(ev("dep_a"), now, None).unwrap();
        assert!(first.is_some());
        assert!(
            store
                .append_event(ev("dep_a"), now, None)
                .unwrap()
                .is_none(),
            "a replay writes nothing"
        );
        assert!(
            store
                .read(|c| history::has_event(c, "dep_a", "rev_1/building/succeeded"))
                .unwrap()
        );
        let meta = store
            .read(|c| history::event_meta(c, "dep_a", "rev_1/building/succeeded"))
            .unwrap()
            .unwrap();
        assert_eq!(meta["imageRef"], "a:1");
        assert!(
            store
                .append_event(ev("dep_b"), now, None)
                .unwrap()
                .is_some(),
            "keys are per deployment"
        );
        let events = store
            .read(|c| history::list_events(c, "dep_a", None))
            .unwrap();
        assert_eq!(events.len(), 1);
        let after = store
            .read(|c| history::list_events(c, "dep_a", ids_seq(&events[0].id)))
            .unwrap();
        assert!(after.is_empty());
    }

    fn ids_seq(id: &str) -> Option<i64> {
        crate::backend::engine::ids::parse_event_id(id)
    }
}
