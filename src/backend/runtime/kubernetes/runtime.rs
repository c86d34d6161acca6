//! The Kubernetes runtime: releases applied to a real cluster and recorded in Helm's own
//! storage, so that `helm list/history/status/rollback/uninstall` work on them.
//!
//! Apply: the Helm record first (`pending-*`, numbered after whatever Helm's history holds, a
//! revision made by hand included), then the objects by server-side apply, then objects the
//! previous revision had and this one has not are deleted. The lifecycle records the outcome
//! (`deployed` and the previous one `superseded`, or `failed`). Rollouts and LoadBalancers are
//! followed with watches (`watch.rs`); uninstall follows Helm: the objects of the stored
//! manifests, then the records.

use std::collections::BTreeSet;
use std::path::PathBuf;

use async_trait::async_trait;
use chrono::Utc;
use futures::stream::BoxStream;
use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client};

use super::client::{Clients, Context, call};
use super::helm_record::{Release, Status};
use super::manifest::{ManifestObject, manifest_objects};
use super::{loadbalancer, namespaces, objects, records, render, watch};
use crate::backend::model::{LoadBalancer, Namespace};
use crate::backend::runtime::{
    AppliedRelease, ClusterRef, ReleaseHead, ReleaseOutcome, ReleaseRef, ReleaseSpec,
    RolloutProgress, Runtime, RuntimeError, RuntimeResult, chart,
};

/// The label on a Helm record that names the zopdeck revision it carries.
pub const RECORD_REVISION_ID: &str = "zopdeck.dev/revision-id";

/// Drives every Kubernetes cluster the engine knows; one client per kubeconfig context.
#[derive(Default)]
pub struct KubeRuntime {
    clients: std::sync::Arc<Clients>,
}

fn context_of(cluster: &ClusterRef) -> RuntimeResult<Context> {
    let kubeconfig: PathBuf = cluster.kubeconfig.clone().ok_or_else(|| {
        RuntimeError::Rejected(format!(
            "cluster {} has no kubeconfig on record; create its space again with \
             `zopdeck spaces create --context {}`",
            cluster.name, cluster.name
        ))
    })?;
    Ok(Context {
        kubeconfig,
        context: cluster.name.clone(),
    })
}

impl KubeRuntime {
    pub fn new() -> Self {
        Self::default()
    }

    fn clients_handle(&self) -> std::sync::Arc<Clients> {
        std::sync::Arc::clone(&self.clients)
    }

    pub(super) async fn client(&self, cluster: &ClusterRef) -> RuntimeResult<Client> {
        self.clients.get(&context_of(cluster)?).await
    }

    fn secrets(client: &Client, r: &ReleaseRef) -> Api<Secret> {
        Api::namespaced(client.clone(), &r.namespace)
    }

    /// The release's history in Helm's storage, oldest first.
    pub async fn history(&self, r: &ReleaseRef) -> RuntimeResult<Vec<Release>> {
        let client = self.client(&r.cluster).await?;
        records::history(&Self::secrets(&client, r), &r.cluster.name, r).await
    }
}

/// The spec with its rollback target numbered as Helm numbered it (the record that carried
/// that zopdeck revision), so that "Rollback to N" names Helm's N.
fn helm_numbered(spec: &ReleaseSpec, history: &[Release]) -> ReleaseSpec {
    let mut spec = spec.clone();
    if let Some(target) = spec.rollback_to.as_mut()
        && let Some(rel) = history
            .iter()
            .find(|h| h.labels.get(RECORD_REVISION_ID) == Some(&target.revision_id))
    {
        target.number = rel.version;
    }
    spec
}

/// The objects every record of a history lists (a revision made by hand may list others).
fn objects_of(history: &[Release]) -> Vec<ManifestObject> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for rel in history {
        match manifest_objects(&rel.manifest) {
            Ok(objs) => {
                for o in objs {
                    if seen.insert((
                        o.api_version.clone(),
                        o.kind.clone(),
                        o.namespace.clone(),
                        o.name.clone(),
                    )) {
                        out.push(o);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(release = %rel.name, version = rel.version, "unreadable manifest: {e}")
            }
        }
    }
    out
}

#[async_trait]
impl Runtime for KubeRuntime {
    fn kind(&self) -> &'static str {
        "kubernetes"
    }

    fn is_simulated(&self) -> bool {
        false
    }

    async fn check(&self, cluster: &ClusterRef) -> RuntimeResult<()> {
        let client = self.client(cluster).await?;
        namespaces::version(&client, &cluster.name)
            .await
            .map(|_| ())
    }

    async fn list_namespaces(&self, cluster: &ClusterRef) -> RuntimeResult<Vec<Namespace>> {
        let client = self.client(cluster).await?;
        namespaces::list(&client, &cluster.name).await
    }

    async fn ensure_namespace(&self, cluster: &ClusterRef, name: &str) -> RuntimeResult<Namespace> {
        let client = self.client(cluster).await?;
        namespaces::ensure(&client, &cluster.name, name).await
    }

    async fn apply(&self, spec: &ReleaseSpec) -> RuntimeResult<AppliedRelease> {
        let r = &spec.release;
        let cluster = r.cluster.name.as_str();
        let client = self.client(&r.cluster).await?;
        let secrets = Self::secrets(&client, r);
        let rendered = render::render(spec).map_err(|e| RuntimeError::Rejected(e.to_string()))?;
        let history = records::history(&secrets, cluster, r).await?;
        let spec = &helm_numbered(spec, &history);
        let latest = history.last().cloned();
        let ours = latest
            .as_ref()
            .filter(|rel| rel.labels.get(RECORD_REVISION_ID) == Some(&spec.revision_id));
        let version = match ours {
            // Recorded already (a job resumed after a crash): apply its objects again.
            Some(rel) => rel.version,
            None => {
                let version = latest.as_ref().map_or(1, |l| l.version + 1);
                if let Some(stuck) = latest.clone().filter(|l| l.info.status.is_pending()) {
                    let why = format!("Interrupted: superseded by revision {version}");
                    records::set_status(&secrets, cluster, stuck, Status::Failed, Some(why))
                        .await?;
                }
                let status = match (&spec.rollback_to, latest.is_some()) {
                    (Some(_), _) => Status::PendingRollback,
                    (None, false) => Status::PendingInstall,
                    (None, true) => Status::PendingUpgrade,
                };
                let now = Utc::now();
                let first = history.first().map_or(now, |f| f.info.first_deployed);
                let record = chart::release_record(spec, version, status, &first, &now)
                    .map_err(|e| RuntimeError::Rejected(e.to_string()))?;
                records::write(&secrets, cluster, &record).await?;
                version
            }
        };
        objects::apply(&client, cluster, &r.namespace, &rendered).await?;
        // What the revisions before listed and this one does not is deleted (envVars or
        // expose removed), as `helm upgrade` does.
        let now_listed = chart::manifest(spec)
            .ok()
            .and_then(|m| manifest_objects(&m).ok())
            .unwrap_or_default();
        let before: Vec<Release> = history
            .into_iter()
            .filter(|h| h.version != version)
            .collect();
        let stale: Vec<ManifestObject> = objects_of(&before)
            .into_iter()
            .filter(|o| {
                !now_listed
                    .iter()
                    .any(|n| n.kind == o.kind && n.name == o.name)
            })
            .collect();
        objects::delete_all(&client, cluster, &r.namespace, &stale, true).await?;
        Ok(AppliedRelease {
            version,
            description: chart::description(spec, version),
        })
    }

    fn watch_rollout(
        &self,
        release: &ReleaseRef,
        version: u32,
    ) -> BoxStream<'static, RuntimeResult<RolloutProgress>> {
        watch::rollout(self.clients_handle(), release.clone(), version)
    }

    async fn record_outcome(
        &self,
        release: &ReleaseRef,
        version: u32,
        outcome: &ReleaseOutcome,
    ) -> RuntimeResult<()> {
        let cluster = release.cluster.name.as_str();
        let client = self.client(&release.cluster).await?;
        let secrets = Self::secrets(&client, release);
        let history = records::history(&secrets, cluster, release).await?;
        let Some(rel) = history.iter().find(|h| h.version == version).cloned() else {
            return Err(RuntimeError::Rejected(format!(
                "release {} has no revision {version} to mark",
                release.name
            )));
        };
        match outcome {
            ReleaseOutcome::Deployed => {
                // As Helm does: the revision deployed before is superseded now.
                for older in history
                    .iter()
                    .filter(|h| h.version < version && h.info.status == Status::Deployed)
                {
                    records::set_status(&secrets, cluster, older.clone(), Status::Superseded, None)
                        .await?;
                }
                let mut rel = rel;
                rel.info.last_deployed = Utc::now();
                records::set_status(&secrets, cluster, rel, Status::Deployed, None).await
            }
            ReleaseOutcome::Failed(reason) => {
                let description = format!("Release \"{}\" failed: {reason}", release.name);
                records::set_status(&secrets, cluster, rel, Status::Failed, Some(description)).await
            }
            ReleaseOutcome::Superseded => {
                records::set_status(&secrets, cluster, rel, Status::Superseded, None).await
            }
        }
    }

    async fn loadbalancer(&self, release: &ReleaseRef) -> RuntimeResult<LoadBalancer> {
        loadbalancer::get(self.client(&release.cluster).await?, release).await
    }

    fn watch_loadbalancer(
        &self,
        release: &ReleaseRef,
    ) -> BoxStream<'static, RuntimeResult<LoadBalancer>> {
        loadbalancer::watch(self.clients_handle(), release.clone())
    }

    async fn stuck_releases(
        &self,
        cluster: &ClusterRef,
        namespace: &str,
    ) -> RuntimeResult<Vec<ReleaseHead>> {
        let client = self.client(cluster).await?;
        let api: Api<Secret> = Api::namespaced(client, namespace);
        let list = call(
            &cluster.name,
            &format!("list the Helm records in {namespace}"),
            api.list(&kube::api::ListParams::default().labels("owner=helm")),
        )
        .await?;
        let mut newest: std::collections::BTreeMap<String, Release> = Default::default();
        for s in &list.items {
            if let Ok(rel) = super::helm_record::release_from_secret(s)
                && newest
                    .get(&rel.name)
                    .is_none_or(|n| n.version < rel.version)
            {
                newest.insert(rel.name.clone(), rel);
            }
        }
        Ok(newest
            .into_values()
            .filter(|r| r.info.status.is_pending())
            .map(|r| ReleaseHead {
                name: r.name.clone(),
                version: r.version,
                status: r.info.status.as_str().to_string(),
                description: r.info.description.clone(),
                revision_id: r.labels.get(RECORD_REVISION_ID).cloned(),
            })
            .collect())
    }

    fn watch_releases(
        &self,
        cluster: &ClusterRef,
        namespace: &str,
    ) -> BoxStream<'static, RuntimeResult<ReleaseHead>> {
        watch::releases(
            self.clients_handle(),
            cluster.clone(),
            namespace.to_string(),
        )
    }

    async fn uninstall(&self, release: &ReleaseRef) -> RuntimeResult<bool> {
        let cluster = release.cluster.name.as_str();
        let client = self.client(&release.cluster).await?;
        let secrets = Self::secrets(&client, release);
        let history = records::history(&secrets, cluster, release).await?;
        let objs = objects_of(&history);
        let nothing =
            objects::delete_all(&client, cluster, &release.namespace, &objs, true).await?;
        objects::wait_gone(&client, cluster, &release.namespace, &objs).await?;
        // Then the records, as `helm uninstall` does: the release is gone from `helm list`.
        let records: Vec<ManifestObject> = history
            .iter()
            .map(|h| ManifestObject {
                api_version: "v1".into(),
                kind: "Secret".into(),
                namespace: Some(release.namespace.clone()),
                name: super::helm_record::secret_name(&h.name, h.version),
            })
            .collect();
        objects::delete_all(&client, cluster, &release.namespace, &records, false).await?;
        Ok(nothing && history.is_empty())
    }
}
