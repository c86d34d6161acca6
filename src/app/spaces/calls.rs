//! What the spaces view asks of the backend (`Call`), run by the event loop in the background,
//! and what comes back (`Answer`). Only the `Backend` trait is used here; every failure comes
//! back as one line saying what failed and why.

use std::collections::HashMap;

use super::Catalog;
use super::form::{self, PickFrom, PickItem};
use crate::backend::model::*;
use crate::backend::{Backend, BackendKind};

#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// Spaces (with their live status), environments and deployment counts.
    Catalog,
    Namespaces {
        space_id: String,
    },
    /// Candidates of a form's pick list.
    Contexts,
    Clusters {
        account: String,
    },
    NamespacePick {
        space_id: String,
    },
    CreateSpace(NewSpace),
    CreateSpaceOnContext {
        name: String,
        kubeconfig: Option<String>,
        context: String,
    },
    SetStatus {
        space_id: String,
        status: SpaceStatus,
    },
    Delete {
        space_id: String,
        name: String,
    },
    CreateNamespace {
        space_id: String,
        name: String,
    },
    CreateEnvironment(NewEnvironment),
    Grant {
        account: String,
        region: String,
        cluster: String,
    },
    Revoke {
        account: String,
        region: String,
        cluster: String,
    },
}

/// A change that was made.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    SpaceCreated(Space),
    StatusSet(Space),
    Deleted(String),
    NamespaceCreated { space_id: String, name: String },
    EnvironmentCreated(Environment),
    AccessGranted(String),
    AccessRevoked(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Catalog(Result<Catalog, String>),
    Namespaces {
        space_id: String,
        result: Result<Vec<Namespace>, String>,
    },
    Picked {
        from: PickFrom,
        result: Result<Vec<PickItem>, String>,
    },
    Done(Result<Outcome, String>),
}

impl Call {
    /// The request's name in the debug log.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Catalog => "list_spaces",
            Call::Namespaces { .. } | Call::NamespacePick { .. } => "list_namespaces",
            Call::Contexts => "local_contexts",
            Call::Clusters { .. } => "list_clusters",
            Call::CreateSpace(_) => "create_space",
            Call::CreateSpaceOnContext { .. } => "create_space_on_context",
            Call::SetStatus { .. } => "set_space_status",
            Call::Delete { .. } => "delete_space",
            Call::CreateNamespace { .. } => "create_namespace",
            Call::CreateEnvironment(_) => "create_environment",
            Call::Grant { .. } => "register_cluster_access",
            Call::Revoke { .. } => "revoke_cluster_access",
        }
    }
}

/// Runs a call against the backend.
pub async fn run(b: &dyn Backend, call: Call) -> Answer {
    let failed = |what: String| move |e: crate::backend::BackendError| format!("{what}: {e}");
    match call {
        Call::Catalog => Answer::Catalog(catalog(b).await.map_err(|e| e.to_string())),
        Call::Namespaces { space_id } => Answer::Namespaces {
            result: b
                .list_namespaces(&space_id)
                .await
                .map_err(failed("listing the namespaces failed".into())),
            space_id,
        },
        Call::Contexts => Answer::Picked {
            from: PickFrom::Contexts,
            result: b
                .local_contexts()
                .await
                .map(|c| form::context_items(&c))
                .map_err(|e| e.to_string()),
        },
        Call::Clusters { account } => Answer::Picked {
            from: PickFrom::Clusters,
            result: b
                .list_clusters(&account)
                .await
                .map(|c| form::cluster_items(&c))
                .map_err(failed(format!("listing the clusters of {account} failed"))),
        },
        Call::NamespacePick { space_id } => Answer::Picked {
            from: PickFrom::Namespaces,
            result: b
                .list_namespaces(&space_id)
                .await
                .map(|n| form::namespace_items(&n))
                .map_err(failed("listing the namespaces failed".into())),
        },
        Call::CreateSpace(req) => {
            let name = req.name.clone();
            // Fetched again: the created object carries no live status.
            let created = match b.create_space(req).await {
                Ok(s) => b.get_space(&s.id).await.or(Ok(s)),
                Err(e) => Err(e),
            };
            Answer::Done(
                created
                    .map(Outcome::SpaceCreated)
                    .map_err(failed(format!("registering space {name} failed"))),
            )
        }
        Call::CreateSpaceOnContext {
            name,
            kubeconfig,
            context,
        } => Answer::Done(
            b.create_space_on_context(&name, kubeconfig.as_deref(), &context)
                .await
                .map(Outcome::SpaceCreated)
                .map_err(failed(format!(
                    "registering space {name} on context {context} failed"
                ))),
        ),
        Call::SetStatus { space_id, status } => Answer::Done(
            b.set_space_status(&space_id, status)
                .await
                .map(Outcome::StatusSet)
                .map_err(failed(format!("setting the space {}", status.as_str()))),
        ),
        Call::Delete { space_id, name } => Answer::Done(
            b.delete_space(&space_id)
                .await
                .map(|()| Outcome::Deleted(name.clone()))
                .map_err(failed(format!("space {name} is not deleted"))),
        ),
        Call::CreateNamespace { space_id, name } => Answer::Done(
            b.create_namespace(&space_id, &name)
                .await
                .map(|n| Outcome::NamespaceCreated {
                    space_id: space_id.clone(),
                    name: n.name,
                })
                .map_err(failed(format!("creating namespace {name} failed"))),
        ),
        Call::CreateEnvironment(req) => {
            let name = req.name.clone();
            Answer::Done(
                b.create_environment(req)
                    .await
                    .map(Outcome::EnvironmentCreated)
                    .map_err(failed(format!("creating environment {name} failed"))),
            )
        }
        Call::Grant {
            account,
            region,
            cluster,
        } => Answer::Done(
            b.register_cluster_access(&account, &region, &cluster)
                .await
                .map(|c| Outcome::AccessGranted(c.name))
                .map_err(failed(format!("granting access to {cluster} failed"))),
        ),
        Call::Revoke {
            account,
            region,
            cluster,
        } => Answer::Done(
            b.revoke_cluster_access(&account, &region, &cluster)
                .await
                .map(|()| Outcome::AccessRevoked(cluster.clone()))
                .map_err(failed(format!("revoking access to {cluster} failed"))),
        ),
    }
}

async fn catalog(b: &dyn Backend) -> crate::backend::Result<Catalog> {
    let (spaces, environments, deployments) = futures::try_join!(
        b.list_spaces(),
        b.list_environments(),
        b.list_deployments(None)
    )?;
    let mut by_space: HashMap<String, usize> = HashMap::new();
    let mut by_env: HashMap<String, usize> = HashMap::new();
    for d in &deployments {
        *by_space.entry(d.space_id.clone()).or_default() += 1;
        *by_env.entry(d.env_id.clone()).or_default() += 1;
    }
    Ok(Catalog {
        spaces,
        environments,
        deployments_by_space: by_space,
        deployments_by_env: by_env,
        local_kubeconfig: matches!(b.kind(), BackendKind::Embedded { .. }),
    })
}
