//! Whether a space's cluster answers: a live probe (`check`, which asks `/version`, then a
//! namespace listing, so that a kubeconfig user without permissions shows as forbidden),
//! bounded in time, and every other call the engine makes on a cluster for a request.
//!
//! Probe results are computed, not stored: a stored one would show an old fact as today's
//! after a restart, and reading a space would have to write. They are kept in memory for
//! [`FRESH_FOR`], per cluster, so listing spaces does not ask the cluster again and again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::Engine;
use crate::backend::error::{BackendError, Result};
use crate::backend::model::*;
use crate::backend::runtime::{ClusterRef, RuntimeError, RuntimeResult};

/// How long a whole probe may take (the runtime's own `/version` timeout is shorter).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(8);
/// How long one cluster call made for a request may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a probe result is shown before the cluster is asked again.
pub const FRESH_FOR: Duration = Duration::from_secs(15);

/// Recent probe results by cluster.
#[derive(Default)]
pub(super) struct Probes {
    cache: Mutex<HashMap<ClusterRef, (Instant, Reachability)>>,
}

impl Probes {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ClusterRef, (Instant, Reachability)>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self, cluster: &ClusterRef) -> Option<Reachability> {
        self.lock()
            .get(cluster)
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, r)| r.clone())
    }

    fn keep(&self, cluster: &ClusterRef, r: &Reachability) {
        self.lock()
            .insert(cluster.clone(), (Instant::now(), r.clone()));
    }

    /// Forgets what is known of a cluster (its access changed).
    pub(super) fn forget(&self, cluster: &ClusterRef) {
        self.lock().remove(cluster);
    }
}

/// A runtime failure on a request: the request cannot be served while the cluster is in this
/// state (409), whatever the kind; the message says why and what to do.
pub(super) fn cluster_error(e: RuntimeError) -> BackendError {
    BackendError::Conflict(e.message().to_string())
}

/// Runs one call on a cluster for a request, under [`CALL_TIMEOUT`].
pub(super) async fn on_cluster<T>(
    cluster: &ClusterRef,
    f: impl Future<Output = RuntimeResult<T>>,
) -> Result<T> {
    match tokio::time::timeout(CALL_TIMEOUT, f).await {
        Ok(r) => r.map_err(cluster_error),
        Err(_) => Err(BackendError::Conflict(format!(
            "cluster {} unreachable: no answer within {} s — check the kubeconfig context",
            cluster.name,
            CALL_TIMEOUT.as_secs()
        ))),
    }
}

impl Engine {
    /// The spaces with the reachability of their real clusters (probed at once, together,
    /// when not known from the last [`FRESH_FOR`]); simulated ones carry none.
    pub(super) async fn with_reachability(&self, spaces: Vec<Space>) -> Vec<Space> {
        let probes = spaces.into_iter().map(|mut space| async move {
            if let Ok((cref, cluster)) = self.space_cluster(&space.id)
                && cluster.runtime != "sandbox"
            {
                space.reachability = Some(self.probe(&cref, &cluster, false).await);
            }
            space
        });
        futures::future::join_all(probes).await
    }

    /// Every space with its cluster's reachability, asked now, the simulated one's too (for
    /// `doctor`). A space whose cluster is no longer known shows as unreachable, saying so.
    pub async fn space_reachability(&self) -> Result<Vec<Space>> {
        let spaces = self.store.read(super::store::catalog::list_spaces)?;
        let probes = spaces.into_iter().map(|mut space| async move {
            space.reachability = Some(match self.space_cluster(&space.id) {
                Ok((cref, cluster)) => self.probe(&cref, &cluster, true).await,
                Err(e) => Reachability {
                    status: ReachabilityStatus::Unreachable,
                    message: Some(e.to_string()),
                    checked_at: self.now(),
                },
            });
            space
        });
        Ok(futures::future::join_all(probes).await)
    }

    /// Probes a cluster (or gives the recent result unless `now`). Never fails, never hangs.
    pub(super) async fn probe(
        &self,
        cref: &ClusterRef,
        cluster: &Cluster,
        now: bool,
    ) -> Reachability {
        if !now && let Some(known) = self.probes.fresh(cref) {
            return known;
        }
        let (status, message) = if !cluster.access_registered {
            (
                ReachabilityStatus::Revoked,
                Some(format!(
                    "access to cluster {} is revoked — register it again with PUT \
                     /cloud-accounts/{}/clusters/{}/{}/access (or zopdeck spaces create)",
                    cref.name, cref.account, cref.region, cref.name
                )),
            )
        } else {
            match self.probe_cluster(cref, cluster).await {
                Ok(()) => (ReachabilityStatus::Reachable, None),
                Err(RuntimeError::Forbidden(m)) => (ReachabilityStatus::Forbidden, Some(m)),
                Err(e) => (
                    ReachabilityStatus::Unreachable,
                    Some(e.message().to_string()),
                ),
            }
        };
        let r = Reachability {
            status,
            message,
            checked_at: self.now(),
        };
        self.probes.keep(cref, &r);
        r
    }

    async fn probe_cluster(&self, cref: &ClusterRef, cluster: &Cluster) -> RuntimeResult<()> {
        let runtime = self
            .runtime_for(cluster)
            .map_err(|e| RuntimeError::Rejected(e.to_string()))?;
        let ask = async {
            runtime.check(cref).await?;
            runtime.list_namespaces(cref).await.map(|_| ())
        };
        tokio::time::timeout(PROBE_TIMEOUT, ask)
            .await
            .unwrap_or_else(|_| {
                Err(RuntimeError::Transient(format!(
                    "cluster {} unreachable: no answer within {} s — check the kubeconfig context",
                    cref.name,
                    PROBE_TIMEOUT.as_secs()
                )))
            })
    }

    /// Whether the cluster answers (`check`, under [`PROBE_TIMEOUT`]), before access to it is
    /// registered.
    pub(super) async fn check_answers(&self, cref: &ClusterRef, cluster: &Cluster) -> Result<()> {
        let runtime = self.runtime_for(cluster)?;
        match tokio::time::timeout(PROBE_TIMEOUT, runtime.check(cref)).await {
            Ok(r) => r.map_err(cluster_error),
            Err(_) => Err(BackendError::Conflict(format!(
                "cluster {} unreachable: no answer within {} s — check the kubeconfig context",
                cref.name,
                PROBE_TIMEOUT.as_secs()
            ))),
        }
    }
}
