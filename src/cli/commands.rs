//! The headless commands, all on the `Backend` trait.

use std::sync::Arc;
use std::time::Duration;

use super::error::{self, CliError, fail};
use super::output::{self, deployment_rows, event_line, revision_rows};
use super::{
    Cli, Command, DeploymentsCmd, EnvironmentsCmd, OutputFormat, RoleArg, SpacesCmd, TokenCmd,
    WaitArgs,
};
use crate::backend::engine::{self, Engine, EngineSettings, OpenOptions};
use crate::backend::model::*;
use crate::backend::{Backend, BackendError};
use crate::config::Config;
use crate::paths;

/// Everything a command needs: the backend and where things live.
pub struct Context {
    pub backend: Arc<dyn Backend>,
    pub engine: Option<Arc<Engine>>,
    pub config: Config,
    pub data_dir: std::path::PathBuf,
    pub config_file: Option<std::path::PathBuf>,
}

/// Opens the backend for a command: the remote API when an API URL is set, else the embedded
/// engine (`workers` when the command carries jobs out).
pub async fn open_backend(cli: &Cli, workers: bool) -> Result<Context, CliError> {
    let config_file = paths::config_file(cli.global.config.as_deref());
    let config = Config::load(config_file.as_deref(), cli.global.config.is_some())
        .map_err(|e| e.to_string())?;
    let data_dir = paths::data_dir(cli.global.data_dir.as_deref())?;
    let api_url = cli
        .global
        .api_url
        .clone()
        .or_else(|| config.api_url.clone())
        .filter(|u| !u.trim().is_empty());
    if let Some(url) = api_url {
        let token = crate::credentials::token_for(&url)?;
        let options = crate::backend::remote::RemoteOptions {
            websocket: config.remote.websocket,
            timeout: Duration::from_secs(cli.global.timeout),
        };
        let remote = crate::backend::remote::RemoteBackend::connect_with(&url, &token, options)
            .map_err(|e| e.to_string())?;
        return Ok(Context {
            backend: remote,
            engine: None,
            config,
            data_dir,
            config_file,
        });
    }
    let speed = std::env::var("ZOPDECK_SANDBOX_SPEED")
        .ok()
        .and_then(|s| s.parse::<f64>().ok());
    let mut settings = EngineSettings::from_config(&config, speed);
    if let Some(Command::Serve {
        allow_local_repos, ..
    }) = &cli.command
    {
        // Anyone with a deployer token picks the repository a server clones.
        settings.local_repos = *allow_local_repos;
    }
    let engine = Engine::open(
        &data_dir,
        settings,
        OpenOptions {
            demo: !cli.global.no_demo,
            workers,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(Context {
        backend: engine.clone(),
        engine: Some(engine),
        config,
        data_dir,
        config_file,
    })
}

/// `zopdeck login`: asks for the token without echo, checks it, stores it.
async fn login(cli: &Cli) -> Result<(), CliError> {
    let Some(url) = cli.global.api_url.clone() else {
        return Err("login needs the API: zopdeck login --api-url https://zopnight.com/api".into());
    };
    let token =
        rpassword::prompt_password(format!("token for {url} (input hidden): ")).map_err(|e| {
            format!("cannot read the token: {e} (no terminal? set ZOPNIGHT_TOKEN instead)")
        })?;
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err("no token given".into());
    }
    let options = crate::backend::remote::RemoteOptions {
        timeout: Duration::from_secs(cli.global.timeout),
        ..Default::default()
    };
    let remote = crate::backend::remote::RemoteBackend::connect_with(&url, &token, options)
        .map_err(|e| e.to_string())?;
    remote
        .list_environments()
        .await
        .map_err(|e| format!("the token was not accepted: {e}"))?;
    let file = crate::credentials::store(&url, &token)?;
    output::note(format!(
        "logged in to {url}; the token is kept in {} (readable by you only)",
        file.display()
    ));
    Ok(())
}

/// `zopdeck logout`: forgets the stored token of the API URL.
fn logout(cli: &Cli) -> Result<(), CliError> {
    let Some(url) = cli.global.api_url.clone() else {
        return Err(
            "logout needs the API: zopdeck logout --api-url https://zopnight.com/api".into(),
        );
    };
    if crate::credentials::forget(&url)? {
        output::note(format!("the token for {url} is forgotten"));
    } else {
        output::note(format!("no token was stored for {url}"));
    }
    if std::env::var(crate::credentials::ENV).is_ok_and(|t| !t.trim().is_empty()) {
        output::note(format!(
            "note: {} is set in this shell and is used before the stored one",
            crate::credentials::ENV
        ));
    }
    Ok(())
}

/// Runs a headless command; `Err` carries the message for stderr.
pub async fn run(cli: &Cli, command: &Command) -> Result<(), CliError> {
    if let Command::Login = command {
        return login(cli).await;
    }
    if let Command::Logout = command {
        return logout(cli);
    }
    let needs_workers = match command {
        Command::Deployments(DeploymentsCmd::Create { wait, .. })
        | Command::Rollback { wait, .. }
        | Command::Configs { wait, .. } => !wait.no_wait,
        Command::Deployments(DeploymentsCmd::Delete { wait, .. }) => !wait.no_wait,
        Command::Deployments(DeploymentsCmd::Wait { .. }) => true,
        Command::Serve { .. } => true,
        _ => false,
    };
    let mutates = !matches!(
        command,
        Command::Doctor
            | Command::Serve { .. }
            | Command::Login
            | Command::Logout
            | Command::Token(TokenCmd::List { .. })
            | Command::Deployments(
                DeploymentsCmd::List { .. }
                    | DeploymentsCmd::Get { .. }
                    | DeploymentsCmd::Wait { .. }
            )
            | Command::Events { .. }
            | Command::Revisions { .. }
            | Command::Analyze { .. }
            | Command::Environments {
                cmd: None | Some(EnvironmentsCmd::List { .. }),
                ..
            }
            | Command::Spaces {
                cmd: None | Some(SpacesCmd::List { .. }),
                ..
            }
    );
    let ctx = open_backend(cli, needs_workers).await?;
    if mutates && (cli.global.read_only || ctx.config.read_only) {
        return Err(CliError::new(
            error::Exit::Auth,
            "zopdeck is in read-only mode (--read-only or read_only = true): this command changes things",
        ));
    }
    if let Some(engine) = ctx.engine.as_ref().filter(|e| mutates && e.is_read_only()) {
        return Err(fmt(engine
            .store()
            .read_only_error("this command changes things")));
    }
    let b = ctx.backend.as_ref();
    let result = match command {
        Command::Doctor => doctor(&ctx).await,
        Command::Login | Command::Logout => Ok(()),
        Command::Serve {
            listen,
            no_websocket,
            ..
        } => match &ctx.engine {
            Some(engine) => {
                let engine = std::sync::Arc::clone(engine);
                let opts = crate::backend::serve::ServeOptions {
                    websocket: !no_websocket,
                    read_only: cli.global.read_only || ctx.config.read_only,
                };
                Ok(crate::backend::serve::serve(engine, *listen, opts).await?)
            }
            None => Err("serve needs the embedded engine".into()),
        },
        Command::Token(cmd) => token(&ctx, cmd),
        Command::Deployments(cmd) => deployments(b, cmd).await,
        Command::Events {
            deployment,
            env,
            after,
            output,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let events = b.list_events(&d.id, after.as_deref()).await.map_err(fmt)?;
            let numbers = revision_numbers(b, &d.id).await;
            output::print(output.format, &events, || {
                events
                    .iter()
                    .map(|e| vec![event_line(e, rev_number(&numbers, e))])
                    .collect()
            })
        }
        Command::Revisions {
            deployment,
            env,
            output,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let revs = b.list_revisions(&d.id).await.map_err(fmt)?;
            output::print(output.format, &revs, || {
                revision_rows(&revs, d.current_revision_id.as_deref())
            })
        }
        Command::Rollback {
            deployment,
            to,
            env,
            wait,
            output,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let target = resolve_revision(b, &d, to).await?;
            let rev = b.rollback(&d.id, &target.id).await.map_err(fmt)?;
            output::note(format!(
                "rollback of {} to #{} created revision #{}",
                d.name, target.number, rev.number
            ));
            follow(b, &d, &rev, wait, output.format).await
        }
        Command::Configs {
            deployment,
            patch,
            env,
            wait,
            output,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let patch: serde_json::Value = serde_json::from_str(patch)
                .map_err(|e| CliError::usage(format!("the patch is not valid JSON: {e}")))?;
            let updated = b.patch_configs(&d.id, patch).await.map_err(fmt)?;
            if updated.configs == d.configs {
                // The newest revision may be an earlier patch still on its way: not this one.
                output::note(format!(
                    "no change: the configs of {} already say that; no new revision",
                    d.name
                ));
                print_deployment(b, &d.id, output.format).await
            } else {
                let revs = b.list_revisions(&d.id).await.map_err(fmt)?;
                match revs.first().filter(|r| r.trigger == Trigger::Config) {
                    Some(rev) => {
                        output::note(format!(
                            "configs of {} patched: revision #{}",
                            d.name, rev.number
                        ));
                        follow(b, &updated, rev, wait, output.format).await
                    }
                    None => Err(fail!(
                        "the configs of {} changed but no config revision is listed; \
                         `zopdeck revisions {}` shows what there is",
                        d.name,
                        d.name
                    )),
                }
            }
        }
        Command::Analyze {
            deployment,
            env,
            output,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let report = b.analyze(&d.id).await.map_err(fmt)?;
            output::print(output.format, &report, || {
                let mut rows = vec![vec![
                    "SEVERITY".into(),
                    "CODE".into(),
                    "FIELD".into(),
                    "MESSAGE".into(),
                ]];
                rows.extend(report.warnings.iter().map(|w| {
                    vec![
                        w.severity.as_str().into(),
                        w.code.clone(),
                        w.field.clone().unwrap_or_default(),
                        w.message.clone(),
                    ]
                }));
                rows
            })
        }
        Command::Environments { cmd, output } => {
            super::spaces::environments(b, cmd.as_ref(), output).await
        }
        Command::Spaces { cmd, output } => super::spaces::spaces(&ctx, cmd.as_ref(), output).await,
    };
    if let Some(engine) = &ctx.engine {
        engine.stop(Duration::from_secs(5)).await;
    }
    result
}

pub(super) fn fmt(e: BackendError) -> CliError {
    CliError::from(e)
}

async fn deployments(b: &dyn Backend, cmd: &DeploymentsCmd) -> Result<(), CliError> {
    match cmd {
        DeploymentsCmd::List { env, output } => {
            let env_id = match env {
                Some(e) => Some(resolve_env(b, e).await?.id),
                None => None,
            };
            let deps = b.list_deployments(env_id.as_deref()).await.map_err(fmt)?;
            let envs = b.list_environments().await.map_err(fmt)?;
            let name = |id: &str| {
                envs.iter()
                    .find(|e| e.id == id)
                    .map_or(id.to_string(), |e| e.name.clone())
            };
            output::print(output.format, &deps, || deployment_rows(&deps, &name))
        }
        DeploymentsCmd::Get {
            deployment,
            env,
            output,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            output::print(output.format, &d, || {
                let mut rows = vec![];
                let v = serde_json::to_value(&d).unwrap_or_default();
                if let Some(obj) = v.as_object() {
                    for (k, v) in obj {
                        rows.push(vec![
                            format!("{k}:"),
                            v.as_str().map_or_else(|| v.to_string(), str::to_string),
                        ]);
                    }
                }
                rows
            })
        }
        DeploymentsCmd::Create {
            name,
            env,
            image,
            repo,
            branch,
            configs,
            wait,
            output,
        } => {
            let env = resolve_env(b, env).await?;
            let configs =
                match configs {
                    Some(c) => Some(serde_json::from_str(c).map_err(|e| {
                        CliError::usage(format!("--configs is not valid JSON: {e}"))
                    })?),
                    None => None,
                };
            let req = NewDeployment {
                name: name.clone(),
                env_id: Some(env.id.clone()),
                source_type: Some(if repo.is_some() {
                    SourceType::Git
                } else {
                    SourceType::Image
                }),
                repo_url: repo.clone(),
                branch: branch.clone(),
                image: image.clone(),
                configs,
                ..Default::default()
            };
            let d = b.create_deployment(req).await.map_err(fmt)?;
            output::note(format!("created {} ({}) in {}", d.name, d.id, env.name));
            let rev = first_revision(b, &d).await?;
            follow(b, &d, &rev, wait, output.format).await
        }
        DeploymentsCmd::Delete {
            deployment,
            env,
            wait,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let report = b.delete_deployment(&d.id).await.map_err(fmt)?;
            if report.already_clean {
                output::note(format!("{}: already clean", d.name));
                return Ok(());
            }
            if wait.no_wait {
                output::note(format!(
                    "{}: teardown queued; it runs where the workers run",
                    d.name
                ));
                return Ok(());
            }
            follow_teardown(b, &d, wait).await
        }
        DeploymentsCmd::Wait {
            deployment,
            env,
            wait_timeout,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let rev = first_revision(b, &d).await?;
            let wait = WaitArgs {
                no_wait: false,
                wait_timeout: *wait_timeout,
            };
            follow(b, &d, &rev, &wait, OutputFormat::Table).await
        }
    }
}

/// The deployment's newest revision (what a create or `wait` follows).
async fn first_revision(b: &dyn Backend, d: &Deployment) -> Result<Revision, CliError> {
    b.list_revisions(&d.id)
        .await
        .map_err(fmt)?
        .into_iter()
        .next()
        .ok_or_else(|| CliError::not_found(format!("{} has no revision", d.name)))
}

async fn revision_numbers(b: &dyn Backend, dep: &str) -> Vec<(String, u32)> {
    b.list_revisions(dep)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.id, r.number))
        .collect()
}

fn rev_number(numbers: &[(String, u32)], e: &Event) -> Option<u32> {
    let id = e.revision_id.as_deref()?;
    numbers.iter().find(|(r, _)| r == id).map(|(_, n)| *n)
}

/// Follows a revision's rollout, printing events to stderr, until it is active or failed.
async fn follow(
    b: &dyn Backend,
    d: &Deployment,
    rev: &Revision,
    wait: &WaitArgs,
    format: OutputFormat,
) -> Result<(), CliError> {
    if wait.no_wait {
        match b.kind() {
            crate::backend::BackendKind::Remote { url } => output::note(format!(
                "queued on {url}; follow it with `zopdeck deployments wait {}`",
                d.name
            )),
            crate::backend::BackendKind::Embedded { .. } => output::note(
                "queued; it rolls out when a zopdeck with workers runs on this data dir (the TUI, or a command without --no-wait)",
            ),
        }
        return print_deployment(b, &d.id, format).await;
    }
    let mut sub = b.subscribe();
    let mut last: Option<String> = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait.wait_timeout);
    loop {
        let events = b.list_events(&d.id, last.as_deref()).await.map_err(fmt)?;
        for e in &events {
            if e.revision_id.as_deref() == Some(rev.id.as_str()) {
                output::note(event_line(e, Some(rev.number)));
            }
            last = Some(e.id.clone());
        }
        let now = b.get_revision(&d.id, &rev.id).await.map_err(fmt)?;
        match now.status {
            RevisionStatus::Active => {
                output::note(format!("{} revision #{} is active", d.name, rev.number));
                return print_deployment(b, &d.id, format).await;
            }
            RevisionStatus::Failed => {
                let all = b.list_events(&d.id, None).await.map_err(fmt)?;
                let reason = all
                    .iter()
                    .rev()
                    .filter(|e| e.revision_id.as_deref() == Some(rev.id.as_str()))
                    .find_map(|e| e.meta.get("reason").and_then(|r| r.as_str()))
                    .unwrap_or("see `zopdeck events`");
                return Err(fail!(
                    "{} revision #{} failed: {reason}",
                    d.name,
                    rev.number
                ));
            }
            RevisionStatus::Superseded => {
                return Err(fail!(
                    "{} revision #{} was superseded by a newer revision",
                    d.name,
                    rev.number
                ));
            }
            _ => {}
        }
        tokio::select! {
            _ = sub.next() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = tokio::time::sleep_until(deadline) => {
                return Err(fail!("gave up waiting after {} s; the rollout goes on — follow it with `zopdeck deployments wait {}`", wait.wait_timeout, d.name));
            }
        }
    }
}

/// Follows a teardown, printing its events, until the deployment is gone (or it failed).
async fn follow_teardown(b: &dyn Backend, d: &Deployment, wait: &WaitArgs) -> Result<(), CliError> {
    let mut sub = b.subscribe();
    let mut last: Option<String> = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait.wait_timeout);
    loop {
        let events = match b.list_events(&d.id, last.as_deref()).await {
            Ok(events) => events,
            Err(BackendError::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(fmt(e)),
        };
        for e in &events {
            if e.stage == Stage::TearingDown {
                output::note(event_line(e, None));
            }
            last = Some(e.id.clone());
        }
        match b.get_deployment(&d.id).await {
            Err(BackendError::NotFound { .. }) => {
                output::note(format!("{}: torn down and deleted", d.name));
                return Ok(());
            }
            Err(e) => return Err(fmt(e)),
            Ok(now) if now.status == DeploymentStatus::Failed => {
                let reason = events
                    .iter()
                    .rev()
                    .filter(|e| e.stage == Stage::TearingDown)
                    .find_map(|e| e.meta.get("reason").and_then(|r| r.as_str()))
                    .unwrap_or("see `zopdeck events`");
                return Err(fail!("teardown of {} failed: {reason}", d.name));
            }
            Ok(_) => {}
        }
        tokio::select! {
            _ = sub.next() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = tokio::time::sleep_until(deadline) => {
                return Err(fail!(
                    "gave up waiting after {} s; the teardown goes on — check with `zopdeck deployments get {}`",
                    wait.wait_timeout, d.name
                ));
            }
        }
    }
}

async fn print_deployment(b: &dyn Backend, id: &str, format: OutputFormat) -> Result<(), CliError> {
    let d = b.get_deployment(id).await.map_err(fmt)?;
    output::print_one(format, &d, &d.id)
}

pub async fn resolve_env(b: &dyn Backend, name_or_id: &str) -> Result<Environment, CliError> {
    let envs = b.list_environments().await.map_err(fmt)?;
    envs.iter()
        .find(|e| e.id == name_or_id)
        .or_else(|| envs.iter().find(|e| e.name == name_or_id))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
            CliError::not_found(format!(
                "no environment {name_or_id:?}; there are: {}",
                names.join(", ")
            ))
        })
}

/// A deployment by id, or by name (within `env` when given).
pub async fn resolve(
    b: &dyn Backend,
    name_or_id: &str,
    env: Option<&str>,
) -> Result<Deployment, CliError> {
    if name_or_id.starts_with("dep_") {
        return b.get_deployment(name_or_id).await.map_err(fmt);
    }
    let env_id = match env {
        Some(e) => Some(resolve_env(b, e).await?.id),
        None => None,
    };
    let matches: Vec<Deployment> = b
        .list_deployments(env_id.as_deref())
        .await
        .map_err(fmt)?
        .into_iter()
        .filter(|d| d.name == name_or_id)
        .collect();
    match matches.len() {
        0 => Err(CliError::not_found(format!(
            "no deployment named {name_or_id:?}; `zopdeck deployments list` shows them"
        ))),
        1 => Ok(matches.into_iter().next().ok_or("no deployment")?),
        n => Err(CliError::usage(format!(
            "{n} deployments are named {name_or_id:?}; pick one with --env"
        ))),
    }
}

async fn resolve_revision(b: &dyn Backend, d: &Deployment, r: &str) -> Result<Revision, CliError> {
    let revs = b.list_revisions(&d.id).await.map_err(fmt)?;
    let number = r.trim_start_matches('#').parse::<u32>().ok();
    revs.into_iter()
        .find(|rev| rev.id == r || Some(rev.number) == number)
        .ok_or_else(|| {
            CliError::not_found(format!(
                "{} has no revision {r:?}; `zopdeck revisions {}` lists them",
                d.name, d.name
            ))
        })
}

fn token(ctx: &Context, cmd: &TokenCmd) -> Result<(), CliError> {
    use crate::backend::engine::store::tokens::{self, Role};
    let Some(engine) = &ctx.engine else {
        return Err("tokens live in the embedded engine".into());
    };
    let store = engine.store();
    let now = engine.clock().now();
    match cmd {
        TokenCmd::Create { name, role } => {
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Deployer => Role::Deployer,
                RoleArg::Viewer => Role::Viewer,
            };
            let (id, secret) = store
                .write(|c| tokens::create(c, name, role, &now))
                .map_err(fmt)?;
            output::note(format!(
                "token {id} ({}) created; it is shown once — keep it somewhere safe:",
                role.as_str()
            ));
            output::line(&secret);
            Ok(())
        }
        TokenCmd::List { output } => {
            let list = store.read(tokens::list).map_err(fmt)?;
            output::print(output.format, &list, || {
                let mut rows = vec![vec![
                    "ID".into(),
                    "NAME".into(),
                    "ROLE".into(),
                    "CREATED".into(),
                    "STATE".into(),
                ]];
                rows.extend(list.iter().map(|t| {
                    let state = if t.revoked { "revoked" } else { "active" };
                    vec![
                        t.id.clone(),
                        t.name.clone(),
                        t.role.as_str().into(),
                        t.created_at.clone(),
                        state.into(),
                    ]
                }));
                rows
            })
        }
        TokenCmd::Revoke { token } => {
            if store
                .write(|c| tokens::revoke(c, token, &now))
                .map_err(fmt)?
            {
                output::note(format!("token {token} revoked"));
                Ok(())
            } else {
                Err(fail!(
                    "no active token {token:?}; `zopdeck token list` shows them"
                ))
            }
        }
    }
}

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

async fn doctor(ctx: &Context) -> Result<(), CliError> {
    let Some(engine) = &ctx.engine else {
        output::line(format!("zopdeck {}", env!("CARGO_PKG_VERSION")));
        if let crate::backend::BackendKind::Remote { url } = ctx.backend.kind() {
            output::line(format!("backend:       remote API {url}"));
        }
        if std::env::var(crate::credentials::ENV).is_ok_and(|t| !t.trim().is_empty()) {
            output::line(format!("token:         from {}", crate::credentials::ENV));
        } else if let Some(file) = crate::credentials::path() {
            output::line(format!("token:         from {}", file.display()));
        }
        let envs = ctx
            .backend
            .list_environments()
            .await
            .map_err(|e| format!("the API is not usable: {e}"))?;
        output::line(format!(
            "reachable:     yes ({} environment(s))",
            envs.len()
        ));
        output::line(format!("live stream:   {}", live_stream(ctx).await));
        return Ok(());
    };
    output::line(format!("zopdeck {}", env!("CARGO_PKG_VERSION")));
    output::line(format!("data dir:      {}", ctx.data_dir.display()));
    let store = ctx.data_dir.join(engine::STORE_FILE);
    let version = engine.store().schema_version().map_err(fmt)?;
    let access = if engine.is_read_only() {
        ", read-only: the data dir cannot be written"
    } else {
        ""
    };
    output::line(format!(
        "store:         {} (schema version {version}{access})",
        store.display()
    ));
    let damaged = match engine.store().quick_check() {
        Ok(Ok(())) => None,
        Ok(Err(problems)) => Some(problems.join("; ")),
        Err(e) => Some(e.to_string()),
    };
    match &damaged {
        None => output::line("quick check:   ok"),
        Some(problems) => output::line(format!(
            "quick check:   FAILED: {problems} — the store is damaged; move it aside with its \
             -wal and -shm files (zopdeck then starts afresh), or restore a backup"
        )),
    }
    output::line(format!(
        "sandbox state: {}",
        ctx.data_dir.join(engine::SANDBOX_FILE).display()
    ));
    output::line(format!(
        "log file:      {}",
        ctx.data_dir.join(paths::LOG_FILE).display()
    ));
    match &ctx.config_file {
        Some(p) if p.exists() => output::line(format!("config file:   {}", p.display())),
        Some(p) => output::line(format!(
            "config file:   {} (not present: embedded defaults in use)",
            p.display()
        )),
        None => output::line("config file:   (none: embedded defaults in use)"),
    }
    output::line(format!(
        "backend:       embedded engine (sandbox speed {}x)",
        engine.sandbox().settings().speed
    ));
    output::line(format!(
        "open jobs:     {}",
        engine.open_jobs().map_err(fmt)?
    ));
    output::line("spaces:");
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
        ));
    }
    output::line("environments:");
    let b = ctx.backend.as_ref();
    for env in b.list_environments().await.map_err(fmt)? {
        let n = b.list_deployments(Some(&env.id)).await.map_err(fmt)?.len();
        output::line(format!(
            "  {:<12} namespace {:<12} {n} deployment(s)",
            env.name, env.namespace
        ));
    }
    let stuck = engine.stuck_releases().await.map_err(fmt)?;
    if stuck.is_empty() {
        output::line("stuck releases: none");
    } else {
        output::line("stuck releases:");
        for s in &stuck {
            match &s.release {
                Some(r) => output::line(format!(
                    "  {} in {} ({}): {} at revision {} — {}",
                    r.name, s.namespace, s.environment, r.status, r.version, s.advice
                )),
                None => output::line(format!(
                    "  {} ({}): {}",
                    s.namespace, s.environment, s.advice
                )),
            }
        }
    }
    match damaged {
        None => Ok(()),
        Some(_) => Err("the store is damaged: see the quick check above".into()),
    }
}
