//! The clusters of a cloud account and access to them: listing (a kubeconfig account's read
//! afresh from its file), registering access once the cluster answers, revoking it.

use super::Engine;
use super::store::catalog;
use crate::backend::error::{BackendError, Result};
use crate::backend::model::validate;
use crate::backend::model::*;
use crate::backend::runtime::ClusterRef;

impl Engine {
    pub(super) async fn list_clusters_op(&self, account: &str) -> Result<Vec<Cluster>> {
        if !self
            .store
            .read(|c| catalog::cloud_account_exists(c, account))?
        {
            return Err(BackendError::not_found("cloud account", account));
        }
        self.refresh_contexts(account)?;
        self.store.read(|c| catalog::list_clusters(c, account))
    }

    /// Registers access to a cluster once it answers (`check`, a short timeout): on a
    /// kubeconfig account, after reading the file's contexts again.
    pub(super) async fn register_cluster_access_op(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<Cluster> {
        validate::free_texts(&[
            ("accountID", Some(account)),
            ("region", Some(region)),
            ("clusterName", Some(name)),
        ])?;
        if !self
            .store
            .read(|c| catalog::cloud_account_exists(c, account))?
        {
            return Err(BackendError::not_found("cloud account", account));
        }
        self.refresh_contexts(account)?;
        let cluster = self
            .store
            .read(|c| catalog::get_cluster(c, account, region, name))?
            .ok_or_else(|| BackendError::not_found("cluster", format!("{region}/{name}")))?;
        let cref = ClusterRef {
            account: account.to_string(),
            region: region.to_string(),
            name: name.to_string(),
            kubeconfig: self.account_kubeconfig(account)?,
        };
        self.check_answers(&cref, &cluster).await?;
        let registered = self.set_cluster_access_op(account, region, name, true)?;
        self.probes.forget(&cref);
        Ok(registered)
    }

    pub(super) fn revoke_cluster_access_op(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<()> {
        self.set_cluster_access_op(account, region, name, false)?;
        let kubeconfig = self.account_kubeconfig(account)?;
        self.probes.forget(&ClusterRef {
            account: account.to_string(),
            region: region.to_string(),
            name: name.to_string(),
            kubeconfig,
        });
        Ok(())
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
        // Records the access only (see `register_cluster_access_op` for the check); no
        // credential is kept.
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
}
