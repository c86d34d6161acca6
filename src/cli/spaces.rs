//! Spaces, namespaces, clusters, cluster access and environments on the command line. All on
//! the `Backend` trait (so they work on `--api-url` too), except registering a kubeconfig
//! file, which only the embedded engine does.

use std::path::PathBuf;

use serde_json::json;

use super::commands::{Context, fmt};
use super::error::CliError;
use super::output;
use super::resolve::{resolve_env, resolve_space};
use super::{
    AccessCmd, ClustersCmd, EnvironmentsCmd, NamespacesCmd, OutputArg, OutputFormat,
    SpaceStatusArg, SpacesCmd,
};
use crate::backend::context_space::space_on_context;
use crate::backend::model::*;
use crate::backend::runtime::kubernetes::discovery;
use crate::backend::{Backend, BackendError};

pub async fn spaces(
    ctx: &Context,
    cmd: Option<&SpacesCmd>,
    output: &OutputArg,
) -> Result<(), CliError> {
    let b = ctx.backend.as_ref();
    match cmd {
        None => list_spaces(b, output.format).await,
        Some(SpacesCmd::List { output }) => list_spaces(b, output.format).await,
        Some(SpacesCmd::Get { space, output }) => {
            let space = resolve_space(b, space).await?;
            output::print(output.format, &space, || output::object_rows(&space))
        }
        Some(SpacesCmd::Create {
            name,
            context: Some(context),
            kubeconfig,
            account,
            output,
            ..
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
        Some(SpacesCmd::Create {
            name,
            context: None,
            account,
            provider,
            cluster,
            region,
            resource_group,
            space_config,
            space_type,
            output,
            ..
        }) => {
            let (Some(provider), Some(account), Some(cluster)) = (provider, account, cluster)
            else {
                return Err(CliError::usage(
                    "spaces create needs --context CTX (a kubeconfig context), or --provider, \
                     --account and --cluster (a cloud account's cluster: `zopdeck clusters list \
                     ACCOUNT`)",
                ));
            };
            let mut config = match space_config {
                Some(c) => serde_json::from_str::<serde_json::Value>(c)
                    .ok()
                    .filter(serde_json::Value::is_object)
                    .ok_or_else(|| CliError::usage("--space-config must be a JSON object"))?,
                None => json!({}),
            };
            config["clusterName"] = json!(cluster);
            if let Some(region) = region {
                config["region"] = json!(region);
            }
            if let Some(rg) = resource_group {
                config["resourceGroup"] = json!(rg);
            }
            let created = b
                .create_space(NewSpace {
                    name: name.clone(),
                    provider: provider.clone(),
                    space_type: space_type.clone(),
                    cloud_account_id: account.clone(),
                    config,
                })
                .await
                .map_err(fmt)?;
            output::note(format!(
                "created space {} ({}) on {account}/{cluster}",
                created.name, created.id
            ));
            let space = b.get_space(&created.id).await.map_err(fmt)?;
            say_reachability(&space);
            output::print_one(output.format, &space, &space.id)
        }
        Some(SpacesCmd::Status {
            space,
            status,
            output,
        }) => {
            let space = resolve_space(b, space).await?;
            let status = match status {
                SpaceStatusArg::Active => SpaceStatus::Active,
                SpaceStatusArg::Inactive => SpaceStatus::Inactive,
            };
            let updated = b.set_space_status(&space.id, status).await.map_err(fmt)?;
            output::note(format!(
                "space {} is {}",
                updated.name,
                updated.status.as_str()
            ));
            output::print_one(output.format, &updated, &updated.id)
        }
        Some(SpacesCmd::Delete { space }) => {
            let space = resolve_space(b, space).await?;
            b.delete_space(&space.id).await.map_err(|e| match e {
                BackendError::Conflict(why) => CliError::new(
                    super::error::Exit::Conflict,
                    format!("space {} is not deleted: {why}", space.name),
                ),
                e => fmt(e),
            })?;
            output::note(format!("space {} ({}) deleted", space.name, space.id));
            Ok(())
        }
    }
}

/// `namespaces list|create SPACE`.
pub async fn namespaces(b: &dyn Backend, cmd: &NamespacesCmd) -> Result<(), CliError> {
    match cmd {
        NamespacesCmd::List { space, output } => {
            let space = resolve_space(b, space).await?;
            let list = b.list_namespaces(&space.id).await.map_err(fmt)?;
            output::print(output.format, &list, || {
                let mut rows = vec![vec!["NAME".into(), "MANAGED".into(), "CREATED".into()]];
                rows.extend(list.iter().map(|n| {
                    vec![
                        n.name.clone(),
                        if n.managed_by_zopnight { "yes" } else { "no" }.into(),
                        n.created_at.map_or_else(|| "-".into(), |t| t.to_rfc3339()),
                    ]
                }));
                rows
            })
        }
        NamespacesCmd::Create {
            space,
            name,
            output,
        } => {
            // Checked here too, so a bad name never reaches a server or a cluster.
            crate::backend::model::validate::dns_label("name", name, 63).map_err(fmt)?;
            let space = resolve_space(b, space).await?;
            let ns = b.create_namespace(&space.id, name).await.map_err(fmt)?;
            output::note(format!(
                "namespace {} created in space {}",
                ns.name, space.name
            ));
            output::print_one(output.format, &ns, &ns.name)
        }
    }
}

/// `clusters list ACCOUNT`.
pub async fn clusters(b: &dyn Backend, cmd: &ClustersCmd) -> Result<(), CliError> {
    let ClustersCmd::List { account, output } = cmd;
    let list = b.list_clusters(account).await.map_err(fmt)?;
    output::print(output.format, &list, || {
        let mut rows = vec![vec![
            "NAME".into(),
            "REGION".into(),
            "PROVIDER".into(),
            "RUNTIME".into(),
            "ACCESS".into(),
        ]];
        rows.extend(list.iter().map(|c| {
            vec![
                c.name.clone(),
                c.region.clone(),
                c.provider.clone().unwrap_or_else(|| "-".into()),
                c.runtime.clone(),
                if c.access_registered {
                    "registered"
                } else {
                    "-"
                }
                .into(),
            ]
        }));
        rows
    })
}

/// `access grant|revoke ACCOUNT REGION CLUSTER`.
pub async fn access(b: &dyn Backend, cmd: &AccessCmd) -> Result<(), CliError> {
    match cmd {
        AccessCmd::Grant {
            account,
            region,
            cluster,
            output,
        } => {
            let c = b
                .register_cluster_access(account, region, cluster)
                .await
                .map_err(fmt)?;
            output::note(format!(
                "access to {account}/{region}/{cluster} registered; spaces on it can deploy"
            ));
            output::print_one(output.format, &c, &c.name)
        }
        AccessCmd::Revoke {
            account,
            region,
            cluster,
        } => {
            b.revoke_cluster_access(account, region, cluster)
                .await
                .map_err(fmt)?;
            output::note(format!(
                "access to {account}/{region}/{cluster} revoked; spaces on it fail to deploy \
                 until `zopdeck access grant {account} {region} {cluster}`"
            ));
            Ok(())
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
        Some(EnvironmentsCmd::Get {
            environment,
            output,
        }) => {
            let env = resolve_env(b, environment).await?;
            let env = b.get_environment(&env.id).await.map_err(fmt)?;
            output::print(output.format, &env, || output::object_rows(&env))
        }
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
    if format != OutputFormat::Table {
        return output::print(format, &envs, Vec::new);
    }
    let spaces = b.list_spaces().await.map_err(fmt)?;
    let deployments = b.list_deployments(None).await.map_err(fmt)?;
    output::print(format, &envs, || {
        let mut rows = vec![vec![
            "ID".into(),
            "NAME".into(),
            "SPACE".into(),
            "NAMESPACE".into(),
            "DEPLOYMENTS".into(),
        ]];
        rows.extend(envs.iter().map(|e| {
            let space = spaces
                .iter()
                .find(|s| s.id == e.space_id)
                .map_or_else(|| e.space_id.clone(), |s| s.name.clone());
            let n = deployments.iter().filter(|d| d.env_id == e.id).count();
            vec![
                e.id.clone(),
                e.name.clone(),
                space,
                e.namespace.clone(),
                n.to_string(),
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
    let done = space_on_context(b, &account, name, context)
        .await
        .map_err(|e| match e {
            BackendError::Conflict(why) => CliError::from(why),
            e => fmt(e),
        })?;
    output::note(format!(
        "context {context} answers; access registered ({account}/{}/{context})",
        done.region
    ));
    let space = done.space;
    if done.created {
        output::note(format!(
            "created space {name} ({}) on context {context}, provider {}",
            space.id, space.provider
        ));
    } else {
        output::note(format!(
            "space {name} ({}) exists already on this context",
            space.id
        ));
    }
    say_reachability(&space);
    output::print_one(format, &space, &space.id)
}

/// Whether the new space's cluster answers, on stderr.
fn say_reachability(space: &Space) {
    if let Some(r) = &space.reachability {
        match r.status {
            ReachabilityStatus::Reachable => {
                output::note(format!("space {}: cluster reachable", space.name))
            }
            _ => output::note(format!(
                "warning: space {}: {}",
                space.name,
                reachability(space)
            )),
        }
    }
}
