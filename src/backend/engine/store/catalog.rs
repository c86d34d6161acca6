//! Catalog rows: cloud accounts and their clusters, spaces, namespaces, environments and
//! deployments. Functions take a connection so the engine can group them in a transaction.

use super::db;
use super::db::{Connection, OptionalExtension, Row, params};

use super::{enum_col, ts, ts_opt};
use crate::backend::clock::format_ts;
use crate::backend::error::Result;
use crate::backend::model::*;
use crate::backend::runtime::kubernetes::discovery::ContextInfo;

// ---- cloud accounts and clusters -------------------------------------------------------

pub fn insert_cloud_account(
    c: &Connection,
    id: &str,
    name: &str,
    provider: &str,
    now: &Timestamp,
) -> Result<()> {
    c.execute(
        "INSERT INTO cloud_accounts (id, name, provider, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        params![id, name, provider, format_ts(now)],
    )?;
    Ok(())
}

/// Records a kubeconfig file as a cloud account (idempotent): only its path, never its content.
pub fn insert_kubeconfig_account(
    c: &Connection,
    id: &str,
    name: &str,
    path: &str,
    now: &Timestamp,
) -> Result<()> {
    c.execute(
        "INSERT INTO cloud_accounts (id, name, provider, created_at, kind, kubeconfig)
         VALUES (?1, ?2, 'kubeconfig', ?3, 'kubeconfig', ?4) ON CONFLICT DO NOTHING",
        params![id, name, format_ts(now), path],
    )?;
    Ok(())
}

/// The kubeconfig file of an account, if it is a kubeconfig account.
pub fn account_kubeconfig(c: &Connection, id: &str) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT kubeconfig FROM cloud_accounts WHERE id = ?1 AND kind = 'kubeconfig'",
        [id],
        |r| r.get(0),
    )
    .optional()?)
}

/// Makes an account's clusters the contexts of its kubeconfig as just read: new ones are
/// added (access not registered), known ones keep their access, vanished ones are dropped.
pub fn sync_contexts(c: &Connection, account: &str, contexts: &[ContextInfo]) -> Result<()> {
    for ctx in contexts {
        c.execute(
            "INSERT INTO clusters (account_id, region, name, runtime, provider)
             VALUES (?1, ?2, ?3, 'kubernetes', ?4)
             ON CONFLICT (account_id, region, name) DO UPDATE SET provider = excluded.provider",
            params![account, ctx.region, ctx.name, ctx.provider],
        )?;
    }
    let mut st = c.prepare_cached("SELECT region, name FROM clusters WHERE account_id = ?1")?;
    let known: Vec<(String, String)> = st
        .query_map([account], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<db::Result<_>>()?;
    for (region, name) in known {
        if !contexts
            .iter()
            .any(|x| x.region == region && x.name == name)
        {
            c.execute(
                "DELETE FROM clusters WHERE account_id = ?1 AND region = ?2 AND name = ?3",
                params![account, region, name],
            )?;
        }
    }
    Ok(())
}

pub fn cloud_account_exists(c: &Connection, id: &str) -> Result<bool> {
    Ok(
        c.query_row("SELECT 1 FROM cloud_accounts WHERE id = ?1", [id], |_| {
            Ok(())
        })
        .optional()?
        .is_some(),
    )
}

/// Records a cluster discovered on an account (idempotent).
pub fn insert_cluster(
    c: &Connection,
    account: &str,
    region: &str,
    name: &str,
    runtime: &str,
) -> Result<()> {
    c.execute(
        "INSERT INTO clusters (account_id, region, name, runtime) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        params![account, region, name, runtime],
    )?;
    Ok(())
}

fn cluster_row(r: &Row) -> db::Result<Cluster> {
    Ok(Cluster {
        cloud_account_id: r.get(0)?,
        region: r.get(1)?,
        name: r.get(2)?,
        runtime: r.get(3)?,
        access_registered: r.get(4)?,
        provider: r.get(5)?,
    })
}

const CLUSTER_COLS: &str = "account_id, region, name, runtime, access_registered, provider";

pub fn list_clusters(c: &Connection, account: &str) -> Result<Vec<Cluster>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {CLUSTER_COLS} FROM clusters WHERE account_id = ?1 ORDER BY region, name"
    ))?;
    let rows = st.query_map([account], cluster_row)?;
    Ok(rows.collect::<db::Result<_>>()?)
}

pub fn get_cluster(
    c: &Connection,
    account: &str,
    region: &str,
    name: &str,
) -> Result<Option<Cluster>> {
    Ok(c.query_row(
        &format!("SELECT {CLUSTER_COLS} FROM clusters WHERE account_id = ?1 AND region = ?2 AND name = ?3"),
        params![account, region, name],
        cluster_row,
    )
    .optional()?)
}

/// Registers or revokes access; false if no such cluster.
pub fn set_cluster_access(
    c: &Connection,
    account: &str,
    region: &str,
    name: &str,
    registered: bool,
) -> Result<bool> {
    let n = c.execute(
        "UPDATE clusters SET access_registered = ?4
         WHERE account_id = ?1 AND region = ?2 AND name = ?3",
        params![account, region, name, registered],
    )?;
    Ok(n > 0)
}

// ---- spaces ----------------------------------------------------------------------------

const SPACE_COLS: &str =
    "id, name, provider, space_type, cloud_account_id, status, config, created_at";

fn space_row(r: &Row) -> db::Result<Space> {
    Ok(Space {
        id: r.get(0)?,
        name: r.get(1)?,
        provider: r.get(2)?,
        space_type: r.get(3)?,
        cloud_account_id: r.get(4)?,
        status: enum_col(r, 5, SpaceStatus::parse)?,
        config: r.get(6)?,
        created_at: ts(r, 7)?,
        reachability: None,
    })
}

pub fn insert_space(c: &Connection, s: &Space, region: &str, cluster_name: &str) -> Result<()> {
    c.execute(
        "INSERT INTO spaces (id, name, provider, space_type, cloud_account_id, region, cluster_name,
                             status, config, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            s.id,
            s.name,
            s.provider,
            s.space_type,
            s.cloud_account_id,
            region,
            cluster_name,
            s.status.as_str(),
            s.config,
            format_ts(&s.created_at)
        ],
    )?;
    Ok(())
}

pub fn list_spaces(c: &Connection) -> Result<Vec<Space>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {SPACE_COLS} FROM spaces WHERE deleted_at IS NULL ORDER BY created_at, name"
    ))?;
    let rows = st.query_map([], space_row)?;
    Ok(rows.collect::<db::Result<_>>()?)
}

pub fn get_space(c: &Connection, id: &str) -> Result<Option<Space>> {
    Ok(c.query_row(
        &format!("SELECT {SPACE_COLS} FROM spaces WHERE id = ?1 AND deleted_at IS NULL"),
        [id],
        space_row,
    )
    .optional()?)
}

pub fn space_name_taken(c: &Connection, name: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM spaces WHERE name = ?1 AND deleted_at IS NULL",
        [name],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// The cluster a space is bound to: (account, region, cluster name).
pub fn space_cluster(c: &Connection, space_id: &str) -> Result<Option<(String, String, String)>> {
    Ok(c.query_row(
        "SELECT cloud_account_id, region, cluster_name FROM spaces WHERE id = ?1",
        [space_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()?)
}

pub fn set_space_status(c: &Connection, id: &str, status: SpaceStatus) -> Result<bool> {
    let n = c.execute(
        "UPDATE spaces SET status = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, status.as_str()],
    )?;
    Ok(n > 0)
}

/// How many live deployments and open jobs still use the space.
pub fn space_usage(c: &Connection, space_id: &str) -> Result<(i64, i64)> {
    let deployments = c.query_row(
        "SELECT COUNT(*) FROM deployments d JOIN environments e ON e.id = d.env_id
         WHERE e.space_id = ?1 AND d.deleted_at IS NULL",
        [space_id],
        |r| r.get(0),
    )?;
    let jobs = c.query_row(
        "SELECT COUNT(*) FROM jobs j JOIN deployments d ON d.id = j.deployment_id
         JOIN environments e ON e.id = d.env_id
         WHERE e.space_id = ?1 AND j.state IN ('queued', 'running')",
        [space_id],
        |r| r.get(0),
    )?;
    Ok((deployments, jobs))
}

pub fn soft_delete_space(c: &Connection, id: &str, now: &Timestamp) -> Result<()> {
    c.execute(
        "UPDATE spaces SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, format_ts(now)],
    )?;
    Ok(())
}

/// Whether the id names a space that was deleted (a repeated delete is not an error).
pub fn space_was_deleted(c: &Connection, id: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM spaces WHERE id = ?1 AND deleted_at IS NOT NULL",
        [id],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

// ---- namespaces ------------------------------------------------------------------------

/// Namespaces the catalog kept for spaces on the simulated cluster before they moved into the
/// sandbox's own state: (account, region, cluster, namespace).
pub fn sandbox_namespaces(c: &Connection) -> Result<Vec<(String, String, String, Namespace)>> {
    let mut st = c.prepare_cached(
        "SELECT s.cloud_account_id, s.region, s.cluster_name, n.name, n.managed, n.created_at
         FROM namespaces n JOIN spaces s ON s.id = n.space_id
         JOIN clusters k ON k.account_id = s.cloud_account_id AND k.region = s.region
                        AND k.name = s.cluster_name
         WHERE k.runtime = 'sandbox'",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            Namespace {
                name: r.get(3)?,
                managed_by_zopnight: r.get(4)?,
                created_at: Some(ts(r, 5)?),
            },
        ))
    })?;
    Ok(rows.collect::<db::Result<_>>()?)
}

// ---- environments ----------------------------------------------------------------------

const ENV_COLS: &str = "id, name, space_id, namespace, registry_url, created_at";

fn env_row(r: &Row) -> db::Result<Environment> {
    Ok(Environment {
        id: r.get(0)?,
        name: r.get(1)?,
        space_id: r.get(2)?,
        namespace: r.get(3)?,
        registry_url: r.get(4)?,
        created_at: ts(r, 5)?,
    })
}

pub fn insert_environment(c: &Connection, e: &Environment) -> Result<()> {
    c.execute(
        "INSERT INTO environments (id, name, space_id, namespace, registry_url, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            e.id,
            e.name,
            e.space_id,
            e.namespace,
            e.registry_url,
            format_ts(&e.created_at)
        ],
    )?;
    Ok(())
}

pub fn list_environments(c: &Connection) -> Result<Vec<Environment>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {ENV_COLS} FROM environments ORDER BY created_at, name"
    ))?;
    let rows = st.query_map([], env_row)?;
    Ok(rows.collect::<db::Result<_>>()?)
}

pub fn get_environment(c: &Connection, id: &str) -> Result<Option<Environment>> {
    Ok(c.query_row(
        &format!("SELECT {ENV_COLS} FROM environments WHERE id = ?1"),
        [id],
        env_row,
    )
    .optional()?)
}

pub fn find_environment(c: &Connection, id_or_name: &str) -> Result<Option<Environment>> {
    Ok(c.query_row(
        &format!("SELECT {ENV_COLS} FROM environments WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1"),
        [id_or_name],
        env_row,
    )
    .optional()?)
}

pub fn environment_name_taken(c: &Connection, name: &str) -> Result<bool> {
    Ok(
        c.query_row("SELECT 1 FROM environments WHERE name = ?1", [name], |_| {
            Ok(())
        })
        .optional()?
        .is_some(),
    )
}

/// The environment already bound to this namespace of the space, if any.
pub fn namespace_owner(c: &Connection, space_id: &str, namespace: &str) -> Result<Option<String>> {
    Ok(c.query_row(
        "SELECT name FROM environments WHERE space_id = ?1 AND namespace = ?2",
        params![space_id, namespace],
        |r| r.get(0),
    )
    .optional()?)
}

// ---- deployments -----------------------------------------------------------------------

/// Deployment columns, hydrated with the environment's space, namespace and registry.
pub(super) const DEP_SELECT: &str =
    "SELECT d.id, d.name, d.org_id, d.env_id, d.source_type, d.repo_url, d.branch,
        d.image, d.integration_id, d.auto_deploy, e.space_id, e.namespace, e.registry_url,
        d.current_revision_id, d.status, d.configs, d.canvas_x, d.canvas_y, d.last_deploy_at,
        d.created_at, d.updated_at, d.drift
    FROM deployments d JOIN environments e ON e.id = d.env_id";

fn deployment_row(r: &Row) -> db::Result<Deployment> {
    let x: Option<f64> = r.get(16)?;
    let y: Option<f64> = r.get(17)?;
    Ok(Deployment {
        id: r.get(0)?,
        name: r.get(1)?,
        org_id: r.get(2)?,
        env_id: r.get(3)?,
        source_type: enum_col(r, 4, SourceType::parse)?,
        repo_url: r.get(5)?,
        branch: r.get(6)?,
        image: r.get(7)?,
        integration_id: r.get(8)?,
        auto_deploy: r.get(9)?,
        space_id: r.get(10)?,
        namespace: r.get(11)?,
        registry_url: r.get(12)?,
        current_revision_id: r.get(13)?,
        status: enum_col(r, 14, DeploymentStatus::parse)?,
        configs: r.get(15)?,
        canvas_position: x.zip(y).map(|(x, y)| CanvasPosition { x, y }),
        last_deploy_at: ts_opt(r, 18)?,
        drift: r
            .get::<_, Option<String>>(21)?
            .and_then(|s| serde_json::from_str(&s).ok()),
        created_at: ts(r, 19)?,
        updated_at: ts(r, 20)?,
    })
}

pub fn insert_deployment(c: &Connection, d: &Deployment) -> Result<()> {
    c.execute(
        "INSERT INTO deployments (id, name, org_id, env_id, source_type, repo_url, branch, image,
             integration_id, auto_deploy, configs, current_revision_id, status, canvas_x, canvas_y,
             last_deploy_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            d.id,
            d.name,
            d.org_id,
            d.env_id,
            d.source_type.as_str(),
            d.repo_url,
            d.branch,
            d.image,
            d.integration_id,
            d.auto_deploy,
            d.configs,
            d.current_revision_id,
            d.status.as_str(),
            d.canvas_position.map(|p| p.x),
            d.canvas_position.map(|p| p.y),
            d.last_deploy_at.as_ref().map(format_ts),
            format_ts(&d.created_at),
            format_ts(&d.updated_at),
        ],
    )?;
    Ok(())
}

/// Live deployments, all or of one environment, in creation order (rowid order: no sort).
pub fn list_deployments(c: &Connection, env_id: Option<&str>) -> Result<Vec<Deployment>> {
    let mut st = c.prepare_cached(&format!(
        "{DEP_SELECT} WHERE d.deleted_at IS NULL AND (CAST(?1 AS TEXT) IS NULL OR d.env_id = ?1)
         ORDER BY d.rowid"
    ))?;
    let rows = st.query_map([env_id], deployment_row)?;
    Ok(rows.collect::<db::Result<_>>()?)
}

pub fn get_deployment(c: &Connection, id: &str) -> Result<Option<Deployment>> {
    Ok(c.query_row(
        &format!("{DEP_SELECT} WHERE d.id = ?1 AND d.deleted_at IS NULL"),
        [id],
        deployment_row,
    )
    .optional()?)
}

/// A deployment by id or by name (within an environment when given), for the CLI.
pub fn find_deployment(
    c: &Connection,
    id_or_name: &str,
    env_id: Option<&str>,
) -> Result<Vec<Deployment>> {
    let mut st = c.prepare_cached(&format!(
        "{DEP_SELECT} WHERE d.deleted_at IS NULL AND (d.id = ?1 OR d.name = ?1)
         AND (CAST(?2 AS TEXT) IS NULL OR d.env_id = ?2) ORDER BY d.id = ?1 DESC"
    ))?;
    let rows = st.query_map(params![id_or_name, env_id], deployment_row)?;
    Ok(rows.collect::<db::Result<_>>()?)
}

/// Whether the id names a deployment that was deleted (repeated deletes are not errors).
pub fn deployment_was_deleted(c: &Connection, id: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM deployments WHERE id = ?1 AND deleted_at IS NOT NULL",
        [id],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

pub fn deployment_name_taken(c: &Connection, env_id: &str, name: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM deployments WHERE env_id = ?1 AND name = ?2 AND deleted_at IS NULL",
        [env_id, name],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// Writes status (and current revision) back. Once a deployment is tearing down, only the
/// teardown may change it: a worker finishing late must not bring it back.
pub fn set_deployment_status(
    c: &Connection,
    id: &str,
    status: DeploymentStatus,
    current_revision_id: Option<&str>,
    now: &Timestamp,
) -> Result<()> {
    c.execute(
        "UPDATE deployments SET status = ?2, current_revision_id = COALESCE(?3, current_revision_id),
                updated_at = ?4,
                last_deploy_at = CASE WHEN ?2 = 'active' THEN ?4 ELSE last_deploy_at END
         WHERE id = ?1 AND deleted_at IS NULL AND (status <> 'tearing_down' OR ?2 = 'tearing_down')",
        params![id, status.as_str(), current_revision_id, format_ts(now)],
    )?;
    Ok(())
}

pub fn set_deployment_configs(
    c: &Connection,
    id: &str,
    configs: &str,
    now: &Timestamp,
) -> Result<()> {
    c.execute(
        "UPDATE deployments SET configs = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, configs, format_ts(now)],
    )?;
    Ok(())
}

pub fn set_canvas_position(
    c: &Connection,
    id: &str,
    pos: CanvasPosition,
    now: &Timestamp,
) -> Result<bool> {
    let n = c.execute(
        "UPDATE deployments SET canvas_x = ?2, canvas_y = ?3, updated_at = ?4
         WHERE id = ?1 AND deleted_at IS NULL",
        params![id, pos.x, pos.y, format_ts(now)],
    )?;
    Ok(n > 0)
}

/// Moves a card and reads the moved deployment back (`None`: no such deployment). On
/// PostgreSQL in one statement (one round trip on the hottest write).
pub fn move_deployment(
    c: &Connection,
    id: &str,
    pos: CanvasPosition,
    now: &Timestamp,
) -> Result<Option<Deployment>> {
    if !c.is_pg() {
        if !set_canvas_position(c, id, pos, now)? {
            return Ok(None);
        }
        return get_deployment(c, id);
    }
    // Made once: the hottest write of all (a card dragged).
    static MOVED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "WITH u AS (UPDATE deployments SET canvas_x = ?2, canvas_y = ?3, updated_at = ?4
                        WHERE id = ?1 AND deleted_at IS NULL RETURNING *) {}",
            DEP_SELECT.replace("FROM deployments d", "FROM u d")
        )
    });
    Ok(c.query_row(
        &MOVED,
        params![id, pos.x, pos.y, format_ts(now)],
        deployment_row,
    )
    .optional()?)
}

/// Records (or, with `None`, clears) a change made to the release outside zopdeck.
pub fn set_drift(c: &Connection, id: &str, drift: Option<&Drift>) -> Result<bool> {
    let text = drift.and_then(|d| serde_json::to_string(d).ok());
    let n = c.execute(
        "UPDATE deployments SET drift = ?2 WHERE id = ?1 AND deleted_at IS NULL
           AND drift IS DISTINCT FROM ?2",
        params![id, text],
    )?;
    Ok(n > 0)
}

/// A teardown that failed for good: the deployment leaves `tearing_down` for `failed`, so
/// that a new delete (or a fix) can follow.
pub fn teardown_failed(c: &Connection, id: &str, now: &Timestamp) -> Result<()> {
    c.execute(
        "UPDATE deployments SET status = 'failed', updated_at = ?2
         WHERE id = ?1 AND deleted_at IS NULL AND status = 'tearing_down'",
        params![id, format_ts(now)],
    )?;
    Ok(())
}

pub fn soft_delete_deployment(c: &Connection, id: &str, now: &Timestamp) -> Result<()> {
    c.execute(
        "UPDATE deployments SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
        params![id, format_ts(now)],
    )?;
    Ok(())
}

/// Deployments left in `tearing_down` (the process died during a delete).
pub fn unfinished_teardowns(c: &Connection) -> Result<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT id FROM deployments WHERE status = 'tearing_down' AND deleted_at IS NULL",
    )?;
    let rows = st.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<db::Result<_>>()?)
}
