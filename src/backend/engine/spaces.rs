//! Spaces, cloud-account clusters, namespaces and environments on the embedded engine,
//! following the contract's rules.

use serde_json::Value;

use super::store::catalog;
use super::{Engine, ids, validate};
use crate::backend::error::{BackendError, Result};
use crate::backend::model::*;

const PROVIDERS: [&str; 3] = ["aws", "gcp", "azure"];

/// A string field of a space's `config` object.
fn config_str<'a>(config: &'a Value, key: &str) -> Option<&'a str> {
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
                    "provider must be one of aws, gcp, azure (got {:?})",
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
        let now = self.now();
        let space = Space {
            id: ids::new_id("spc"),
            name: req.name.clone(),
            provider: req.provider.clone(),
            space_type,
            cloud_account_id: req.cloud_account_id.clone(),
            status: SpaceStatus::Active,
            config: req.config.to_string(),
            created_at: now,
        };
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
            catalog::insert_space(c, &space, &region, cluster_name)?;
            if cluster.runtime == "sandbox" {
                // What a fresh cluster already has.
                for ns in ["default", "kube-system"] {
                    catalog::insert_namespace(c, &space.id, ns, false, &now)?;
                }
            }
            Ok(())
        })?;
        Ok(space)
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

    pub(super) fn create_namespace_op(&self, space_id: &str, name: &str) -> Result<Namespace> {
        self.space(space_id)?;
        validate::dns_label("name", name, 63)?;
        let now = self.now();
        if !self
            .store
            .write(|c| catalog::insert_namespace(c, space_id, name, true, &now))?
        {
            return Err(BackendError::Conflict(format!(
                "namespace {name} already exists in space {space_id}"
            )));
        }
        Ok(Namespace {
            name: name.to_string(),
            managed_by_zopnight: true,
            created_at: Some(now),
        })
    }

    pub(super) fn set_cluster_access_op(
        &self,
        account: &str,
        region: &str,
        name: &str,
        register: bool,
    ) -> Result<Cluster> {
        validate::free_texts(&[
            ("accountID", Some(account)),
            ("region", Some(region)),
            ("clusterName", Some(name)),
        ])?;
        // Registering records that kubeconfigs may be minted; no credential is kept.
        self.store.write(|c| {
            if !catalog::cloud_account_exists(c, account)? {
                return Err(BackendError::not_found("cloud account", account));
            }
            if !catalog::set_cluster_access(c, account, region, name, register)? {
                return Err(BackendError::not_found(
                    "cluster",
                    format!("{region}/{name}"),
                ));
            }
            catalog::get_cluster(c, account, region, name)?
                .ok_or_else(|| BackendError::not_found("cluster", format!("{region}/{name}")))
        })
    }

    pub(super) fn create_environment_op(&self, req: NewEnvironment) -> Result<Environment> {
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
        self.store.write(|c| {
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
            catalog::insert_namespace(c, &req.space_id, &req.namespace, true, &now)?;
            catalog::insert_environment(c, &env)
        })?;
        Ok(env)
    }
}
