//! The PostgreSQL schema, versioned like SQLite's (`migrations.rs`) but in its own list: the
//! version lives in `zopdeck_schema`; every replica migrates under an advisory lock, so the
//! first one that starts runs each step once. Never edit a shipped step, add one.
//!
//! Types: BIGINT for every integer (and for booleans, 0/1, as on SQLite), TEXT for times
//! (RFC 3339, UTC, as on SQLite), DOUBLE PRECISION for positions. `seq` columns keep the
//! order of insertion where SQLite's `rowid` does.

use super::db::{self, OptionalExtension as _, Value};
use super::pg::{PgClient, Pool};
use crate::backend::error::{BackendError, Result};

const MIGRATIONS: &[&str] = &[
    // 1: the schema as SQLite's eight steps left it.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE cloud_accounts (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, provider TEXT NOT NULL, created_at TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'cloud', kubeconfig TEXT);
    CREATE UNIQUE INDEX cloud_accounts_kubeconfig ON cloud_accounts(kubeconfig)
        WHERE kubeconfig IS NOT NULL;
    CREATE TABLE clusters (
        account_id TEXT NOT NULL REFERENCES cloud_accounts(id), region TEXT NOT NULL,
        name TEXT NOT NULL, runtime TEXT NOT NULL, access_registered BIGINT NOT NULL DEFAULT 0,
        provider TEXT, PRIMARY KEY (account_id, region, name));
    CREATE TABLE spaces (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, provider TEXT NOT NULL, space_type TEXT NOT NULL,
        cloud_account_id TEXT NOT NULL, region TEXT NOT NULL, cluster_name TEXT NOT NULL,
        status TEXT NOT NULL, config TEXT NOT NULL, created_at TEXT NOT NULL, deleted_at TEXT);
    CREATE UNIQUE INDEX spaces_name ON spaces(name) WHERE deleted_at IS NULL;
    CREATE TABLE namespaces (
        space_id TEXT NOT NULL, name TEXT NOT NULL, managed BIGINT NOT NULL,
        created_at TEXT NOT NULL, PRIMARY KEY (space_id, name));
    CREATE TABLE environments (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, space_id TEXT NOT NULL,
        namespace TEXT NOT NULL, registry_url TEXT, created_at TEXT NOT NULL,
        UNIQUE (space_id, namespace));
    CREATE TABLE deployments (
        seq BIGSERIAL NOT NULL UNIQUE,
        id TEXT PRIMARY KEY, name TEXT NOT NULL, org_id TEXT NOT NULL, env_id TEXT NOT NULL,
        source_type TEXT NOT NULL, repo_url TEXT, branch TEXT, image TEXT, integration_id TEXT,
        auto_deploy BIGINT NOT NULL, configs TEXT NOT NULL, current_revision_id TEXT,
        status TEXT NOT NULL, canvas_x DOUBLE PRECISION, canvas_y DOUBLE PRECISION,
        last_deploy_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        deleted_at TEXT, drift TEXT);
    CREATE UNIQUE INDEX deployments_env_name ON deployments(env_id, name) WHERE deleted_at IS NULL;
    CREATE TABLE revisions (
        id TEXT PRIMARY KEY, deployment_id TEXT NOT NULL, number BIGINT NOT NULL, image TEXT,
        build_id TEXT, note TEXT, configs TEXT NOT NULL, trigger TEXT NOT NULL, rollback_of TEXT,
        status TEXT NOT NULL, idempotency_key TEXT, created_at TEXT NOT NULL,
        UNIQUE (deployment_id, number), UNIQUE (deployment_id, idempotency_key));
    CREATE TABLE events (
        seq BIGSERIAL PRIMARY KEY, deployment_id TEXT NOT NULL, revision_id TEXT,
        stage TEXT NOT NULL, status TEXT NOT NULL, meta TEXT NOT NULL, dedupe_key BIGINT,
        created_at TEXT NOT NULL);
    CREATE UNIQUE INDEX events_deployment ON events(deployment_id, dedupe_key);
    CREATE INDEX events_order ON events(deployment_id, seq);
    CREATE TABLE jobs (
        id BIGSERIAL PRIMARY KEY, deployment_id TEXT NOT NULL,
        revision_id TEXT NOT NULL, state TEXT NOT NULL, lease_owner TEXT,
        lease_expires_at BIGINT, attempts BIGINT NOT NULL DEFAULT 0, last_error TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
        failures BIGINT NOT NULL DEFAULT 0, kind TEXT NOT NULL DEFAULT 'rollout');
    CREATE INDEX jobs_open ON jobs(state, deployment_id);
    CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL, revoked_at TEXT);
    CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY, status BIGINT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL,
        request_hash TEXT, state TEXT NOT NULL DEFAULT 'done');
    CREATE TABLE audit_log (
        seq BIGSERIAL PRIMARY KEY,
        at TEXT NOT NULL,
        token_name TEXT NOT NULL,
        role TEXT NOT NULL,
        method TEXT NOT NULL,
        route TEXT NOT NULL,
        target TEXT,
        deployment_id TEXT,
        status BIGINT NOT NULL);
    CREATE INDEX audit_log_deployment ON audit_log(deployment_id, seq);
    "#,
];

/// The lock replicas take to migrate one at a time.
const MIGRATE_LOCK: i64 = 0x007a_6f70_646d_6967;

pub fn version(pool: &Pool) -> Result<u32> {
    pool.with(|c| Ok(stored_version(c)?.map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX))))
}

/// The version `zopdeck_schema` holds, if it holds one.
fn stored_version(c: &mut PgClient) -> db::Result<Option<i64>> {
    db::Connection::pg(c)
        .query_row("SELECT version FROM zopdeck_schema", [], |r| r.get(0))
        .optional()
}

/// Brings the schema up to date, each step in a transaction of its own, one replica at a
/// time (the others wait for the lock, then find nothing left to do).
pub fn migrate(pool: &Pool) -> Result<()> {
    let _migrating = pool.hold(MIGRATE_LOCK)?;
    pool.with(|c| {
        c.batch("CREATE TABLE IF NOT EXISTS zopdeck_schema (version BIGINT NOT NULL)")?;
        let current = match stored_version(c)? {
            Some(v) => usize::try_from(v).unwrap_or(usize::MAX),
            None => {
                c.batch("INSERT INTO zopdeck_schema VALUES (0)")?;
                0
            }
        };
        if current > MIGRATIONS.len() {
            return Err(BackendError::Storage(format!(
                "the PostgreSQL store has schema version {current}, newer than this zopdeck \
                 knows ({}); upgrade zopdeck",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
            c.batch("BEGIN")?;
            let step = c
                .batch(sql)
                .and_then(|()| {
                    c.execute(
                        "UPDATE zopdeck_schema SET version = $1",
                        &[Value::Int(i as i64 + 1)],
                    )
                })
                .and_then(|_| c.batch("COMMIT"));
            if let Err(e) = step {
                let _ = c.batch("ROLLBACK");
                return Err(e.into());
            }
        }
        Ok(())
    })
}
