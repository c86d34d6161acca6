//! Kubeconfig files as cloud accounts: registering one (its path only, never what it holds),
//! its clusters (the file's contexts, read afresh whenever they are listed), and the config
//! of a space on one of its contexts.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use uuid::Uuid;

use super::Engine;
use super::spaces::config_str;
use super::store::catalog;
use crate::backend::error::{BackendError, Result};
use crate::backend::model::{Cluster, LocalContext, NewSpace, Space};
use crate::backend::runtime::kubernetes::discovery;

/// A kubeconfig file registered as a cloud account, with its contexts as clusters.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeconfigAccount {
    pub id: String,
    pub kubeconfig: PathBuf,
    pub clusters: Vec<Cluster>,
    /// False when the file was registered already.
    pub created: bool,
}

/// The account id of a kubeconfig file: the same file is always the same account.
pub fn account_id(path: &Path) -> String {
    let uuid = Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("zopdeck:kubeconfig:{}", path.display()).as_bytes(),
    );
    format!("ca_kc_{}", &uuid.simple().to_string()[..16])
}

impl Engine {
    /// Registers a kubeconfig file as a cloud account (idempotent) and reads its contexts.
    /// The path is made absolute (symlinks are kept: a retargeted `~/.kube/config` is
    /// followed); the file must be readable now.
    pub fn register_kubeconfig(&self, path: &Path) -> Result<KubeconfigAccount> {
        let path = std::path::absolute(path).map_err(|e| {
            BackendError::validation(
                "kubeconfig",
                format!("cannot use the path {}: {e}", path.display()),
            )
        })?;
        let contexts = discovery::discover(&path)
            .map_err(|e| BackendError::validation("kubeconfig", e.message()))?;
        let id = account_id(&path);
        let shown = path.display().to_string();
        let now = self.now();
        let created = self.store.write(|c| {
            let existed = catalog::cloud_account_exists(c, &id)?;
            catalog::insert_kubeconfig_account(
                c,
                &id,
                &format!("kubeconfig {shown}"),
                &shown,
                &now,
            )?;
            catalog::sync_contexts(c, &id, &contexts)?;
            Ok(!existed)
        })?;
        Ok(KubeconfigAccount {
            clusters: self.store.read(|c| catalog::list_clusters(c, &id))?,
            id,
            kubeconfig: path,
            created,
        })
    }

    /// The contexts of this machine's kubeconfig files, for a space to be registered on. A
    /// file that cannot be read is an error naming it; no file at all is an empty list.
    pub fn local_contexts_op(&self) -> Result<Vec<LocalContext>> {
        let mut all = Vec::new();
        for file in discovery::local_kubeconfigs() {
            let contexts = discovery::discover(&file)
                .map_err(|e| BackendError::validation("kubeconfig", e.message()))?;
            all.extend(contexts.into_iter().map(|c| LocalContext {
                kubeconfig: file.display().to_string(),
                name: c.name,
                server: c.server,
                provider: c.provider,
                region: c.region,
                current: c.current,
            }));
        }
        Ok(all)
    }

    /// A space on a context of a local kubeconfig file: the file registered as a cloud
    /// account, access to the context once it answers, then the space. A space of that name
    /// on the same context is returned as it is; on another, it is a conflict.
    pub async fn create_space_on_context_op(
        &self,
        name: &str,
        kubeconfig: Option<&Path>,
        context: &str,
    ) -> Result<Space> {
        crate::backend::model::validate::dns_label("name", name, 63)?;
        crate::backend::model::validate::free_text("context", context)?;
        let file = match kubeconfig {
            Some(f) => f.to_path_buf(),
            None => discovery::default_kubeconfig(Some(context)).ok_or_else(|| {
                BackendError::validation(
                    "kubeconfig",
                    "no kubeconfig found: name the file, or set KUBECONFIG",
                )
            })?,
        };
        let account = self.register_kubeconfig(&file)?;
        if !account.clusters.iter().any(|c| c.name == context) {
            let names: Vec<&str> = account.clusters.iter().map(|c| c.name.as_str()).collect();
            return Err(BackendError::validation(
                "context",
                format!(
                    "the kubeconfig {} has no context {context:?} (it has: {})",
                    account.kubeconfig.display(),
                    names.join(", ")
                ),
            ));
        }
        let done =
            crate::backend::context_space::space_on_context(self, &account.id, name, context)
                .await?;
        Ok(done.space)
    }

    /// Reads the contexts of a kubeconfig account's file into its clusters; does nothing on
    /// other accounts. A file that cannot be read is a conflict that names it.
    pub(super) fn refresh_contexts(&self, account: &str) -> Result<()> {
        let Some(path) = self
            .store
            .read(|c| catalog::account_kubeconfig(c, account))?
        else {
            return Ok(());
        };
        let contexts = discovery::discover(Path::new(&path)).map_err(|e| {
            BackendError::Conflict(format!("cloud account {account}: {}", e.message()))
        })?;
        self.store
            .write(|c| catalog::sync_contexts(c, account, &contexts))
    }

    /// A space on a kubeconfig account: the context (`config.context`, or `clusterName`), its
    /// region found among the file's contexts when not given. The stored config names the
    /// file and the context (never credentials) and keeps `clusterName`/`region` for readers
    /// of the contract's shape. No `resourceGroup` on azure: it serves to mint credentials
    /// through Azure, and here the kubeconfig is the credential.
    pub(super) fn kubeconfig_space_config(
        &self,
        req: &NewSpace,
        path: &std::path::Path,
    ) -> Result<(String, String, Value)> {
        let context = config_str(&req.config, "context");
        let named = config_str(&req.config, "clusterName");
        let name = match (context, named) {
            (Some(a), Some(b)) if a != b => {
                return Err(BackendError::validation(
                    "config.context",
                    format!(
                        "config.context {a:?} and config.clusterName {b:?} name different contexts"
                    ),
                ));
            }
            (Some(n), _) | (None, Some(n)) => n.to_string(),
            (None, None) => {
                return Err(BackendError::validation(
                    "config.context",
                    "config.context (the kubeconfig context) is required",
                ));
            }
        };
        if let Some(given) = config_str(&req.config, "kubeconfig")
            && std::path::Path::new(given) != path
        {
            return Err(BackendError::validation(
                "config.kubeconfig",
                format!(
                    "cloud account {} is the kubeconfig {}, not {given}",
                    req.cloud_account_id,
                    path.display()
                ),
            ));
        }
        self.refresh_contexts(&req.cloud_account_id)?;
        let clusters = self
            .store
            .read(|c| catalog::list_clusters(c, &req.cloud_account_id))?;
        let region = match config_str(&req.config, "region") {
            Some(r) => r.to_string(),
            None => match clusters.iter().find(|c| c.name == name) {
                Some(c) => c.region.clone(),
                None => {
                    let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
                    return Err(BackendError::validation(
                        "config.context",
                        format!(
                            "the kubeconfig {} has no context {name:?} (it has: {})",
                            path.display(),
                            names.join(", ")
                        ),
                    ));
                }
            },
        };
        let mut config = req.config.clone();
        if let Some(obj) = config.as_object_mut() {
            obj.insert("kubeconfig".into(), json!(path.display().to_string()));
            obj.insert("context".into(), json!(name));
            obj.insert("clusterName".into(), json!(name));
            obj.insert("region".into(), json!(region));
        }
        Ok((name, region, config))
    }

    /// The kubeconfig file behind an account, if it is a kubeconfig account.
    pub(super) fn account_kubeconfig(&self, account: &str) -> Result<Option<PathBuf>> {
        Ok(self
            .store
            .read(|c| catalog::account_kubeconfig(c, account))?
            .map(PathBuf::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_one_account_id() {
        let a = account_id(Path::new("/home/me/.kube/config"));
        assert!(a.starts_with("ca_kc_") && a.len() == 22, "{a}");
        assert_eq!(a, account_id(Path::new("/home/me/.kube/config")));
        assert_ne!(a, account_id(Path::new("/home/me/.kube/other")));
    }
}
