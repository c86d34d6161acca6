//! Where releases land. A `Runtime` applies a release, watches its rollout, records how it
//! ended, watches its LoadBalancer and uninstalls it: the sandbox (a simulated cluster) and
//! the Kubernetes runtime driven with `kube` implement it.

pub mod chart;
pub mod kubernetes;
pub mod sandbox;

use std::path::PathBuf;

use async_trait::async_trait;
use futures::stream::BoxStream;
use thiserror::Error;

use crate::backend::model::configs::TypedConfigs;
use crate::backend::model::{LoadBalancer, Namespace};

/// A failure reported by a runtime, worded for the user (it ends up in an event), of the kind
/// that says what the engine does about it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuntimeError {
    /// A passing fault (connection refused, a timeout, 429/5xx, a watch that closed): the
    /// worker backs off and retries the stage; the revision does not fail.
    #[error("{0}")]
    Transient(String),
    /// The cluster refused the request or the object (a 4xx, an invalid object): the
    /// revision fails with this message.
    #[error("{0}")]
    Rejected(String),
    /// The credentials lack a permission (401/403, verb and resource named): the revision
    /// fails with this message.
    #[error("{0}")]
    Forbidden(String),
}

impl RuntimeError {
    pub fn message(&self) -> &str {
        match self {
            Self::Transient(m) | Self::Rejected(m) | Self::Forbidden(m) => m,
        }
    }

    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// The newest revision of a release, as the cluster's release storage shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseHead {
    pub name: String,
    pub version: u32,
    /// Helm's status word (`deployed`, `pending-rollback` …).
    pub status: String,
    pub description: String,
    /// The zopdeck revision the record names, if any (a `helm rollback` copies the target's).
    pub revision_id: Option<String>,
}

/// How a release revision ended, as the lifecycle records it on the runtime (Helm's statuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseOutcome {
    /// Rolled out: `deployed`, and the revision before it `superseded`.
    Deployed,
    /// `failed`, with the reason.
    Failed(String),
    /// A newer revision took over before this one finished.
    Superseded,
}

pub type RuntimeResult<T> = Result<T, RuntimeError>;

/// The cluster a space is bound to. On a kubeconfig account `name` is the context and
/// `kubeconfig` the file that holds it (only its path: zopdeck never copies credentials).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClusterRef {
    pub account: String,
    pub region: String,
    /// The cluster's name; on a kubeconfig account, the context's.
    pub name: String,
    /// On a kubeconfig account: the file the context is in (the store keeps only its path).
    pub kubeconfig: Option<PathBuf>,
}

impl ClusterRef {
    /// Where the cluster is kept apart from others (the sandbox's state is keyed by it).
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.account, self.region, self.name)
    }
}

/// A Helm-style release: named after the deployment, in the environment's namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReleaseRef {
    pub cluster: ClusterRef,
    pub namespace: String,
    pub name: String,
}

/// Everything needed to render and apply one revision of a deployment.
#[derive(Debug, Clone)]
pub struct ReleaseSpec {
    pub release: ReleaseRef,
    /// The zopdeck deployment the release belongs to (labelled on every object).
    pub deployment_id: String,
    /// The zopdeck revision this release carries; applying the same one twice is a no-op.
    pub revision_id: String,
    pub revision_number: u32,
    pub image: String,
    pub configs: TypedConfigs,
    /// Set when the revision is a rollback: Helm describes it as "Rollback to N".
    pub rollback_to: Option<RollbackTarget>,
}

/// The revision a rollback goes back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackTarget {
    pub revision_id: String,
    /// The release revision it was applied as, where the runtime numbers releases itself
    /// (the sandbox: zopdeck's number). A Kubernetes runtime looks up Helm's own number,
    /// which differs once someone ran `helm upgrade`/`rollback` by hand.
    pub number: u32,
}

/// What an apply recorded: the release's own (Helm) revision number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedRelease {
    pub version: u32,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutPhase {
    Progressing,
    Complete,
    Failed(String),
}

/// One observation of a rollout, with `kubectl rollout status` semantics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutProgress {
    pub ready: u32,
    pub desired: u32,
    /// Why pods are not ready yet (Pending, CrashLoopBackOff …), when known.
    pub message: Option<String>,
    pub phase: RolloutPhase,
}

#[async_trait]
pub trait Runtime: Send + Sync {
    /// `sandbox` or `kubernetes`.
    fn kind(&self) -> &'static str;

    /// True for a simulated cluster: builds without a configured builder are simulated too.
    fn is_simulated(&self) -> bool;

    /// Whether the cluster answers.
    async fn check(&self, cluster: &ClusterRef) -> RuntimeResult<()>;

    /// The cluster's namespaces; `managedByZopnight` when labelled
    /// `app.kubernetes.io/managed-by=zopdeck`.
    async fn list_namespaces(&self, cluster: &ClusterRef) -> RuntimeResult<Vec<Namespace>>;

    /// The namespace, created (with that label) when missing; an existing one is kept as is.
    async fn ensure_namespace(&self, cluster: &ClusterRef, name: &str) -> RuntimeResult<Namespace>;

    /// Installs or upgrades the release to this revision (idempotent per revision).
    async fn apply(&self, spec: &ReleaseSpec) -> RuntimeResult<AppliedRelease>;

    /// Observations of the rollout of release revision `version` (what `apply` returned),
    /// ending with a `Complete` or `Failed` one. A status left by an earlier revision is never
    /// read as this one's. Watching records nothing: see `record_outcome`.
    fn watch_rollout(
        &self,
        release: &ReleaseRef,
        version: u32,
    ) -> BoxStream<'static, RuntimeResult<RolloutProgress>>;

    /// Records how release revision `version` ended (Helm's `deployed`/`failed`/`superseded`).
    async fn record_outcome(
        &self,
        release: &ReleaseRef,
        version: u32,
        outcome: &ReleaseOutcome,
    ) -> RuntimeResult<()>;

    /// The release's LoadBalancer (`none` when nothing is exposed).
    async fn loadbalancer(&self, release: &ReleaseRef) -> RuntimeResult<LoadBalancer>;

    /// The release's LoadBalancer now and at every change, until the stream is dropped.
    fn watch_loadbalancer(
        &self,
        release: &ReleaseRef,
    ) -> BoxStream<'static, RuntimeResult<LoadBalancer>>;

    /// The releases of a namespace now and at every change of one (one watch for the whole
    /// namespace, however many releases it holds), so that a change made outside zopdeck is
    /// noticed with nothing polling.
    fn watch_releases(
        &self,
        cluster: &ClusterRef,
        namespace: &str,
    ) -> BoxStream<'static, RuntimeResult<ReleaseHead>>;

    /// Releases of the namespace whose newest revision is still `pending-*` (an apply that
    /// never finished), whoever wrote it.
    async fn stuck_releases(
        &self,
        cluster: &ClusterRef,
        namespace: &str,
    ) -> RuntimeResult<Vec<ReleaseHead>>;

    /// Removes the release; `Ok(true)` when there was nothing left to remove.
    async fn uninstall(&self, release: &ReleaseRef) -> RuntimeResult<bool>;
}
