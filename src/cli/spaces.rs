//! `zopdeck spaces` and `zopdeck environments`: list them, create a space on a kubeconfig
//! context, bind an environment to a namespace. All on the `Backend` trait (so they work on
//! `--api-url` too), except registering a kubeconfig file, which only the embedded engine does.

use std::path::PathBuf;

use serde_json::json;

use super::commands::{Context, fmt};
use super::error::{CliError, fail};
use super::output;
use super::{EnvironmentsCmd, OutputArg, OutputFormat, SpacesCmd};
use crate::backend::Backend;
use crate::backend::model::*;
use crate::backend::runtime::kubernetes::discovery;

pub async fn spaces(
    ctx: &Context,
    cmd: Option<&SpacesCmd>,
    output: &OutputArg,
) -> Result<(), CliError> {
    match cmd {
        None => list_spaces(ctx.backend.as_ref(), output.format).await,
        Some(SpacesCmd::List { output }) => list_spaces(ctx.backend.as_ref(), output.format).await,
        Some(SpacesCmd::Create {
            name,
            context,
            kubeconfig,
            account,
            output,
        }) => {
            create_space(
                ctx,
                name,
                context,
                kubeconfig.as_ref(),
                account.as_deref(),
                output.format,
            )
            .await
        }
    }
}

pub async fn environments(
    b: &dyn Backend,
    cmd: Option<&EnvironmentsCmd>,
    output: &OutputArg,
) -> Result<(), CliError> {
    match cmd {
        None => list_environments(b, output.format).await,
        Some(EnvironmentsCmd::List { output }) => list_environments(b, output.format).await,
        Some(EnvironmentsCmd::Create {
            name,
            space,
            namespace,
            registry,
            output,
        }) => {
            let space = resolve_space(b, space).await?;
            let env = b
                .create_environment(NewEnvironment {
                    name: name.clone(),
                    space_id: space.id.clone(),
                    namespace: namespace.clone(),
                    registry_url: registry.clone(),
                })
                .await
                .map_err(fmt)?;
            output::note(format!(
                "created environment {} ({}) in space {}, namespace {} (created on the cluster \
                 if it was missing)",
                env.name, env.id, space.name, env.namespace
            ));
            output::print_one(output.format, &env, &env.id)
        }
    }
}

async fn list_environments(b: &dyn Backend, format: OutputFormat) -> Result<(), CliError> {
    let envs = b.list_environments().await.map_err(fmt)?;
    output::print(format, &envs, || {
        let mut rows = vec![vec![
            "ID".into(),
            "NAME".into(),
            "SPACE".into(),
            "NAMESPACE".into(),
        ]];
        rows.extend(envs.iter().map(|e| {
            vec![
                e.id.clone(),
                e.name.clone(),
                e.space_id.clone(),
                e.namespace.clone(),
            ]
        }));
        rows
    })
}

async fn list_spaces(b: &dyn Backend, format: OutputFormat) -> Result<(), CliError> {
    let spaces = b.list_spaces().await.map_err(fmt)?;
    output::print(format, &spaces, || {
        let mut rows = vec![vec![
            "ID".into(),
            "NAME".into(),
            "PROVIDER".into(),
            "ACCOUNT".into(),
            "STATUS".into(),
            "CONFIG".into(),
            "CLUSTER".into(),
        ]];
        rows.extend(spaces.iter().map(|s| {
            vec![
                s.id.clone(),
                s.name.clone(),
                s.provider.clone(),
                s.cloud_account_id.clone(),
                s.status.as_str().into(),
                s.config.clone(),
                reachability(s),
            ]
        }));
        rows
    })
}

/// What the probe found, in a word and what to do: `reachable`, `forbidden: …`.
fn reachability(s: &Space) -> String {
    match &s.reachability {
        None => "-".into(),
        Some(r) => match &r.message {
            Some(m) => format!("{}: {m}", r.status.as_str()),
            None => r.status.as_str().into(),
        },
    }
}

/// A space by id, or by name.
async fn resolve_space(b: &dyn Backend, name_or_id: &str) -> Result<Space, CliError> {
    if name_or_id.starts_with("spc_") {
        return b.get_space(name_or_id).await.map_err(fmt);
    }
    let spaces = b.list_spaces().await.map_err(fmt)?;
    let names: Vec<&str> = spaces.iter().map(|s| s.name.as_str()).collect();
    let listed = format!("no space {name_or_id:?}; there are: {}", names.join(", "));
    spaces
        .iter()
        .find(|s| s.name == name_or_id)
        .cloned()
        .ok_or(CliError::not_found(listed))
}

/// `spaces create`: the account (the kubeconfig file, registered on the embedded engine, or
/// `--account`), the access to the context (the cluster must answer), then the space.
async fn create_space(
    ctx: &Context,
    name: &str,
    context: &str,
    kubeconfig: Option<&PathBuf>,
    account: Option<&str>,
    format: OutputFormat,
) -> Result<(), CliError> {
    let b = ctx.backend.as_ref();
    let account = match (account, &ctx.engine) {
        (Some(a), _) => a.to_string(),
        (None, Some(engine)) => {
            let file = kubeconfig
                .cloned()
                .or_else(|| discovery::default_kubeconfig(Some(context)))
                .ok_or("no kubeconfig found: pass --kubeconfig FILE or set KUBECONFIG")?;
            let registered = engine.register_kubeconfig(&file).map_err(fmt)?;
            output::note(format!(
                "kubeconfig {} is cloud account {}{} ({} context(s))",
                registered.kubeconfig.display(),
                registered.id,
                if registered.created {
                    ", registered now"
                } else {
                    ""
                },
                registered.clusters.len()
            ));
            registered.id
        }
        (None, None) => {
            return Err(
                "on a remote API the context must be on one of the server's cloud \
                        accounts: pass --account ID (the kubeconfig is the server's; \
                        --kubeconfig applies to the embedded engine only)"
                    .into(),
            );
        }
    };
    let clusters = b.list_clusters(&account).await.map_err(fmt)?;
    let Some(cluster) = clusters.iter().find(|c| c.name == context) else {
        let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
        return Err(fail!(
            "cloud account {account} has no context {context:?} (it has: {})",
            names.join(", ")
        ));
    };
    // Registered again even when it was: this is where the cluster must answer.
    b.register_cluster_access(&account, &cluster.region, &cluster.name)
        .await
        .map_err(fmt)?;
    output::note(format!(
        "context {context} answers; access registered ({account}/{}/{context})",
        cluster.region
    ));
    let existing = b
        .list_spaces()
        .await
        .map_err(fmt)?
        .into_iter()
        .find(|s| s.name == name);
    let space = match existing {
        Some(s) if s.cloud_account_id == account && on_context(&s, context) => {
            output::note(format!(
                "space {name} ({}) exists already on this context",
                s.id
            ));
            s
        }
        Some(s) => {
            return Err(fail!(
                "a space named {name:?} exists already ({}, on {}); pick another --name",
                s.id,
                s.cloud_account_id
            ));
        }
        None => {
            let provider = cluster
                .provider
                .clone()
                .unwrap_or_else(|| discovery::KUBECONFIG_PROVIDER.into());
            let created = b
                .create_space(NewSpace {
                    name: name.to_string(),
                    provider,
                    space_type: None,
                    cloud_account_id: account.clone(),
                    config: json!({"context": context, "clusterName": context,
                                   "region": cluster.region}),
                })
                .await
                .map_err(fmt)?;
            output::note(format!(
                "created space {name} ({}) on context {context}, provider {}",
                created.id, created.provider
            ));
            created
        }
    };
    let space = b.get_space(&space.id).await.map_err(fmt)?;
    if let Some(r) = &space.reachability {
        match r.status {
            ReachabilityStatus::Reachable => {
                output::note(format!("space {name}: cluster reachable"))
            }
            _ => output::note(format!("warning: space {name}: {}", reachability(&space))),
        }
    }
    output::print_one(format, &space, &space.id)
}

fn on_context(space: &Space, context: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(&space.config)
        .is_ok_and(|c| c["clusterName"] == context || c["context"] == context)
}
