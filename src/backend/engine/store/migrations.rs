//! Versioned schema migrations, applied in order inside one transaction each.
//! The version lives in SQLite's `user_version`; never edit a shipped migration, add one.

pub const MIGRATIONS: &[&str] = &[
    // 1: catalog, history, queue.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE cloud_accounts (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, provider TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE TABLE clusters (
        account_id TEXT NOT NULL REFERENCES cloud_accounts(id), region TEXT NOT NULL,
        name TEXT NOT NULL, runtime TEXT NOT NULL, access_registered INTEGER NOT NULL DEFAULT 0,
        credentials TEXT, PRIMARY KEY (account_id, region, name));
    CREATE TABLE spaces (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, provider TEXT NOT NULL, space_type TEXT NOT NULL,
        cloud_account_id TEXT NOT NULL, region TEXT NOT NULL, cluster_name TEXT NOT NULL,
        status TEXT NOT NULL, config TEXT NOT NULL, created_at TEXT NOT NULL, deleted_at TEXT);
    CREATE UNIQUE INDEX spaces_name ON spaces(name) WHERE deleted_at IS NULL;
    CREATE TABLE namespaces (
        space_id TEXT NOT NULL, name TEXT NOT NULL, managed INTEGER NOT NULL,
        created_at TEXT NOT NULL, PRIMARY KEY (space_id, name));
    CREATE TABLE environments (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, space_id TEXT NOT NULL,
        namespace TEXT NOT NULL, registry_url TEXT, created_at TEXT NOT NULL,
        UNIQUE (space_id, namespace));
    CREATE TABLE deployments (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, org_id TEXT NOT NULL, env_id TEXT NOT NULL,
        source_type TEXT NOT NULL, repo_url TEXT, branch TEXT, image TEXT, integration_id TEXT,
        auto_deploy INTEGER NOT NULL, configs TEXT NOT NULL, current_revision_id TEXT,
        status TEXT NOT NULL, canvas_x REAL, canvas_y REAL, last_deploy_at TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT);
    CREATE UNIQUE INDEX deployments_env_name ON deployments(env_id, name) WHERE deleted_at IS NULL;
    CREATE TABLE revisions (
        id TEXT PRIMARY KEY, deployment_id TEXT NOT NULL, number INTEGER NOT NULL, image TEXT,
        build_id TEXT, note TEXT, configs TEXT NOT NULL, trigger TEXT NOT NULL, rollback_of TEXT,
        status TEXT NOT NULL, idempotency_key TEXT, created_at TEXT NOT NULL,
        UNIQUE (deployment_id, number), UNIQUE (deployment_id, idempotency_key));
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY, deployment_id TEXT NOT NULL, revision_id TEXT,
        stage TEXT NOT NULL, status TEXT NOT NULL, meta TEXT NOT NULL, dedupe_key INTEGER,
        created_at TEXT NOT NULL);
    -- One index serves both listing a deployment's events and deduplicating appends:
    -- every append writes the table and this index, nothing more.
    CREATE UNIQUE INDEX events_deployment ON events(deployment_id, dedupe_key);
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, deployment_id TEXT NOT NULL,
        revision_id TEXT NOT NULL, state TEXT NOT NULL, lease_owner TEXT,
        lease_expires_at INTEGER, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE INDEX jobs_open ON jobs(state, deployment_id);
    "#,
    // 2: API tokens for `zopdeck serve` (only a hash of each token is kept).
    r#"
    CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL, revoked_at TEXT);
    CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL);
    "#,
    // 3: Idempotency-Key reservations (a key is taken before its request runs: concurrent
    //    copies wait for the first answer; `request_hash` refuses a key reused with another
    //    body, NULL on answers recorded before), and a job's own failures counted apart from
    //    its claims (a lease taken over after a crash is no failed attempt).
    r#"
    ALTER TABLE idempotency_keys ADD COLUMN request_hash TEXT;
    ALTER TABLE idempotency_keys ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
    ALTER TABLE jobs ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
    "#,
    // 4: teardowns are jobs too.
    r#"
    ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'rollout';
    "#,
    // 5: no credential in the store: the minted cluster credentials were never read.
    r#"
    UPDATE clusters SET credentials = NULL;
    ALTER TABLE clusters DROP COLUMN credentials;
    "#,
    // 6: a cloud account may be a kubeconfig file (kind 'kubeconfig', its path kept, never
    //    what it holds); its clusters are the file's contexts, with the provider their server
    //    reveals. The sandbox's namespaces move into the sandbox's own state (copied once at
    //    start; the catalog's `namespaces` table is no longer written).
    r#"
    ALTER TABLE cloud_accounts ADD COLUMN kind TEXT NOT NULL DEFAULT 'cloud';
    ALTER TABLE cloud_accounts ADD COLUMN kubeconfig TEXT;
    CREATE UNIQUE INDEX cloud_accounts_kubeconfig ON cloud_accounts(kubeconfig)
        WHERE kubeconfig IS NOT NULL;
    ALTER TABLE clusters ADD COLUMN provider TEXT;
    "#,
    // 7: a release changed outside zopdeck (a `helm rollback` by hand), until its next revision.
    r#"
    ALTER TABLE deployments ADD COLUMN drift TEXT;
    "#,
    // 8: the audit log of `zopdeck serve`: every changing request of a known token.
    r#"
    CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        token_name TEXT NOT NULL,
        role TEXT NOT NULL,
        method TEXT NOT NULL,
        route TEXT NOT NULL,
        target TEXT,
        deployment_id TEXT,
        status INTEGER NOT NULL);
    CREATE INDEX audit_log_deployment ON audit_log(deployment_id, seq);
    "#,
];

pub const LATEST: u32 = MIGRATIONS.len() as u32;
