//! A space on a context of a cloud account's clusters (a kubeconfig account's contexts are its
//! clusters): access registered once the cluster answers, then the space — or the one of that
//! name already there on the same context. One flow over the `Backend` trait, for the engine
//! (`create_space_on_context`) and the CLI (also on a remote API, with the server's account).

use serde_json::json;

use super::model::{NewSpace, Space};
use super::{Backend, BackendError, Result};

/// The KUBECONFIG provider when the context's server shows no cloud.
const KUBECONFIG_PROVIDER: &str = "kubeconfig";

/// What `space_on_context` did.
#[derive(Debug, Clone, PartialEq)]
pub struct OnContext {
    pub space: Space,
    /// The context's region, as the account's clusters give it.
    pub region: String,
    /// False when a space of that name was there on the context already.
    pub created: bool,
}

pub async fn space_on_context(
    b: &dyn Backend,
    account: &str,
    name: &str,
    context: &str,
) -> Result<OnContext> {
    let clusters = b.list_clusters(account).await?;
    let Some(cluster) = clusters.iter().find(|c| c.name == context) else {
        let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
        return Err(BackendError::validation(
            "context",
            format!(
                "cloud account {account} has no context {context:?} (it has: {})",
                names.join(", ")
            ),
        ));
    };
    // Registered again even when it was: this is where the cluster must answer.
    b.register_cluster_access(account, &cluster.region, &cluster.name)
        .await?;
    let existing = b.list_spaces().await?.into_iter().find(|s| s.name == name);
    let (space, created) = match existing {
        Some(s) if s.cloud_account_id == account && s.on_context(context) => (s, false),
        Some(s) => {
            return Err(BackendError::Conflict(format!(
                "a space named {name:?} exists already ({}, on {}); pick another name",
                s.id, s.cloud_account_id
            )));
        }
        None => {
            let provider = cluster
                .provider
                .clone()
                .unwrap_or_else(|| KUBECONFIG_PROVIDER.into());
            let new = NewSpace {
                name: name.to_string(),
                provider,
                space_type: None,
                cloud_account_id: account.to_string(),
                config: json!({"context": context, "clusterName": context,
                               "region": cluster.region}),
            };
            (b.create_space(new).await?, true)
        }
    };
    // Read again: with the live status of its cluster.
    let space = b.get_space(&space.id).await.unwrap_or(space);
    Ok(OnContext {
        space,
        region: cluster.region.clone(),
        created,
    })
}
