//! Spaces, namespaces and environments on the embedded engine, following the contract's
//! rules (cluster access: `clusters.rs`). Namespaces live on the space's cluster (its runtime):
//! listing and creating them, and an environment's, go through it.

use std::sync::Arc;

use serde_json::Value;

use super::Engine;
use super::reachability::on_cluster;
use super::store::catalog;
use crate::backend::error::{BackendError, Result};
use crate::backend::model::*;
use crate::backend::model::{ids, validate};
use crate::backend::runtime::{ClusterRef, Runtime};

/// The contract's providers, and `kubeconfig` [ours] for a kubeconfig account's context whose
/// server reveals no cloud.
const PROVIDERS: [&str; 4] = ["aws", "gcp", "azure", "kubeconfig"];

/// Set once the sandbox's namespaces were copied out of the catalog into its own state.
const NAMESPACES_MOVED: &str = "sandbox_namespaces_moved";

/// A string field of a space's `config` object.
pub(super) fn config_str<'a>(config: &'a Value, key: &str) -> Option<&'a str> {
    config
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

impl Engine {
    pub(super) fn space(&self, id: &str) -> Result<Space> {
        self.store
            .read(|c| catalog::get_space(c, id))?
            .ok_or_else(|| BackendError::not_found("space", id))
    }

    pub(super) fn create_space_op(&self, req: NewSpace) -> Result<Space> {
        validate::dns_label("name", &req.name, 63)?;
        validate::free_text("cloudAccountId", &req.cloud_account_id)?;
        validate::json_text("config", &req.config)?;
        if !PROVIDERS.contains(&req.provider.as_str()) {
            return Err(BackendError::validation(
                "provider",
                format!(
                    "provider must be one of aws, gcp, azure (or kubeconfig, on a kubeconfig \
                     account) (got {:?})",
                    req.provider
                ),
            ));
        }
        let space_type = req
            .space_type
            .clone()
            .unwrap_or_else(|| "kubernetes".into());
        if space_type != "kubernetes" {
            return Err(BackendError::validation(
                "spaceType",
                format!("spaceType must be \"kubernetes\" (got {space_type:?})"),
            ));
        }
        if !req.config.is_object() {
            return Err(BackendError::validation(
                "config",
                "config must be an object with clusterName and region",
            ));
        }
        let kubeconfig = self.account_kubeconfig(&req.cloud_account_id)?;
        if kubeconfig.is_none() && req.provider == "kubeconfig" {
            return Err(BackendError::validation(
                "provider",
                format!(
                    "provider kubeconfig is for kubeconfig cloud accounts; {:?} is not one",
                    req.cloud_account_id
                ),
            ));
        }
        let (cluster_name, region, config) = match &kubeconfig {
            None => self.cloud_space_config(&req)?,
            Some(path) => self.kubeconfig_space_config(&req, path)?,
        };
        let now = self.now();
        let space = Space {
            id: ids::new_id("spc"),
            name: req.name.clone(),
            provider: req.provider.clone(),
            space_type,
            cloud_account_id: req.cloud_account_id.clone(),
            status: SpaceStatus::Active,
            config: config.to_string(),
            created_at: now,
            reachability: None,
        };
        let cluster_name = cluster_name.as_str();
        self.store.write(|c| {
            if !catalog::cloud_account_exists(c, &req.cloud_account_id)? {
                return Err(BackendError::validation(
                    "cloudAccountId",
                    format!("no cloud account {:?}", req.cloud_account_id),
                ));
            }
            let Some(cluster) = catalog::get_cluster(c, &req.cloud_account_id, &region, cluster_name)? else {
                return Err(BackendError::validation(
                    "config.clusterName",
                    format!(
                        "cluster {cluster_name:?} in region {region:?} is not among the clusters discovered on {} \
                         (GET /cloud-accounts/{}/clusters lists them)",
                        req.cloud_account_id, req.cloud_account_id
                    ),
                ));
            };
            if !cluster.access_registered {
                return Err(BackendError::Conflict(format!(
                    "cluster {cluster_name} ({region}) has no registered access; register it first with \
                     PUT /cloud-accounts/{}/clusters/{region}/{cluster_name}/access",
                    req.cloud_account_id
                )));
            }
            if catalog::space_name_taken(c, &space.name)? {
                return Err(BackendError::Conflict(format!("a space named {:?} already exists", space.name)));
            }
            catalog::insert_space(c, &space, &region, cluster_name)
        })?;
        Ok(space)
    }

    /// A space on a cloud account: `config.clusterName` and (aws, gcp) `config.region`, or
    /// (azure) `config.resourceGroup`, as the contract wants. Returns (cluster, region, config).
    fn cloud_space_config(&self, req: &NewSpace) -> Result<(String, String, Value)> {
        let cluster_name = config_str(&req.config, "clusterName").ok_or_else(|| {
            BackendError::validation("config.clusterName", "config.clusterName is required")
        })?;
        let region = config_str(&req.config, "region");
        if req.provider == "azure" && config_str(&req.config, "resourceGroup").is_none() {
            return Err(BackendError::validation(
                "config.resourceGroup",
                "config.resourceGroup is required on azure",
            ));
        }
        let region = match (req.provider.as_str(), region) {
            (_, Some(r)) => r.to_string(),
            ("azure", None) => String::new(),
            (_, None) => {
                return Err(BackendError::validation(
                    "config.region",
                    format!("config.region is required on {}", req.provider),
                ));
            }
        };
        Ok((cluster_name.to_string(), region, req.config.clone()))
    }

    pub(super) fn set_space_status_op(&self, id: &str, status: SpaceStatus) -> Result<Space> {
        if !self
            .store
            .write(|c| catalog::set_space_status(c, id, status))?
        {
            return Err(BackendError::not_found("space", id));
        }
        self.space(id)
    }

    pub(super) fn delete_space_op(&self, id: &str) -> Result<()> {
        let now = self.now();
        self.store.write(|c| {
            if catalog::get_space(c, id)?.is_none() {
                return if catalog::space_was_deleted(c, id)? {
                    Ok(())
                } else {
                    Err(BackendError::not_found("space", id))
                };
            }
            let (deployments, jobs) = catalog::space_usage(c, id)?;
            if deployments > 0 || jobs > 0 {
                return Err(BackendError::Conflict(format!(
                    "space {id} still holds {deployments} deployment(s) and {jobs} open job(s); \
                     delete those deployments first"
                )));
            }
            catalog::soft_delete_space(c, id, &now)
        })
    }

    /// The cluster a space is on and its runtime, for calls on the cluster; refused while
    /// the cluster's access is revoked.
    fn space_runtime(&self, space_id: &str) -> Result<(ClusterRef, Arc<dyn Runtime>)> {
        let (cref, cluster) = self.space_cluster(space_id)?;
        if !cluster.access_registered {
            return Err(BackendError::Conflict(format!(
                "access to cluster {} is revoked; register it again with PUT \
                 /cloud-accounts/{}/clusters/{}/{}/access",
                cref.name, cref.account, cref.region, cref.name
            )));
        }
        Ok((cref, self.runtime_for(&cluster)?))
    }

    pub(super) async fn list_namespaces_op(&self, space_id: &str) -> Result<Vec<Namespace>> {
        self.space(space_id)?;
        let (cref, runtime) = self.space_runtime(space_id)?;
        on_cluster(&cref, runtime.list_namespaces(&cref)).await
    }

    pub(super) async fn create_namespace_op(
        &self,
        space_id: &str,
        name: &str,
    ) -> Result<Namespace> {
        self.space(space_id)?;
        validate::dns_label("name", name, 63)?;
        let (cref, runtime) = self.space_runtime(space_id)?;
        let existing = on_cluster(&cref, runtime.list_namespaces(&cref)).await?;
        if existing.iter().any(|n| n.name == name) {
            return Err(BackendError::Conflict(format!(
                "namespace {name} already exists in space {space_id}"
            )));
        }
        on_cluster(&cref, runtime.ensure_namespace(&cref, name)).await
    }

    /// Copies the namespaces the catalog kept for the simulated cluster into the sandbox's
    /// own state, once. A failure is logged and retried at the next start.
    pub(super) fn move_sandbox_namespaces(&self) -> Result<()> {
        if self.store.meta(NAMESPACES_MOVED)?.is_some() {
            return Ok(());
        }
        let rows = self.store.read(catalog::sandbox_namespaces)?;
        let mut by_cluster: std::collections::BTreeMap<(String, String, String), Vec<Namespace>> =
            Default::default();
        for (account, region, name, ns) in rows {
            by_cluster
                .entry((account, region, name))
                .or_default()
                .push(ns);
        }
        for ((account, region, name), list) in by_cluster {
            let cref = ClusterRef {
                account,
                region,
                name,
                kubeconfig: None,
            };
            if let Err(e) = self.sandbox.adopt_namespaces(&cref, &list) {
                tracing::warn!(
                    "moving the sandbox's namespaces failed (retried at next start): {e}"
                );
                return Ok(());
            }
        }
        self.store.set_meta(
            NAMESPACES_MOVED,
            &crate::backend::clock::format_ts(&self.now()),
        )
    }

    /// Creates an environment, and its namespace on the space's cluster when missing.
    pub(super) async fn create_environment_op(&self, req: NewEnvironment) -> Result<Environment> {
        validate::dns_label("name", &req.name, 63)?;
        validate::dns_label("namespace", &req.namespace, 63)?;
        validate::free_texts(&[
            ("spaceId", Some(&req.space_id)),
            ("registryUrl", req.registry_url.as_deref()),
        ])?;
        let now = self.now();
        let env = Environment {
            id: ids::new_id("env"),
            name: req.name.clone(),
            space_id: req.space_id.clone(),
            namespace: req.namespace.clone(),
            registry_url: req.registry_url.clone().filter(|r| !r.trim().is_empty()),
            created_at: now,
        };
        // Checked before the cluster is touched, and again when writing (another request
        // may have come in between).
        let free = |c: &super::store::Connection| -> Result<()> {
            if catalog::get_space(c, &req.space_id)?.is_none() {
                return Err(BackendError::validation(
                    "spaceId",
                    format!("no space {:?}", req.space_id),
                ));
            }
            if catalog::environment_name_taken(c, &req.name)? {
                return Err(BackendError::Conflict(format!(
                    "an environment named {:?} already exists",
                    req.name
                )));
            }
            if let Some(owner) = catalog::namespace_owner(c, &req.space_id, &req.namespace)? {
                return Err(BackendError::Conflict(format!(
                    "namespace {} of this space is already bound to environment {owner}; \
                     each environment needs its own namespace",
                    req.namespace
                )));
            }
            Ok(())
        };
        self.store.read(free)?;
        let (cref, runtime) = self.space_runtime(&req.space_id)?;
        on_cluster(&cref, runtime.ensure_namespace(&cref, &req.namespace)).await?;
        self.store.write(|c| {
            free(c)?;
            catalog::insert_environment(c, &env)
        })?;
        Ok(env)
    }
}
