//! The headless commands, all on the `Backend` trait.

use std::sync::Arc;
use std::time::Duration;

use super::error::{self, CliError};
use super::output;
use super::resolve::resolve;
use super::{
    Cli, ClustersCmd, Command, ConfigsCmd, DeploymentsCmd, EnvironmentsCmd, LayoutCmd,
    NamespacesCmd, OutputFormat, RevisionsCmd, RoleArg, SpacesCmd, TokenCmd,
};
use crate::backend::engine::{Engine, EngineSettings, OpenOptions};
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

/// Worker threads for the async runtime, when tokio's default (one per core) is not best:
/// `serve` on PostgreSQL, whose store calls hold a worker for their round trips — with more
/// workers than cores, more requests wait on the database at once (measured on 2 cores with
/// 50 writers: 2,700 → 4,300 PUTs/s, p99 34 → 22 ms). On SQLite, whose calls take turns on
/// one connection, more workers only lengthen the tail.
pub fn runtime_threads(cli: &Cli) -> Option<usize> {
    if !matches!(cli.command, Some(Command::Serve { .. })) || cli.global.api_url.is_some() {
        return None;
    }
    // A broken config file is reported when the backend opens.
    let config = load_config(cli).ok()?;
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    database_url(cli, &config)
        .is_some()
        .then(|| (cores * 4).clamp(8, crate::backend::engine::store::pg::MAX_CONNECTIONS))
}

/// The config file's settings (`--config`, else the user's file, over the built-in ones).
fn load_config(cli: &Cli) -> Result<Config, CliError> {
    let file = paths::config_file(cli.global.config.as_deref());
    Config::load(file.as_deref(), cli.global.config.is_some())
        .map_err(|e| CliError::usage(e.to_string()))
}

/// The PostgreSQL store's URL, when the engine's store is there: `--database` (or its
/// variable), else `[store] url`; `None` for SQLite.
fn database_url(cli: &Cli, config: &Config) -> Option<String> {
    cli.global
        .database
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .or_else(|| Some(config.store.url.trim()).filter(|u| !u.is_empty()))
        .map(str::to_string)
}

/// How a command opens the engine: (workers, viewer). A read-only `serve` runs no workers (they
/// write): on SQLite it follows the process that runs them — a TUI or another `serve` on the
/// data dir — instead of refusing to start beside it, and takes them over once that process
/// is gone, as a second TUI does; on PostgreSQL the other replicas run them.
fn engine_mode(cli: &Cli, config: &Config, command: &Command) -> (bool, bool) {
    match command {
        Command::Serve { .. } if cli.global.read_only || config.read_only => {
            (false, database_url(cli, config).is_none())
        }
        _ => (needs_workers(command), false),
    }
}

/// Opens the backend for a command: the remote API when an API URL is set, else the embedded
/// engine (`workers` when the command carries jobs out).
pub async fn open_backend(cli: &Cli, workers: bool) -> Result<Context, CliError> {
    open_backend_as(cli, workers, false).await
}

/// Opens the backend; `viewer`: without workers, following the process that runs them (and
/// taking them over once it is gone).
pub async fn open_backend_as(cli: &Cli, workers: bool, viewer: bool) -> Result<Context, CliError> {
    open_backend_with(cli, load_config(cli)?, workers, viewer).await
}

/// `open_backend_as` with the config file already read.
async fn open_backend_with(
    cli: &Cli,
    config: Config,
    workers: bool,
    viewer: bool,
) -> Result<Context, CliError> {
    let config_file = paths::config_file(cli.global.config.as_deref());
    let data_dir = paths::data_dir(cli.global.data_dir.as_deref())?;
    let api_url = cli
        .global
        .api_url
        .clone()
        .or_else(|| config.api_url.clone())
        .filter(|u| !u.trim().is_empty());
    if let Some(url) = api_url {
        let token =
            crate::credentials::token_for(&url).map_err(|e| CliError::new(error::Exit::Auth, e))?;
        let options = crate::backend::remote::RemoteOptions {
            websocket: config.remote.websocket,
            timeout: cli.global.request_timeout,
        };
        let remote = crate::backend::remote::RemoteBackend::connect_with(&url, &token, options)
            .map_err(fmt)?;
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
    settings.database_url = database_url(cli, &config);
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
            viewer,
        },
    )
    .await
    .map_err(fmt)?;
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
        return Err(CliError::usage(
            "login needs the API: zopdeck login --api-url https://zopnight.com/api",
        ));
    };
    let token =
        rpassword::prompt_password(format!("token for {url} (input hidden): ")).map_err(|e| {
            CliError::usage(format!(
                "login asks for the token on a terminal, and there is none here ({e}); in \
                 scripts set {} instead",
                crate::credentials::ENV
            ))
        })?;
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(CliError::usage(
            "no token given; paste the token (zn_pat_…) at the prompt",
        ));
    }
    let options = crate::backend::remote::RemoteOptions {
        timeout: cli.global.request_timeout,
        ..Default::default()
    };
    let remote =
        crate::backend::remote::RemoteBackend::connect_with(&url, &token, options).map_err(fmt)?;
    if let Err(e) = remote.list_environments().await {
        let e = CliError::from(e);
        return Err(CliError::new(
            e.exit,
            format!(
                "the token was not accepted: {}; nothing was stored",
                e.message
            ),
        ));
    }
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
        return Err(CliError::usage(
            "logout needs the API: zopdeck logout --api-url https://zopnight.com/api",
        ));
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

/// Whether a command changes anything (refused by `--read-only`). What is not listed as a
/// read changes things, so a new command is refused until it is listed.
fn changes(command: &Command) -> bool {
    !matches!(
        command,
        Command::Doctor
            | Command::Serve { .. }
            | Command::Login
            | Command::Logout
            | Command::Completions { .. }
            | Command::Man { .. }
            | Command::Token(TokenCmd::List { .. })
            | Command::Deployments(
                DeploymentsCmd::List { .. }
                    | DeploymentsCmd::Get { .. }
                    | DeploymentsCmd::Wait { .. }
            )
            | Command::Configs {
                cmd: Some(ConfigsCmd::Get { .. }),
                ..
            }
            | Command::Events { .. }
            | Command::Audit { .. }
            | Command::Lb { .. }
            | Command::Revisions {
                cmd: None | Some(RevisionsCmd::List(_) | RevisionsCmd::Get { .. }),
                ..
            }
            | Command::Analyze { .. }
            | Command::Environments {
                cmd: None | Some(EnvironmentsCmd::List { .. } | EnvironmentsCmd::Get { .. }),
                ..
            }
            | Command::Spaces {
                cmd: None | Some(SpacesCmd::List { .. } | SpacesCmd::Get { .. }),
                ..
            }
            | Command::Namespaces(NamespacesCmd::List { .. })
            | Command::Clusters(ClustersCmd::List { .. })
            | Command::Layout(LayoutCmd::Copy { dry_run: true, .. })
    )
}

/// Whether the command carries jobs out (and so needs the embedded engine's workers).
fn needs_workers(command: &Command) -> bool {
    match command {
        Command::Deployments(DeploymentsCmd::Create { wait, .. })
        | Command::Deployments(DeploymentsCmd::Delete { wait, .. })
        | Command::Rollback { wait, .. }
        | Command::Promote { follow: wait, .. }
        | Command::Revisions {
            cmd: Some(RevisionsCmd::Create { wait, .. }),
            ..
        }
        | Command::Configs {
            cmd: Some(ConfigsCmd::Patch(super::ConfigsPatch { wait, .. })),
            ..
        } => !wait.no_wait,
        Command::Configs { cmd: None, patch } => !patch.wait.no_wait,
        Command::Deployments(DeploymentsCmd::Wait { .. }) | Command::Serve { .. } => true,
        _ => false,
    }
}

/// Whether the command queues a change it then follows (and so has `--no-wait`).
fn queues(command: &Command) -> bool {
    !matches!(
        command,
        Command::Deployments(DeploymentsCmd::Wait { .. }) | Command::Serve { .. }
    )
}

/// Runs a headless command; `Err` carries the message for stderr.
pub async fn run(cli: &Cli, command: &Command) -> Result<(), CliError> {
    match command {
        Command::Login => return login(cli).await,
        Command::Logout => return logout(cli),
        Command::Completions { shell } => return super::docs::completions(*shell),
        Command::Man { dir } => return super::docs::man(dir.as_deref()),
        _ => {}
    }
    let mutates = changes(command);
    let read_only = || {
        CliError::new(
            error::Exit::Auth,
            "zopdeck is in read-only mode (--read-only or read_only = true): this command changes \
             things; run it without --read-only (and with read_only = false in the config file)",
        )
    };
    if mutates && cli.global.read_only {
        return Err(read_only());
    }
    let config = load_config(cli)?;
    let (workers, viewer) = engine_mode(cli, &config, command);
    let ctx = match open_backend_with(cli, config, workers, viewer).await {
        Ok(ctx) => ctx,
        // Another zopdeck runs the workers of this data dir (the TUI): a change can still be
        // queued there, and that zopdeck carries it out.
        Err(e) if e.exit == error::Exit::Conflict && workers && queues(command) => {
            return Err(CliError::new(
                e.exit,
                format!(
                    "{}; or pass --no-wait: the zopdeck running there rolls the change out \
                     (`zopdeck events DEPLOYMENT --follow` shows it)",
                    e.message
                ),
            ));
        }
        Err(e) => return Err(e),
    };
    if mutates && ctx.config.read_only {
        return Err(read_only());
    }
    if let Some(engine) = ctx.engine.as_ref().filter(|e| mutates && e.is_read_only()) {
        return Err(fmt(engine
            .store()
            .read_only_error("this command changes things")));
    }
    let result = dispatch(cli, &ctx, command).await;
    if let Some(engine) = &ctx.engine {
        engine.stop(Duration::from_secs(5)).await;
    }
    match result {
        // The reader of stdout went away (`| head`): what it wanted, it has.
        Err(e) if e.is_output_closed() => Ok(()),
        result => result,
    }
}

async fn dispatch(cli: &Cli, ctx: &Context, command: &Command) -> Result<(), CliError> {
    let b = ctx.backend.as_ref();
    match command {
        Command::Doctor => super::doctor::doctor(ctx).await,
        Command::Login | Command::Logout | Command::Completions { .. } | Command::Man { .. } => {
            Ok(())
        }
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
            None => Err(CliError::usage(
                "serve runs the embedded engine: drop --api-url (and api_url in the config file)",
            )),
        },
        Command::Token(cmd) => token(ctx, cmd),
        Command::Environments { cmd, output } => {
            super::spaces::environments(b, cmd.as_ref(), output).await
        }
        Command::Deployments(cmd) => super::deployments::deployments(b, cmd).await,
        Command::Configs { cmd, patch } => {
            super::deployments::configs(b, cmd.as_ref(), patch).await
        }
        Command::Position(cmd) => super::deployments::position(b, cmd).await,
        Command::Analyze {
            deployment,
            env,
            output,
        } => super::deployments::analyze(b, deployment, env.as_deref(), output.format).await,
        Command::Revisions { cmd, list } => {
            super::deployments::revisions(b, cmd.as_ref(), list).await
        }
        Command::Rollback {
            deployment,
            to,
            env,
            wait,
            output,
        } => {
            super::deployments::rollback(b, deployment, to, env.as_deref(), wait, output.format)
                .await
        }
        Command::Promote {
            deployment,
            from,
            to,
            revision,
            create,
            wait: _,
            follow,
            output,
        } => {
            let how = super::promote::Promotion {
                from: from.as_deref(),
                to,
                revision: revision.as_deref(),
                create: *create,
            };
            super::promote::promote(b, deployment, &how, follow, output.format).await
        }
        Command::Layout(LayoutCmd::Copy {
            from,
            to,
            dry_run,
            output,
        }) => super::promote::copy_layout(b, from, to, *dry_run, output.format).await,
        Command::Events {
            deployment,
            env,
            after,
            follow,
            output,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            super::follow::events(b, &d, after.as_deref(), *follow, output.format, &ctx.config)
                .await
        }
        Command::Audit {
            deployment,
            env,
            token,
            since,
            output,
        } => {
            let which = super::audit::Which {
                deployment: deployment.as_deref(),
                env: env.as_deref(),
                token: token.as_deref(),
                since: since.as_deref(),
            };
            super::audit::audit(b, &which, output.format).await
        }
        Command::Lb {
            deployment,
            env,
            wait,
            timeout,
            output,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let timeout = wait.then_some(*timeout);
            super::follow::loadbalancer(b, &d, timeout, output.format).await
        }
        Command::Spaces { cmd, output } => super::spaces::spaces(ctx, cmd.as_ref(), output).await,
        Command::Namespaces(cmd) => super::spaces::namespaces(b, cmd).await,
        Command::Clusters(cmd) => super::spaces::clusters(b, cmd).await,
        Command::Access(cmd) => super::spaces::access(b, cmd).await,
    }
}

pub(super) fn fmt(e: BackendError) -> CliError {
    CliError::from(e)
}

pub(super) async fn print_deployment(
    b: &dyn Backend,
    id: &str,
    format: OutputFormat,
) -> Result<(), CliError> {
    let d = b.get_deployment(id).await.map_err(fmt)?;
    output::print_one(format, &d, &d.id)
}

fn token(ctx: &Context, cmd: &TokenCmd) -> Result<(), CliError> {
    use crate::backend::engine::store::tokens::{self, Role};
    let Some(engine) = &ctx.engine else {
        return Err(CliError::usage(
            "tokens live in the embedded engine behind `zopdeck serve`: run `zopdeck token …` \
             on the server's data dir, without --api-url",
        ));
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
            output::line(&secret)?;
            Ok(())
        }
        TokenCmd::List { output } => {
            let list = store.read(tokens::list).map_err(fmt)?;
            let shown: Vec<TokenView> = list.iter().map(TokenView::from).collect();
            output::print(output.format, &shown, || {
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
                Err(CliError::not_found(format!(
                    "no active token {token:?}; `zopdeck token list` shows them"
                )))
            }
        }
    }
}

/// A token as `token list -o json|yaml` shows it: named like the contract's objects
/// (camelCase), never its secret or hash.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenView<'a> {
    id: &'a str,
    name: &'a str,
    role: &'a str,
    created_at: &'a str,
    revoked: bool,
}

impl<'a> From<&'a crate::backend::engine::store::tokens::TokenInfo> for TokenView<'a> {
    fn from(t: &'a crate::backend::engine::store::tokens::TokenInfo) -> Self {
        Self {
            id: &t.id,
            name: &t.name,
            role: t.role.as_str(),
            created_at: &t.created_at,
            revoked: t.revoked,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// The command line `args` with an empty config file of its own (no `[store] url`, not
    /// read-only), whatever the user running the tests has.
    fn cli(config: &std::path::Path, args: &[&str]) -> Cli {
        let config = config.to_str().unwrap_or_default();
        Cli::parse_from(["zopdeck", "--config", config].iter().chain(args))
    }

    #[test]
    fn how_serve_opens_the_engine_and_its_runtime() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let empty = dir.path().join("config.toml");
        std::fs::write(&empty, "").unwrap_or_else(|e| panic!("{e}"));
        let ro = dir.path().join("read-only.toml");
        std::fs::write(&ro, "read_only = true\n").unwrap_or_else(|e| panic!("{e}"));
        let pg = ["--database", "postgres://z@localhost/z"];
        let run = |config: &std::path::Path, args: &[&str]| {
            let c = cli(config, args);
            let cmd = c.command.as_ref().unwrap_or_else(|| panic!("{args:?}"));
            let config = load_config(&c).unwrap_or_else(|e| panic!("{}", e.message));
            (engine_mode(&c, &config, cmd), runtime_threads(&c))
        };
        // SQLite: workers, tokio's default runtime; read-only (flag or file): a viewer.
        assert_eq!(run(&empty, &["serve"]), ((true, false), None));
        assert_eq!(
            run(&empty, &["--read-only", "serve"]),
            ((false, true), None)
        );
        assert_eq!(run(&ro, &["serve"]), ((false, true), None));
        // PostgreSQL: workers beside the other replicas, more runtime workers; read-only: none.
        let (mode, threads) = run(&empty, &[pg[0], pg[1], "serve"]);
        assert_eq!(mode, (true, false));
        assert!(threads.is_some_and(|n| n >= 8), "{threads:?}");
        let (mode, _) = run(&empty, &[pg[0], pg[1], "--read-only", "serve"]);
        assert_eq!(mode, (false, false));
        // Other commands keep their own needs and tokio's default.
        assert_eq!(
            run(&empty, &[pg[0], pg[1], "doctor"]),
            ((false, false), None)
        );
    }
}
