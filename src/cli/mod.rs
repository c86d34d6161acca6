//! The command line: `zopdeck` opens the TUI; `zopdeck <noun> <verb>` runs headless, for
//! scripts and CI — one subcommand per operation of the contract.

mod args;
mod audit;
mod commands;
mod deployments;
mod docs;
mod doctor;
pub mod error;
mod follow;
mod output;
mod promote;
mod resolve;
mod spaces;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use args::*;
pub use commands::{Context, open_backend, open_backend_as, run, runtime_threads};

#[derive(Debug, Parser)]
#[command(
    name = "zopdeck",
    version,
    about = "A terminal control plane for ZopNight-style deployments",
    long_about = "A terminal control plane for ZopNight-style deployments.\n\n\
                  With no command, zopdeck opens the TUI (the environment canvas). With one, it \
                  runs headless on the same backend: the embedded engine on the data dir, or a \
                  ZopNight-compatible API with --api-url.",
    after_help = error::EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Open the canvas of the environment bound to this kubeconfig context (offering to
    /// register the context and create the environment when there is none). TUI only.
    #[arg(long, value_name = "CTX")]
    pub context: Option<String>,
    /// Open the canvas of the environment bound to this namespace (with --context: on that
    /// context). TUI only.
    #[arg(short = 'n', long, value_name = "NS")]
    pub namespace: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Where the embedded engine keeps its data.
    #[arg(long, global = true, env = "ZOPDECK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A config file to merge over the embedded defaults.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// On the first run, do not create the demo deployments.
    #[arg(long, global = true)]
    pub no_demo: bool,
    /// Disable every changing action (`serve`: refuse every changing request).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Use a ZopNight-compatible API (e.g. https://zopnight.com/api) instead of the embedded
    /// engine; the token comes from ZOPNIGHT_TOKEN or `zopdeck login`.
    #[arg(long, global = true, env = "ZOPDECK_API_URL", value_name = "URL")]
    pub api_url: Option<String>,
    /// Keep the embedded engine's store in PostgreSQL (postgres://USER:PASSWORD@HOST:PORT/DB)
    /// instead of the data directory's SQLite file — one database several `zopdeck serve`
    /// replicas share. Default: `[store] url` in the config.
    #[arg(
        long,
        global = true,
        env = "ZOPDECK_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// How long one request to the API may take (remote API only), e.g. 30s, 2m; a bare
    /// number is seconds.
    #[arg(
        long,
        global = true,
        default_value = "30s",
        value_name = "DURATION",
        value_parser = args::positive_duration
    )]
    pub request_timeout: Duration,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns, coloured on a terminal unless NO_COLOR is set.
    #[default]
    Table,
    /// The contract's objects, stable for scripts (`events --follow`: one object per line).
    Json,
    /// The same objects as YAML.
    Yaml,
    /// Names (or ids, for what has no name), one per line.
    Name,
}

#[derive(Debug, Clone, Args)]
pub struct OutputArg {
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// Return once the change is queued instead of following its rollout.
    #[arg(long)]
    pub no_wait: bool,
    /// Give up following the rollout after this long (e.g. 90s, 5m, 1h; a bare number is
    /// seconds). The rollout goes on.
    #[arg(
        long,
        alias = "wait-timeout",
        default_value = "15m",
        value_name = "DURATION",
        value_parser = args::positive_duration
    )]
    pub timeout: Duration,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show where data and config live, the schema version, and whether each space is reachable.
    Doctor,
    /// Serve the embedded engine over the ZopNight HTTP API (under /api).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8787", value_name = "ADDR:PORT")]
        listen: std::net::SocketAddr,
        /// Offer no live stream (/api/ws): clients poll, as on a platform without one.
        #[arg(long)]
        no_websocket: bool,
        /// Let git deployments clone local paths and file:// URLs (by default the server
        /// clones only https://, ssh:// and git@host:path repositories).
        #[arg(long)]
        allow_local_repos: bool,
    },
    /// Store a token for an API URL (asked without echo; kept in a file only you can read).
    Login,
    /// Forget the stored token of an API URL.
    Logout,
    /// API tokens for `zopdeck serve`.
    #[command(subcommand)]
    Token(TokenCmd),
    /// List environments (the default), show or create one.
    #[command(
        alias = "envs",
        alias = "environment",
        alias = "env",
        args_conflicts_with_subcommands = true
    )]
    Environments {
        #[command(subcommand)]
        cmd: Option<EnvironmentsCmd>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// List, show, create, delete and wait for deployments.
    #[command(subcommand, alias = "deployment", alias = "dep")]
    Deployments(DeploymentsCmd),
    /// Show a deployment's configs, or patch them (`configs DEP PATCH` is `configs patch`).
    #[command(
        alias = "config",
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true
    )]
    Configs {
        #[command(subcommand)]
        cmd: Option<ConfigsCmd>,
        #[command(flatten)]
        patch: ConfigsPatch,
    },
    /// Place a deployment's card on the canvas.
    #[command(subcommand, alias = "pos")]
    Position(PositionCmd),
    /// Check a deployment's configs for risky settings.
    Analyze {
        deployment: String,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// A deployment's revisions, newest first (`revisions DEP` is `revisions list DEP`); show
    /// one, or create one from a built image.
    #[command(
        alias = "revision",
        alias = "rev",
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true
    )]
    Revisions {
        #[command(subcommand)]
        cmd: Option<RevisionsCmd>,
        #[command(flatten)]
        list: RevisionsList,
    },
    /// Roll a deployment back to an earlier revision (a new revision, cloned from it).
    Rollback {
        deployment: String,
        /// The revision: its number (`3` or `#3`) or id.
        #[arg(long = "to")]
        to: String,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Promote a revision to another environment: a new revision there with its image and
    /// configs (trigger `promote`), followed to active.
    Promote {
        /// The deployment (by name, as it is called in both environments, or by id).
        deployment: String,
        /// The environment it comes from (default: the deployment's own).
        #[arg(long, value_name = "ENV")]
        from: Option<String>,
        /// The environment it goes to.
        #[arg(long, value_name = "ENV")]
        to: String,
        /// The revision to promote: its number (`18`, `#18`) or id (default: the one active
        /// in --from).
        #[arg(long, value_name = "REV")]
        revision: Option<String>,
        /// Create the deployment in --to when it has none of that name (with the revision's
        /// image and configs).
        #[arg(long)]
        create: bool,
        /// Follow the rollout (the default; --no-wait only queues it).
        #[arg(long, conflicts_with = "no_wait")]
        wait: bool,
        #[command(flatten)]
        follow: WaitArgs,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Card layouts across environments.
    #[command(subcommand)]
    Layout(LayoutCmd),
    /// A deployment's events, oldest first; `--follow` keeps printing them as they come.
    Events {
        deployment: String,
        #[arg(long)]
        env: Option<String>,
        /// Only events after this event id.
        #[arg(long, value_name = "EVENT_ID")]
        after: Option<String>,
        /// Keep printing new events until interrupted (or the deployment is deleted); with
        /// `-o json`, one JSON object per line.
        #[arg(short, long)]
        follow: bool,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Who changed what through `zopdeck serve`, newest first (on a server: an admin token).
    Audit {
        /// Only what was done to this deployment (name, with --env when it is ambiguous, or id).
        #[arg(long)]
        deployment: Option<String>,
        #[arg(long, requires = "deployment")]
        env: Option<String>,
        /// Only what this token (by name) did.
        #[arg(long, value_name = "NAME")]
        token: Option<String>,
        /// Only since this time (2026-12-05T09:00:00Z) or this long ago (2h, 7d).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// A deployment's LoadBalancer: status, address, ports, TLS.
    #[command(alias = "loadbalancer")]
    Lb {
        deployment: String,
        #[arg(long)]
        env: Option<String>,
        /// Wait until the public address is there.
        #[arg(long)]
        wait: bool,
        /// With --wait: give up after this long (e.g. 90s, 5m; a bare number is seconds).
        #[arg(
            long,
            requires = "wait",
            default_value = "5m",
            value_name = "DURATION",
            value_parser = args::positive_duration
        )]
        timeout: Duration,
        #[command(flatten)]
        output: OutputArg,
    },
    /// List spaces and whether their clusters answer (the default); show, create, activate or
    /// deactivate, delete one.
    #[command(alias = "space", args_conflicts_with_subcommands = true)]
    Spaces {
        #[command(subcommand)]
        cmd: Option<SpacesCmd>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// The namespaces of a space's cluster, and creating one.
    #[command(subcommand, alias = "namespace", alias = "ns")]
    Namespaces(NamespacesCmd),
    /// The clusters discovered on a cloud account.
    #[command(subcommand, alias = "cluster")]
    Clusters(ClustersCmd),
    /// Register (grant) or revoke zopdeck's access to a cloud account's cluster.
    #[command(subcommand)]
    Access(AccessCmd),
    /// Print a shell completion script (e.g. `zopdeck completions bash > ~/.local/share/bash-completion/completions/zopdeck`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (or, with --dir, write one page per command there).
    Man {
        /// Write zopdeck.1 and a page per subcommand (zopdeck-deployments.1, …) into DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}
