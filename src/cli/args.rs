//! The verbs of each noun of the command line (`zopdeck spaces status …`), as clap types.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::{OutputArg, WaitArgs};

/// A duration as people write it (`90s`, `5m`, `1h30m`), or a bare number of seconds; never 0.
pub fn positive_duration(s: &str) -> Result<Duration, String> {
    let d = match s.trim().parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => humantime::parse_duration(s.trim())
            .map_err(|e| format!("{e} (write e.g. 90s, 5m, 1h, or a number of seconds)"))?,
    };
    if d.is_zero() {
        return Err("must be longer than 0".into());
    }
    Ok(d)
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

#[derive(Debug, Subcommand)]
pub enum EnvironmentsCmd {
    /// All environments, with their space and how many deployments each holds.
    #[command(alias = "ls")]
    List {
        #[command(flatten)]
        output: OutputArg,
    },
    /// One environment, by name or id.
    Get {
        environment: String,
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
        /// Give up after this long (e.g. 90s, 5m; a bare number is seconds).
        #[arg(
            long,
            alias = "wait-timeout",
            default_value = "15m",
            value_name = "DURATION",
            value_parser = positive_duration
        )]
        timeout: Duration,
        #[command(flatten)]
        output: OutputArg,
    },
}

/// `configs patch DEP PATCH` (also `configs DEP PATCH`).
#[derive(Debug, Clone, Args)]
pub struct ConfigsPatch {
    /// The deployment, by name or id.
    #[arg(required = true)]
    pub deployment: Option<String>,
    /// A JSON merge patch, e.g. '{"replicas": 3}' (`null` removes a key); `-` reads it from
    /// stdin.
    #[arg(required = true)]
    pub patch: Option<String>,
    #[arg(long)]
    pub env: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
    #[command(flatten)]
    pub output: OutputArg,
}

#[derive(Debug, Subcommand)]
pub enum ConfigsCmd {
    /// The configs of a deployment, as a JSON object (table: one key per line).
    Get {
        deployment: String,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Patch a deployment's configs with a JSON merge patch; a new revision rolls out.
    Patch(ConfigsPatch),
}

#[derive(Debug, Subcommand)]
pub enum LayoutCmd {
    /// Put the cards of --to where the cards of the same names are in --from (cards without
    /// a namesake stay); --dry-run shows the moves without making them.
    Copy {
        #[arg(long, value_name = "ENV")]
        from: String,
        #[arg(long, value_name = "ENV")]
        to: String,
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum PositionCmd {
    /// Put the card at X Y (canvas pixels; finite numbers).
    #[command(allow_negative_numbers = true)]
    Set {
        deployment: String,
        x: f64,
        y: f64,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
}

/// `revisions list DEP` (also `revisions DEP`).
#[derive(Debug, Clone, Args)]
pub struct RevisionsList {
    /// The deployment, by name or id.
    #[arg(required = true)]
    pub deployment: Option<String>,
    #[arg(long)]
    pub env: Option<String>,
    #[command(flatten)]
    pub output: OutputArg,
}

#[derive(Debug, Subcommand)]
pub enum RevisionsCmd {
    /// A deployment's revisions, newest first; `*` marks the current one.
    #[command(alias = "ls")]
    List(RevisionsList),
    /// One revision, by number (`3` or `#3`) or id.
    Get {
        deployment: String,
        revision: String,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// A new revision from an image built elsewhere (what CI calls after a build); it rolls
    /// out.
    Create {
        deployment: String,
        #[arg(long)]
        image: String,
        #[arg(long, value_name = "ID")]
        build_id: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        env: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpaceStatusArg {
    Active,
    Inactive,
}

// Parsed once per run: the size of the biggest variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum SpacesCmd {
    /// All spaces, with the live reachability of their clusters.
    #[command(alias = "ls")]
    List {
        #[command(flatten)]
        output: OutputArg,
    },
    /// One space, by name or id, with its cluster's reachability.
    Get {
        space: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Create a space: on a kubeconfig context (`--context`), or on a cloud account's cluster
    /// (`--provider`, `--account`, `--cluster`, and `--region` on aws/gcp, `--resource-group`
    /// on azure).
    Create {
        #[arg(long)]
        name: String,
        /// The kubeconfig context the space deploys to: registers the kubeconfig file as a
        /// cloud account if needed, and access to the context once it answers.
        #[arg(long, conflicts_with_all = ["provider", "cluster"])]
        context: Option<String>,
        /// The kubeconfig file (default: the file of $KUBECONFIG holding the context, then
        /// ~/.kube/config). Embedded engine only.
        #[arg(
            long,
            value_name = "FILE",
            requires = "context",
            conflicts_with = "account"
        )]
        kubeconfig: Option<PathBuf>,
        /// The cloud account (required without --context, and on a remote API, where the
        /// kubeconfig is the server's).
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// aws, gcp, azure (or kubeconfig).
        #[arg(long, requires_all = ["account", "cluster"])]
        provider: Option<String>,
        /// The cluster's name on the account (see `zopdeck clusters list ACCOUNT`).
        #[arg(long)]
        cluster: Option<String>,
        /// Required on aws and gcp.
        #[arg(long)]
        region: Option<String>,
        /// Required on azure.
        #[arg(long)]
        resource_group: Option<String>,
        /// Further keys of the space's config, as a JSON object (`--config` is the config
        /// file of zopdeck itself).
        #[arg(long, value_name = "JSON")]
        space_config: Option<String>,
        /// The space type (the contract's default: kubernetes).
        #[arg(long = "type", value_name = "TYPE")]
        space_type: Option<String>,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Activate or deactivate a space (nothing deploys to an inactive one).
    Status {
        space: String,
        #[arg(value_enum)]
        status: SpaceStatusArg,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Delete a space; refused while deployments or jobs remain in it.
    #[command(alias = "rm")]
    Delete { space: String },
}

#[derive(Debug, Subcommand)]
pub enum NamespacesCmd {
    /// The namespaces of a space's cluster, and whether zopdeck manages each.
    #[command(alias = "ls")]
    List {
        /// The space, by name or id.
        space: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Create a namespace (a DNS-1123 label: lowercase letters, digits, `-`, at most 63).
    Create {
        space: String,
        name: String,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClustersCmd {
    /// The clusters of a cloud account (on a kubeconfig account: its contexts).
    #[command(alias = "ls")]
    List {
        account: String,
        #[command(flatten)]
        output: OutputArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccessCmd {
    /// Register access to a cluster (it must answer), so spaces on it can deploy.
    #[command(alias = "register")]
    Grant {
        account: String,
        region: String,
        cluster: String,
        #[command(flatten)]
        output: OutputArg,
    },
    /// Revoke access: spaces on the cluster fail to deploy until it is granted again.
    Revoke {
        account: String,
        region: String,
        cluster: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_subcommand_reuses_the_name_of_a_global_flag() {
        // clap lets a subcommand declare an argument `config` (its id: the field's name) or
        // a flag `--config` beside the global `--config`, and then panics when it is used
        // ("Mismatch between definition and access").
        use clap::CommandFactory;
        let root = crate::cli::Cli::command();
        let globals: Vec<&clap::Arg> = root.get_arguments().filter(|a| a.is_global_set()).collect();
        assert!(globals.iter().any(|g| g.get_id() == "config"));
        fn walk(
            cmd: &clap::Command,
            path: &str,
            globals: &[&clap::Arg],
            clashes: &mut Vec<String>,
        ) {
            for sub in cmd.get_subcommands() {
                let path = format!("{path} {}", sub.get_name());
                for arg in sub.get_arguments() {
                    let clash = globals.iter().any(|g| {
                        g.get_id() == arg.get_id()
                            || (g.get_long().is_some() && g.get_long() == arg.get_long())
                    });
                    if clash {
                        clashes.push(format!("{path}: {}", arg.get_id()));
                    }
                }
                walk(sub, &path, globals, clashes);
            }
        }
        let mut clashes = Vec::new();
        walk(&root, "zopdeck", &globals, &mut clashes);
        assert!(clashes.is_empty(), "{clashes:?}");
    }

    #[test]
    fn durations_are_written_as_people_write_them() {
        assert_eq!(positive_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(positive_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(positive_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert!(positive_duration("0").is_err());
        assert!(positive_duration("0s").is_err());
        let e = positive_duration("soon").unwrap_err();
        assert!(e.contains("5m"), "{e}");
    }
}
