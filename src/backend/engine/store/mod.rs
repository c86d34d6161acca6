//! The embedded engine's SQLite store: catalog, immutable revisions, append-only events and
//! the job queue. WAL mode; every multi-row change runs in one transaction.
//!
//! Calls are synchronous and short (sub-millisecond); one connection behind a mutex keeps
//! writers serialised, which is what SQLite wants anyway.
//!
//! On a read-only data directory the store opens read-only (every write is refused with a
//! message that says so): SQLite's `mode=ro` when the WAL's `-shm` file is there, else
//! `immutable=1` — safe then, as no `-wal` holds changes the main file lacks.

pub mod audit;
pub mod catalog;
mod checkpoint;
pub mod db;
pub mod history;
pub mod jobs;
mod migrations;
pub mod pg;
mod pg_migrations;
pub mod tokens;

pub use history::NewEvent;
pub use jobs::{Job, JobKind, JobState};
pub use migrations::LATEST as SCHEMA_VERSION;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use db::OptionalExtension as _;
use rusqlite::OptionalExtension as _;

pub use db::Connection;

use crate::backend::error::{BackendError, Result};
use crate::backend::sqlite::read_only_connection;
use crate::private_files;

pub struct Store {
    db: Db,
    /// Commits made through this store on SQLite (see `generation`; on PostgreSQL the
    /// database's snapshot tells instead).
    local_writes: std::sync::atomic::AtomicU64,
    path: Option<PathBuf>,
    read_only: bool,
    /// Checkpoints of a SQLite file, off the request path.
    checkpointer: Option<checkpoint::Checkpointer>,
}

/// The database under the store.
enum Db {
    Sqlite(Mutex<rusqlite::Connection>),
    Pg(Box<pg::Pool>),
}

/// How every write on PostgreSQL begins: its transaction takes an advisory lock first, so that
/// writes are serialised across replicas as SQLite serialises them across processes
/// (`BEGIN IMMEDIATE`). The key is 0x7a6f706465636b, "zopdeck" in ASCII.
const PG_BEGIN_WRITE: &str = "BEGIN; SELECT pg_advisory_xact_lock(34462475670086507)";

impl Store {
    /// Opens (creating if needed, readable by the owner only) the store at `path` and brings
    /// its schema up to date; read-only when its file or directory cannot be written.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.parent().is_none_or(private_files::dir_is_writable) {
            return Self::open_read_only(path);
        }
        match private_files::prepare_database(path) {
            Ok(()) => {}
            Err(e) if private_files::is_read_only_error(&e) => return Self::open_read_only(path),
            Err(e) => {
                return Err(BackendError::Storage(format!(
                    "cannot create the store at {}: {e}",
                    path.display()
                )));
            }
        }
        let conn = rusqlite::Connection::open(path).map_err(|e| {
            BackendError::Storage(format!("cannot open the store at {}: {e}", path.display()))
        })?;
        if conn.is_readonly("main")? {
            drop(conn);
            return Self::open_read_only(path);
        }
        let mut store = Self::init(conn, Some(path.to_path_buf()))?;
        store.checkpointer = checkpoint::Checkpointer::start(path);
        Ok(store)
    }

    /// A private in-memory store, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(rusqlite::Connection::open_in_memory()?, None)
    }

    /// The store on a PostgreSQL database (`postgres://user:password@host:port/db`), shared
    /// by every replica that opens it; its schema brought up to date first.
    pub fn open_pg(url: &str) -> Result<Self> {
        let pool = pg::Pool::connect(url)?;
        pg_migrations::migrate(&pool)?;
        Ok(Self {
            db: Db::Pg(Box::new(pool)),
            local_writes: Default::default(),
            path: None,
            read_only: false,
            checkpointer: None,
        })
    }

    /// Whether the store is on PostgreSQL.
    pub fn is_pg(&self) -> bool {
        matches!(self.db, Db::Pg(_))
    }

    /// Where the store is, for messages: its file, or `user@host:port/db`.
    pub fn location(&self) -> String {
        match (&self.db, &self.path) {
            (Db::Pg(pool), _) => format!("postgres {}", pool.shown),
            (Db::Sqlite(_), Some(p)) => p.display().to_string(),
            (Db::Sqlite(_), None) => "memory".into(),
        }
    }

    fn init(mut conn: rusqlite::Connection, path: Option<PathBuf>) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(5))?;
        // Switching to WAL takes the file for itself, and SQLite does not wait for that: while
        // another process migrates the new file, retry for as long as the busy timeout.
        let mut tries = 0;
        while let Err(e) = conn.pragma_update(None, "journal_mode", "WAL") {
            let busy = matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            );
            tries += 1;
            if !busy || tries > 500 {
                return Err(e.into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Checkpoints run on a thread of their own (`checkpoint`) long before this: SQLite's
        // own, inside a commit, is the backstop when that thread cannot keep up.
        conn.pragma_update(None, "wal_autocheckpoint", 8000)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        keep_statements(&conn)?;
        migrate(&mut conn)?;
        Ok(Self {
            db: Db::Sqlite(Mutex::new(conn)),
            local_writes: Default::default(),
            path,
            read_only: false,
            checkpointer: None,
        })
    }

    /// The store of a read-only data directory, for reading only; never migrated.
    fn open_read_only(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(read_only_error(path, "there is no store there yet"));
        }
        let conn = read_only_connection(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        keep_statements(&conn)?;
        let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current < migrations::LATEST {
            return Err(read_only_error(
                path,
                &format!(
                    "its schema (version {current}) needs an upgrade to version {}",
                    migrations::LATEST
                ),
            ));
        }
        check_not_newer(current)?;
        Ok(Self {
            db: Db::Sqlite(Mutex::new(conn)),
            local_writes: Default::default(),
            path: Some(path.to_path_buf()),
            read_only: true,
            checkpointer: None,
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether the store was opened read-only (its data directory cannot be written).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The refusal a write gets on a read-only store; `why` says what needed writing.
    pub fn read_only_error(&self, why: &str) -> BackendError {
        read_only_error(self.path.as_deref().unwrap_or(Path::new(".")), why)
    }

    /// SQLite's `PRAGMA quick_check`: `Ok(())`, or the problems it found (at most 10).
    /// PostgreSQL checks itself.
    pub fn quick_check(&self) -> Result<std::result::Result<(), Vec<String>>> {
        let Db::Sqlite(conn) = &self.db else {
            return Ok(Ok(()));
        };
        let conn = lock(conn);
        let mut st = conn.prepare("PRAGMA quick_check(10)")?;
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(if rows == ["ok"] { Ok(()) } else { Err(rows) })
    }

    pub fn schema_version(&self) -> Result<u32> {
        match &self.db {
            Db::Sqlite(conn) => {
                Ok(lock(conn).pragma_query_value(None, "user_version", |r| r.get(0))?)
            }
            Db::Pg(pool) => pg_migrations::version(pool),
        }
    }

    /// Grows with every commit made by another SQLite connection: a cheap "did anything
    /// change". On PostgreSQL, other replicas' changes arrive by LISTEN instead (0 here).
    pub fn data_version(&self) -> Result<i64> {
        match &self.db {
            Db::Sqlite(conn) => {
                Ok(lock(conn).pragma_query_value(None, "data_version", |r| r.get(0))?)
            }
            Db::Pg(_) => Ok(0),
        }
    }

    /// Runs read-only queries on a connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        match &self.db {
            Db::Sqlite(conn) => f(&Connection::sqlite(&lock(conn))),
            Db::Pg(pool) => pool.with(|c| f(&Connection::pg(c))),
        }
    }

    /// Runs `f` in one transaction: all of it is written, or none. Writers are serialised
    /// (SQLite's write lock; on PostgreSQL an advisory lock all replicas take).
    pub fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.transact(true, f)
    }

    /// For a change made of statements each whole on its own (one row's own columns, an
    /// append, and reads): on PostgreSQL each statement commits by itself, without waiting
    /// for the other replicas' writes — fewer round trips on the hottest writes. On SQLite,
    /// the same as `write`.
    pub fn write_row<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.transact(false, f)
    }

    /// `f` in one transaction (SQLite; PostgreSQL when `serialised`, after the replicas'
    /// write lock), or on PostgreSQL statement by statement; counted for `generation`.
    fn transact<T>(&self, serialised: bool, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        if self.read_only {
            return Err(self.read_only_error("this changes things"));
        }
        match &self.db {
            Db::Sqlite(conn) => {
                let mut conn = lock(conn);
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let out = f(&Connection::sqlite(&tx))?;
                tx.commit()?;
                let commits = self
                    .local_writes
                    .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
                    + 1;
                if let Some(c) = &self.checkpointer {
                    c.committed(commits);
                }
                Ok(out)
            }
            Db::Pg(pool) if !serialised => pool.with(|c| f(&Connection::pg(c))),
            Db::Pg(pool) => pool.with(|c| {
                c.batch(PG_BEGIN_WRITE)?;
                match f(&Connection::pg(c)) {
                    Ok(v) => {
                        c.batch("COMMIT")?;
                        Ok(v)
                    }
                    Err(e) => {
                        // A connection that failed mid-transaction is dropped by the pool.
                        let _ = c.batch("ROLLBACK");
                        Err(e)
                    }
                }
            }),
        }
    }

    /// Changes whenever anything may have been written to the store, by this process or
    /// another: equal generations read before two answers mean the same data. (SQLite: this
    /// process's commits and `data_version`; PostgreSQL: the database's current snapshot,
    /// which moves with every transaction that writes, on any replica.)
    pub fn generation(&self) -> Result<String> {
        match &self.db {
            Db::Sqlite(_) => Ok(format!(
                "{}:{}",
                self.local_writes.load(std::sync::atomic::Ordering::SeqCst),
                self.data_version()?
            )),
            Db::Pg(_) => self
                .read(|c| Ok(c.query_row("SELECT pg_current_snapshot()::text", [], |r| r.get(0))?)),
        }
    }

    /// Holds the lock `key` across replicas until the guard is dropped (PostgreSQL; on SQLite
    /// one process owns the data dir and this holds nothing).
    pub fn hold(&self, key: i64) -> Result<Option<pg::SessionLock<'_>>> {
        match &self.db {
            Db::Sqlite(_) => Ok(None),
            Db::Pg(pool) => Ok(Some(pool.hold(key)?)),
        }
    }

    /// Hands each of `payloads`, in order, to every process listening on `channel`, in one
    /// transaction (PostgreSQL's NOTIFY; no-op on SQLite, whose other processes watch
    /// `data_version`).
    pub fn notify(&self, channel: &str, payloads: &[String]) -> Result<()> {
        let Db::Pg(pool) = &self.db else {
            return Ok(());
        };
        let Ok(list) = serde_json::to_string(payloads) else {
            return Ok(());
        };
        pool.with(|c| {
            c.execute(
                "SELECT pg_notify($1, p) FROM json_array_elements_text($2::json) AS p",
                &[db::Value::Text(channel.into()), db::Value::Text(list)],
            )
        })
        .map(|_| ())
        .map_err(|e| pool.error(e))
    }

    /// Calls `heard` with each payload NOTIFYed on `channel` (PostgreSQL only), and with
    /// `None` after a lost connection came back.
    pub fn listen(
        &self,
        channel: &'static str,
        heard: impl Fn(Option<String>) + Send + Sync + 'static,
    ) {
        if let Db::Pg(pool) = &self.db {
            pool.listen(channel, heard);
        }
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
        self.read(|c| {
            Ok(
                c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.write(|c| {
            c.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
            Ok(())
        })
    }
}

/// The SQLite connection (a panic while holding the lock leaves it usable).
fn lock(conn: &Mutex<rusqlite::Connection>) -> MutexGuard<'_, rusqlite::Connection> {
    conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn check_not_newer(current: u32) -> Result<()> {
    if current > migrations::LATEST {
        return Err(BackendError::Storage(format!(
            "the store has schema version {current}, newer than this zopdeck knows ({}); \
             upgrade zopdeck or use another --data-dir",
            migrations::LATEST
        )));
    }
    Ok(())
}

/// Brings the schema up to date. Each step takes the write lock first and reads the version
/// again under it: two processes opening a new data dir at once run each step once.
fn migrate(conn: &mut rusqlite::Connection) -> Result<()> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    check_not_newer(current)?;
    let mut ran = 0;
    for (i, sql) in migrations::MIGRATIONS
        .iter()
        .enumerate()
        .skip(current as usize)
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now as usize > i {
            // Another process ran this step meanwhile.
            continue;
        }
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
        ran += 1;
    }
    if ran > 0 && current > 0 {
        // A migration may remove values (credentials): rewrite the file so that no freed page
        // keeps them, and empty the WAL of the old pages.
        conn.execute_batch("VACUUM")?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .optional()?;
    }
    Ok(())
}

/// Prepared statements kept and reused as they are. Plans that do not depend on bound values:
/// otherwise SQLite prepares a kept statement again whenever a parameter it looked at while
/// planning gets a new value — `get_deployment` was parsed and planned anew on every call, a
/// fifth of a canvas move's time (measured: 6,200 → 10,500 moves/s with this). And room for
/// every statement the engine runs (rusqlite keeps 16).
fn keep_statements(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(())
}

fn read_only_error(path: &Path, why: &str) -> BackendError {
    let dir = path.parent().unwrap_or(path);
    BackendError::Storage(format!(
        "the data directory {} is read-only ({why}): zopdeck can show what is there but not \
         change it — make it writable (chmod u+w {}) or use another --data-dir",
        dir.display(),
        dir.display()
    ))
}

/// Reads a stored RFC 3339 timestamp, reporting a damaged row instead of panicking.
fn ts(row: &db::Row, idx: usize) -> db::Result<chrono::DateTime<chrono::Utc>> {
    let s: String = row.get(idx)?;
    crate::backend::clock::parse_ts(&s).ok_or_else(|| bad_column(idx, &s))
}

fn ts_opt(row: &db::Row, idx: usize) -> db::Result<Option<chrono::DateTime<chrono::Utc>>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| crate::backend::clock::parse_ts(&s).ok_or_else(|| bad_column(idx, &s)))
        .transpose()
}

/// Parses an enum column with its `parse` function.
fn enum_col<T>(row: &db::Row, idx: usize, parse: fn(&str) -> Option<T>) -> db::Result<T> {
    let s: String = row.get(idx)?;
    parse(&s).ok_or_else(|| bad_column(idx, &s))
}

fn bad_column(idx: usize, value: &str) -> db::Error {
    db::Error::Column {
        idx,
        message: format!("unexpected stored value {value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_statements_are_not_prepared_again_for_new_values() {
        let store = Store::open_in_memory().unwrap();
        let Db::Sqlite(conn) = &store.db else {
            unreachable!()
        };
        // The statement of `get_deployment`, run with one id after another.
        let sql = format!(
            "{} WHERE d.id = ?1 AND d.deleted_at IS NULL",
            catalog::DEP_SELECT
        );
        let conn = lock(conn);
        for id in ["dep_a", "dep_b", "dep_c"] {
            let mut st = conn.prepare_cached(&sql).unwrap();
            st.query([id]).unwrap().next().unwrap();
        }
        let st = conn.prepare_cached(&sql).unwrap();
        assert_eq!(st.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    #[test]
    fn two_processes_opening_a_new_store_at_once_migrate_it_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.db");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let opens: Vec<_> = (0..4)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|s| s.schema_version().unwrap())
                })
            })
            .collect();
        for open in opens {
            assert_eq!(open.join().unwrap().unwrap(), SCHEMA_VERSION);
        }
    }

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
    fn the_minted_cluster_credentials_leave_the_store_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.db");
        let secret = "zn_sa_0123456789abcdef0123456789abcdef";
        {
            // A store as schema version 2 left it, with a minted credential.
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            conn.pragma_update(None, "journal_mode", "WAL").unwrap();
            for (i, sql) in migrations::MIGRATIONS[..2].iter().enumerate() {
                let tx = conn.transaction().unwrap();
                tx.execute_batch(sql).unwrap();
                tx.pragma_update(None, "user_version", (i + 1) as u32)
                    .unwrap();
                tx.commit().unwrap();
            }
            conn.execute_batch(&format!(
                "INSERT INTO cloud_accounts VALUES ('ca_x', 'x', 'aws', '2026-01-01T00:00:00Z');
                 INSERT INTO clusters VALUES ('ca_x', 'r', 'c', 'sandbox', 1, '{secret}');"
            ))
            .unwrap();
            // Enough rows to span pages, whose freed space would keep the old bytes.
            for i in 0..300 {
                conn.execute(
                    "INSERT INTO clusters VALUES ('ca_x', 'r', ?1, 'sandbox', 1, ?2)",
                    rusqlite::params![format!("c{i}"), format!("{secret}{i}")],
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        let cluster = store
            .read(|c| catalog::get_cluster(c, "ca_x", "r", "c"))
            .unwrap()
            .unwrap();
        assert!(cluster.access_registered, "registrations are kept");
        let columns: Vec<String> = store
            .read(|c| {
                let mut st = c.prepare("SELECT name FROM pragma_table_info('clusters')")?;
                let names = st.query_map([], |r| r.get(0))?;
                Ok(names.collect::<db::Result<_>>()?)
            })
            .unwrap();
        assert!(!columns.contains(&"credentials".to_string()), "{columns:?}");
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let p = entry.unwrap().path();
            let bytes = std::fs::read(&p).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} still holds the credential",
                p.display()
            );
        }
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("z.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
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
        crate::backend::model::ids::parse_event_id(id)
    }
}
