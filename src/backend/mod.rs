//! Everything that is not the terminal UI: the `Backend` trait, its domain types and the
//! backends behind it. No ratatui types in here.

pub mod clock;
pub mod context_space;
pub mod engine;
pub mod error;
pub mod model;
pub mod redact;
pub mod remote;
pub mod runtime;
pub mod serve;
pub mod sqlite;
pub mod strict;

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::broadcast;

pub use error::{BackendError, Result};
use model::*;

/// What the UI shows about the backend it talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendKind {
    /// The embedded engine on a local data directory.
    Embedded { data_dir: String },
    /// A ZopNight-compatible API.
    Remote { url: String },
}

/// How a backend's changes reach its subscribers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LiveMode {
    /// Changes are pushed as they are committed (the embedded engine).
    #[default]
    Pushed,
    /// A remote server's live stream (`/ws`) is connected.
    Stream,
    /// No stream (the server has none, or it is down): the client must poll.
    Polling,
}

/// Something a subscriber receives: a change, or word that changes were missed
/// (the subscriber fell behind) and it should reload what it shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Change(Change),
    Missed,
}

/// A live feed of changes from a backend.
pub struct Subscription {
    rx: broadcast::Receiver<Change>,
    /// Signals changes the backend cannot describe one by one (made by another process).
    external: Option<tokio::sync::watch::Receiver<u64>>,
}

impl Subscription {
    pub fn new(rx: broadcast::Receiver<Change>) -> Self {
        Self { rx, external: None }
    }

    pub fn with_external(
        rx: broadcast::Receiver<Change>,
        external: tokio::sync::watch::Receiver<u64>,
    ) -> Self {
        Self {
            rx,
            external: Some(external),
        }
    }

    /// The next update, or `None` once the backend is gone.
    pub async fn next(&mut self) -> Option<Update> {
        let external = async {
            let changed = match self.external.as_mut() {
                Some(rx) => rx.changed().await.is_ok(),
                None => false,
            };
            if !changed {
                // No external signal (or its sender is gone): never fires.
                self.external = None;
                std::future::pending::<()>().await
            }
        };
        tokio::select! {
            r = self.rx.recv() => match r {
                Ok(change) => Some(Update::Change(change)),
                Err(broadcast::error::RecvError::Lagged(_)) => Some(Update::Missed),
                Err(broadcast::error::RecvError::Closed) => None,
            },
            () = external => Some(Update::Missed),
        }
    }
}

/// What a backend without this machine's kubeconfig files answers when asked for them.
fn local_kubeconfig_only() -> BackendError {
    BackendError::Conflict(
        "kubeconfig contexts of this machine are read by the embedded engine only; on a remote \
         API, register the cluster on the server (a space on one of its cloud accounts)"
            .into(),
    )
}

/// One interface over the remote ZopNight API and the embedded engine, shaped after the
/// contract's routes (`shared/api/README.md`).
#[async_trait]
pub trait Backend: Send + Sync {
    fn kind(&self) -> BackendKind;

    // Environments
    async fn list_environments(&self) -> Result<Vec<Environment>>;
    async fn get_environment(&self, env_id: &str) -> Result<Environment>;
    async fn create_environment(&self, req: NewEnvironment) -> Result<Environment>;

    // Deployments
    /// All deployments, or those of one environment.
    async fn list_deployments(&self, env_id: Option<&str>) -> Result<Vec<Deployment>>;
    async fn get_deployment(&self, id: &str) -> Result<Deployment>;
    async fn create_deployment(&self, req: NewDeployment) -> Result<Deployment>;
    /// Idempotent teardown, then soft delete.
    async fn delete_deployment(&self, id: &str) -> Result<TeardownReport>;
    /// JSON merge patch (RFC 7386) of the configs; creates a revision and rolls it out.
    async fn patch_configs(&self, id: &str, patch: Value) -> Result<Deployment>;
    async fn set_canvas_position(&self, id: &str, pos: CanvasPosition) -> Result<CanvasPosition>;
    async fn analyze(&self, id: &str) -> Result<AnalyzeReport>;

    // Revisions
    async fn create_revision(&self, id: &str, req: NewRevision) -> Result<RevisionCreated>;
    /// Newest first.
    async fn list_revisions(&self, id: &str) -> Result<Vec<Revision>>;
    async fn get_revision(&self, id: &str, revision_id: &str) -> Result<Revision>;
    /// A new revision cloned from `to_revision_id`.
    async fn rollback(&self, id: &str, to_revision_id: &str) -> Result<Revision>;
    /// A new revision of `id` with the image and configs of `from_revision_id`, a revision of
    /// another deployment (the same service in another environment). [ours]
    async fn promote(&self, id: &str, from_revision_id: &str) -> Result<Revision>;

    // Timeline and LoadBalancer
    /// Chronological; only events after `after` when given.
    async fn list_events(&self, id: &str, after: Option<&str>) -> Result<Vec<Event>>;
    async fn loadbalancer(&self, id: &str) -> Result<LoadBalancer>;
    /// What tokens changed through `zopdeck serve`, newest first [ours]; admins only there.
    async fn audit(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>>;

    // Spaces, namespaces, cloud-account clusters
    async fn list_spaces(&self) -> Result<Vec<Space>>;
    async fn get_space(&self, space_id: &str) -> Result<Space>;
    async fn create_space(&self, req: NewSpace) -> Result<Space>;
    async fn set_space_status(&self, space_id: &str, status: SpaceStatus) -> Result<Space>;
    async fn delete_space(&self, space_id: &str) -> Result<()>;
    async fn list_namespaces(&self, space_id: &str) -> Result<Vec<Namespace>>;
    async fn create_namespace(&self, space_id: &str, name: &str) -> Result<Namespace>;
    async fn list_clusters(&self, account_id: &str) -> Result<Vec<Cluster>>;
    async fn register_cluster_access(
        &self,
        account_id: &str,
        region: &str,
        cluster: &str,
    ) -> Result<Cluster>;
    async fn revoke_cluster_access(
        &self,
        account_id: &str,
        region: &str,
        cluster: &str,
    ) -> Result<()>;

    /// The contexts of this machine's kubeconfig files (`$KUBECONFIG`, else
    /// `~/.kube/config`) a space can be registered on. The embedded engine only.
    async fn local_contexts(&self) -> Result<Vec<LocalContext>> {
        Err(local_kubeconfig_only())
    }

    /// Registers a space on a context of a local kubeconfig file (the default file holding
    /// the context when `kubeconfig` is `None`): the file as a cloud account, access to the
    /// context once it answers, then the space. A space of that name on the same context is
    /// returned as it is. The embedded engine only.
    async fn create_space_on_context(
        &self,
        name: &str,
        kubeconfig: Option<&str>,
        context: &str,
    ) -> Result<Space> {
        let _ = (name, kubeconfig, context);
        Err(local_kubeconfig_only())
    }

    /// Changes as they happen.
    fn subscribe(&self) -> Subscription;

    /// Whether another process runs the jobs this one's changes queue (the embedded engine of
    /// a second TUI on a data dir: it follows the first).
    fn follows_another(&self) -> bool {
        false
    }

    /// Whether `subscribe` delivers every change, or the caller must poll. A switch between
    /// modes is signalled to subscribers as `Update::Missed`.
    fn live_mode(&self) -> LiveMode {
        LiveMode::Pushed
    }
}
