//! `zopdeck doctor`: where things live, whether the store is sound, whether each space answers.

use std::time::Duration;

use super::commands::{Context, fmt};
use super::error::CliError;
use super::output;
use crate::backend::engine;
use crate::backend::model::*;
use crate::paths;

/// Whether the server streams changes (`/ws`), found out by subscribing for a moment.
async fn live_stream(ctx: &Context) -> String {
    if !ctx.config.remote.websocket {
        return format!(
            "not used (remote.websocket = false): the TUI polls every {} s",
            ctx.config.remote.poll_interval_seconds
        );
    }
    let mut feed = ctx.backend.subscribe();
    let _ = tokio::time::timeout(Duration::from_secs(3), feed.next()).await;
    match ctx.backend.live_mode() {
        crate::backend::LiveMode::Stream => "yes (/ws)".into(),
        _ => format!(
            "not offered: the TUI polls every {} s (remote.poll_interval_seconds)",
            ctx.config.remote.poll_interval_seconds
        ),
    }
}

pub async fn doctor(ctx: &Context) -> Result<(), CliError> {
    let Some(engine) = &ctx.engine else {
        output::line(format!("zopdeck {}", env!("CARGO_PKG_VERSION")))?;
        if let crate::backend::BackendKind::Remote { url } = ctx.backend.kind() {
            output::line(format!("backend:       remote API {url}"))?;
        }
        if std::env::var(crate::credentials::ENV).is_ok_and(|t| !t.trim().is_empty()) {
            output::line(format!("token:         from {}", crate::credentials::ENV))?;
        } else if let Some(file) = crate::credentials::path() {
            output::line(format!("token:         from {}", file.display()))?;
        }
        let envs = ctx
            .backend
            .list_environments()
            .await
            .map_err(|e| format!("the API is not usable: {e}"))?;
        output::line(format!(
            "reachable:     yes ({} environment(s))",
            envs.len()
        ))?;
        output::line(format!("live stream:   {}", live_stream(ctx).await))?;
        return Ok(());
    };
    output::line(format!("zopdeck {}", env!("CARGO_PKG_VERSION")))?;
    output::line(format!("data dir:      {}", ctx.data_dir.display()))?;
    let store = engine.store().location();
    let version = engine.store().schema_version().map_err(fmt)?;
    let access = if engine.is_read_only() {
        ", read-only: the data dir cannot be written"
    } else {
        ""
    };
    output::line(format!(
        "store:         {store} (schema version {version}{access})"
    ))?;
    let damaged = match engine.store().quick_check() {
        Ok(Ok(())) => None,
        Ok(Err(problems)) => Some(problems.join("; ")),
        Err(e) => Some(e.to_string()),
    };
    match &damaged {
        None if engine.store().is_pg() => {
            output::line("quick check:   (PostgreSQL checks its own pages)")?
        }
        None => output::line("quick check:   ok")?,
        Some(problems) => output::line(format!(
            "quick check:   FAILED: {problems} — the store is damaged; move it aside with its \
             -wal and -shm files (zopdeck then starts afresh), or restore a backup"
        ))?,
    }
    output::line(format!(
        "sandbox state: {}",
        ctx.data_dir.join(engine::SANDBOX_FILE).display()
    ))?;
    output::line(format!(
        "log file:      {}",
        ctx.data_dir.join(paths::LOG_FILE).display()
    ))?;
    match &ctx.config_file {
        Some(p) if p.exists() => output::line(format!("config file:   {}", p.display()))?,
        Some(p) => output::line(format!(
            "config file:   {} (not present: embedded defaults in use)",
            p.display()
        ))?,
        None => output::line("config file:   (none: embedded defaults in use)")?,
    }
    output::line(format!(
        "backend:       embedded engine (sandbox speed {}x)",
        engine.sandbox().settings().speed
    ))?;
    output::line(format!(
        "open jobs:     {}",
        engine.open_jobs().map_err(fmt)?
    ))?;
    output::line("spaces:")?;
    for space in engine.space_reachability().await.map_err(fmt)? {
        let (account, cluster) = {
            let cfg: serde_json::Value = serde_json::from_str(&space.config).unwrap_or_default();
            (
                space.cloud_account_id.clone(),
                format!(
                    "{}/{}",
                    cfg["region"].as_str().unwrap_or(""),
                    cfg["clusterName"].as_str().unwrap_or("")
                ),
            )
        };
        let reach = match space.reachability {
            Some(Reachability {
                status: ReachabilityStatus::Reachable,
                ..
            }) if account == engine::SANDBOX_ACCOUNT => "reachable (simulated cluster)".to_string(),
            Some(Reachability {
                status: ReachabilityStatus::Reachable,
                ..
            }) => "reachable".to_string(),
            Some(r) => format!(
                "{}: {}",
                r.status.as_str().to_uppercase(),
                r.message.unwrap_or_default()
            ),
            None => "not probed".to_string(),
        };
        output::line(format!(
            "  {:<12} {:<10} {account}/{cluster}  {:<8} {reach}",
            space.name,
            space.provider,
            space.status.as_str()
        ))?;
    }
    output::line("environments:")?;
    let b = ctx.backend.as_ref();
    for env in b.list_environments().await.map_err(fmt)? {
        let n = b.list_deployments(Some(&env.id)).await.map_err(fmt)?.len();
        output::line(format!(
            "  {:<12} namespace {:<12} {n} deployment(s)",
            env.name, env.namespace
        ))?;
    }
    let stuck = engine.stuck_releases().await.map_err(fmt)?;
    if stuck.is_empty() {
        output::line("stuck releases: none")?;
    } else {
        output::line("stuck releases:")?;
        for s in &stuck {
            match &s.release {
                Some(r) => output::line(format!(
                    "  {} in {} ({}): {} at revision {} — {}",
                    r.name, s.namespace, s.environment, r.status, r.version, s.advice
                ))?,
                None => output::line(format!(
                    "  {} ({}): {}",
                    s.namespace, s.environment, s.advice
                ))?,
            }
        }
    }
    match damaged {
        None => Ok(()),
        Some(_) => Err("the store is damaged: see the quick check above".into()),
    }
}
