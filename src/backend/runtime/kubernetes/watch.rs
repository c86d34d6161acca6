//! Following the cluster with watches, never a polling loop: a rollout (the Deployment by
//! name and the pods of the revision, `kubectl rollout status` rules plus pod failures that end
//! it early) and Helm's records of a namespace (a LoadBalancer: `loadbalancer.rs`). Each watch runs in a task feeding the
//! stream it returns and ends when the stream is dropped; a watch that ends, errors or gets
//! `410 Gone` re-lists quietly (kube-runtime's `watcher` with back-off).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures::stream::{BoxStream, StreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Secret};
use kube::Api;
use kube::runtime::{WatchStreamExt, watcher};
use tokio::sync::mpsc;

use super::client::Clients;
use super::render::{ANNOTATION_REVISION_ID, LABEL_DEPLOYMENT_ID, LABEL_INSTANCE, LABEL_REVISION};
use super::rollout::{self, PodFailureKind, RolloutState};
use super::runtime::RECORD_REVISION_ID;
use super::{client, helm_record, records};
use crate::backend::runtime::{
    ClusterRef, ReleaseHead, ReleaseRef, RolloutPhase, RolloutProgress, RuntimeError, RuntimeResult,
};

/// How long a pod may stay Unschedulable before the rollout fails with the scheduler's word
/// (an autoscaler may add a node in that time).
const UNSCHEDULABLE_GRACE: Duration = Duration::from_secs(5);

pub(super) fn channel_stream<T: Send + 'static>(
    mut rx: mpsc::Receiver<T>,
) -> BoxStream<'static, T> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
}

pub(super) async fn client_for(
    clients: &Clients,
    cluster: &ClusterRef,
) -> RuntimeResult<kube::Client> {
    let kubeconfig = cluster.kubeconfig.clone().ok_or_else(|| {
        RuntimeError::Rejected(format!(
            "cluster {} has no kubeconfig on record",
            cluster.name
        ))
    })?;
    clients
        .get(&client::Context {
            kubeconfig,
            context: cluster.name.clone(),
        })
        .await
}

/// A watcher error: a refusal (401/403) is final, anything else passes.
pub(super) fn watch_error(cluster: &str, what: &str, e: &watcher::Error) -> RuntimeError {
    let inner = match e {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => Some(e),
        _ => None,
    };
    match inner {
        Some(e) => client::classify(cluster, what, e),
        None => RuntimeError::Transient(format!("watching {what} on {cluster}: {e}")),
    }
}

/// The rollout of release revision `version`.
pub fn rollout(
    clients: Arc<Clients>,
    release: ReleaseRef,
    version: u32,
) -> BoxStream<'static, RuntimeResult<RolloutProgress>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        if let Err(e) = follow_rollout(&clients, &release, version, &tx).await {
            let _ = tx.send(Err(e)).await;
        }
    });
    channel_stream(rx)
}

async fn follow_rollout(
    clients: &Clients,
    r: &ReleaseRef,
    version: u32,
    tx: &mpsc::Sender<RuntimeResult<RolloutProgress>>,
) -> RuntimeResult<()> {
    let cluster = r.cluster.name.clone();
    let client = client_for(clients, &r.cluster).await?;
    let secrets = Api::namespaced(client.clone(), &r.namespace);
    let record = records::history(&secrets, &cluster, r)
        .await?
        .into_iter()
        .find(|rel| rel.version == version)
        .ok_or_else(|| {
            RuntimeError::Rejected(format!(
                "release {} has no revision {version} in {}",
                r.name, r.namespace
            ))
        })?;
    let revision_id = record.labels.get(RECORD_REVISION_ID).cloned();
    let desired = record
        .config
        .get("replicas")
        .and_then(|v| v.as_u64())
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or(1);
    // The pods of this revision: by zopdeck's labels, or the release's when made by hand.
    let pods_selector = match (
        record.config.get("deploymentId"),
        record.config.get("revision"),
    ) {
        (Some(dep), Some(rev)) => format!(
            "{LABEL_DEPLOYMENT_ID}={},{LABEL_REVISION}={}",
            dep.as_str().unwrap_or_default(),
            rev.as_u64().map(|n| n.to_string()).unwrap_or_default()
        ),
        _ => format!("{LABEL_INSTANCE}={}", r.name),
    };
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &r.namespace);
    let pods: Api<Pod> = Api::namespaced(client, &r.namespace);
    let mut dep_events = watcher(
        deployments,
        watcher::Config::default().fields(&format!("metadata.name={}", r.name)),
    )
    .default_backoff()
    .boxed();
    let mut pod_events = watcher(pods, watcher::Config::default().labels(&pods_selector))
        .default_backoff()
        .boxed();

    let mut deployment: Option<Deployment> = None;
    let mut pod_map: BTreeMap<String, Pod> = BTreeMap::new();
    let mut last: Option<RolloutProgress> = None;
    let mut wake_at: Option<tokio::time::Instant> = None;
    loop {
        let wake = async {
            match wake_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = dep_events.next() => match ev {
                Some(Ok(watcher::Event::Apply(d) | watcher::Event::InitApply(d))) => deployment = Some(d),
                Some(Ok(watcher::Event::Delete(_))) => deployment = None,
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    let e = watch_error(&cluster, &format!("deployment {}", r.name), &e);
                    if !e.is_transient() { return Err(e); }
                    tracing::debug!(release = %r.name, "rollout watch: {e}");
                    continue;
                }
                None => return Err(RuntimeError::Transient("the deployment watch ended".into())),
            },
            ev = pod_events.next() => match ev {
                Some(Ok(watcher::Event::Init)) => pod_map.clear(),
                Some(Ok(watcher::Event::Apply(p) | watcher::Event::InitApply(p))) => {
                    pod_map.insert(p.metadata.name.clone().unwrap_or_default(), p);
                }
                Some(Ok(watcher::Event::Delete(p))) => {
                    pod_map.remove(&p.metadata.name.clone().unwrap_or_default());
                }
                Some(Ok(watcher::Event::InitDone)) => {}
                Some(Err(e)) => {
                    let e = watch_error(&cluster, &format!("the pods of {}", r.name), &e);
                    if !e.is_transient() { return Err(e); }
                    tracing::debug!(release = %r.name, "pod watch: {e}");
                    continue;
                }
                None => return Err(RuntimeError::Transient("the pod watch ended".into())),
            },
            () = wake => {}
            () = tx.closed() => return Ok(()),
        }
        let (now, next_wake) = observe(
            deployment.as_ref(),
            &pod_map,
            revision_id.as_deref(),
            version,
            desired,
        );
        wake_at = next_wake;
        if last.as_ref() != Some(&now) {
            let terminal = now.phase != RolloutPhase::Progressing;
            if tx.send(Ok(now.clone())).await.is_err() || terminal {
                return Ok(());
            }
            last = Some(now);
        }
    }
}

/// Where the rollout stands, and when to look again without news (an Unschedulable pod's grace
/// running out).
fn observe(
    deployment: Option<&Deployment>,
    pods: &BTreeMap<String, Pod>,
    revision_id: Option<&str>,
    version: u32,
    desired: u32,
) -> (RolloutProgress, Option<tokio::time::Instant>) {
    let waiting = |message: String| RolloutProgress {
        ready: 0,
        desired,
        message: Some(message),
        phase: RolloutPhase::Progressing,
    };
    let Some(d) = deployment else {
        return (
            waiting(format!(
                "waiting for the deployment of revision {version} to appear"
            )),
            None,
        );
    };
    let carries = d
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ANNOTATION_REVISION_ID))
        .map(String::as_str);
    if revision_id.is_some() && carries != revision_id {
        return (
            waiting(format!("waiting for revision {version} to be applied")),
            None,
        );
    }
    let mut wake = None;
    for failure in pods.values().filter_map(rollout::pod_failure) {
        if failure.kind != PodFailureKind::Unschedulable {
            return (failed(failure.reason), None);
        }
        let since = failure.since.unwrap_or_else(Utc::now);
        let grace = chrono::Duration::from_std(UNSCHEDULABLE_GRACE).unwrap_or_default();
        let left = (since + grace - Utc::now()).to_std().unwrap_or_default();
        if left.is_zero() {
            return (failed(failure.reason), None);
        }
        wake = Some(tokio::time::Instant::now() + left);
    }
    let generation = d.metadata.generation.unwrap_or_default();
    let state = rollout::deployment_state(d, generation);
    let mut progress = state.to_progress();
    // Pods report Ready before the controller counts them available: the count follows the
    // pods, so a card moves as soon as a pod is ready.
    let ready_pods = rollout::ready_pods(pods.values()).min(progress.desired);
    if matches!(state, RolloutState::Progressing { .. }) && ready_pods > progress.ready {
        progress.ready = ready_pods;
        progress.message = Some(format!(
            "{ready_pods} of {} pods ready; waiting for the deployment to count them available",
            progress.desired
        ));
    }
    (progress, wake)
}

fn failed(reason: String) -> RolloutProgress {
    RolloutProgress {
        ready: 0,
        desired: 0,
        message: None,
        phase: RolloutPhase::Failed(reason),
    }
}

/// Every Helm record of the namespace as it changes: its release's head, for noticing a
/// revision zopdeck did not write.
pub fn releases(
    clients: Arc<Clients>,
    cluster: ClusterRef,
    namespace: String,
) -> BoxStream<'static, RuntimeResult<ReleaseHead>> {
    let (tx, rx) = mpsc::channel(32);
    tokio::spawn(async move {
        if let Err(e) = follow_records(&clients, &cluster, &namespace, &tx).await {
            let _ = tx.send(Err(e)).await;
        }
    });
    channel_stream(rx)
}

async fn follow_records(
    clients: &Clients,
    cluster: &ClusterRef,
    namespace: &str,
    tx: &mpsc::Sender<RuntimeResult<ReleaseHead>>,
) -> RuntimeResult<()> {
    let client = client_for(clients, cluster).await?;
    let api: Api<Secret> = Api::namespaced(client, namespace);
    let mut events = watcher(
        api,
        watcher::Config::default().labels(&format!("owner={}", helm_record::OWNER)),
    )
    .default_backoff()
    .boxed();
    loop {
        let secret = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(watcher::Event::Apply(s) | watcher::Event::InitApply(s))) => s,
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    let e = watch_error(&cluster.name, &format!("the Helm records of {namespace}"), &e);
                    if !e.is_transient() { return Err(e); }
                    tracing::debug!(%namespace, "release watch: {e}");
                    continue;
                }
                None => return Err(RuntimeError::Transient("the release watch ended".into())),
            },
            () = tx.closed() => return Ok(()),
        };
        let Ok(rel) = helm_record::release_from_secret(&secret) else {
            continue;
        };
        let head = ReleaseHead {
            name: rel.name.clone(),
            version: rel.version,
            status: rel.info.status.as_str().to_string(),
            description: rel.info.description.clone(),
            revision_id: rel.labels.get(RECORD_REVISION_ID).cloned(),
        };
        if tx.send(Ok(head)).await.is_err() {
            return Ok(());
        }
    }
}
