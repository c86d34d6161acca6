//! The command line: `zopdeck` opens the TUI; `zopdeck <noun> <verb>` runs headless, for
//! scripts and CI.

mod commands;
pub mod error;
mod output;
mod spaces;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use commands::{Context, open_backend, run};

#[derive(Debug, Parser)]
#[command(
    name = "zopdeck",
    version,
    about = "A terminal control plane for ZopNight-style deployments",
    after_help = error::EXIT_CODES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
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
    /// How long one request to the API may take (remote API only).
    #[arg(
        long,
        global = true,
        default_value_t = 30,
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub timeout: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns.
    #[default]
    Table,
    /// The contract's objects, stable for scripts.
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
    /// Give up waiting for the rollout after this many seconds.
    #[arg(long, default_value_t = 900, value_name = "SECONDS")]
    pub wait_timeout: u64,
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
    /// List, show, create, delete and wait for deployments.
    #[command(subcommand, alias = "deployment", alias = "dep")]
    Deployments(DeploymentsCmd),
    /// A deployment's events, oldest first.
    Events {
        deployment: String,
        #[arg(long)]
        env: Option<String>,
        /// Only events after this event id.
        #[arg(long)]
        after: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// A deployment's revisions, newest first.
    Revisions {
        deployment: String,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        output: OutputArg,
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
    /// Patch a deployment's configs with a JSON merge patch (`null` removes a key).
    Configs {
        deployment: String,
        /// e.g. '{"replicas": 3}'
        patch: String,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Check a deployment's configs for risky settings.
    Analyze {
        deployment: String,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// List environments (the default), or create one.
    #[command(
        alias = "envs",
        alias = "environment",
        args_conflicts_with_subcommands = true
    )]
    Environments {
        #[command(subcommand)]
        cmd: Option<EnvironmentsCmd>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// List spaces and whether their clusters answer (the default), or create one on a
    /// kubeconfig context.
    #[command(alias = "space", args_conflicts_with_subcommands = true)]
    Spaces {
        #[command(subcommand)]
        cmd: Option<SpacesCmd>,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum SpacesCmd {
    /// All spaces, with the live reachability of their clusters.
    #[command(alias = "ls")]
    List {
        #[command(flatten)]
        output: OutputArg,
    },
    /// A space on a kubeconfig context: registers the kubeconfig file as a cloud account if
    /// needed, registers access to the context once it answers, then creates the space.
    Create {
        #[arg(long)]
        name: String,
        /// The kubeconfig context the space deploys to.
        #[arg(long)]
        context: String,
        /// The kubeconfig file (default: the file of $KUBECONFIG holding the context, then
        /// ~/.kube/config). Embedded engine only.
        #[arg(long, value_name = "FILE", conflicts_with = "account")]
        kubeconfig: Option<PathBuf>,
        /// A cloud account that already holds the context (required on a remote API, where
        /// the kubeconfig is the server's).
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum EnvironmentsCmd {
    /// All environments.
    #[command(alias = "ls")]
    List {
        #[command(flatten)]
        output: OutputArg,
    },
    /// An environment bound to a namespace of a space (the namespace is created on the
    /// cluster when missing).
    Create {
        #[arg(long)]
        name: String,
        /// The space, by name or id.
        #[arg(long)]
        space: String,
        #[arg(long)]
        namespace: String,
        /// The registry images of this environment are pushed to.
        #[arg(long, value_name = "URL")]
        registry: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeploymentsCmd {
    /// All deployments, or one environment's.
    #[command(alias = "ls")]
    List {
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// One deployment, hydrated.
    Get {
        deployment: String,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Create a deployment from an image or a git repository and follow its rollout.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "demo")]
        env: String,
        /// Deploy this image (sourceType image).
        #[arg(long, conflicts_with = "repo")]
        image: Option<String>,
        /// Build from this git repository (sourceType git).
        #[arg(long)]
        repo: Option<String>,
        #[arg(long, requires = "repo")]
        branch: Option<String>,
        /// Configs as a JSON object, e.g. '{"port": 8080, "replicas": 2}'.
        #[arg(long)]
        configs: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Tear a deployment down and delete it.
    #[command(alias = "rm")]
    Delete {
        deployment: String,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Follow a deployment until its current revision is active (or failed).
    Wait {
        deployment: String,
        #[arg(long)]
        env: Option<String>,
        /// Give up waiting for the rollout after this many seconds.
        #[arg(long, default_value_t = 900, value_name = "SECONDS")]
        wait_timeout: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Admin,
    Deployer,
    Viewer,
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create a token; it is printed once (only a hash is kept).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Deployer)]
        role: RoleArg,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        output: OutputArg,
    },
    /// Revoke a token by id or name.
    Revoke { token: String },
}
