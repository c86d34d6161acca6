//! The sandbox: a simulated Kubernetes cluster for a first run and for tests, labelled as
//! such everywhere it shows. It behaves like the real thing: time passes (pods start one by
//! one, the LoadBalancer gets its address some seconds after the rollout), it has a replica
//! capacity, and it fails the way a cluster does (an image tagged `…crashloop…` starts, exits
//! and goes into CrashLoopBackOff, which fails the rollout at once, as the Kubernetes runtime
//! does; pods beyond the capacity stay Pending until the progress deadline).
//!
//! Its state lives in its own SQLite file, apart from zopdeck's catalog — like a real
//! cluster, it keeps going while zopdeck is not running: readiness is a function of time
//! since the release was applied.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::TimeDelta;
use futures::stream::{self, BoxStream, StreamExt};
use rusqlite::{Connection, OptionalExtension, params};

use super::chart;
use super::kubernetes::helm_record::Status;
use super::{
    AppliedRelease, ClusterRef, ReleaseHead, ReleaseOutcome, ReleaseRef, ReleaseSpec, RolloutPhase,
    RolloutProgress, Runtime, RuntimeError, RuntimeResult,
};
use crate::backend::clock::{Clock, format_ts, parse_ts};
use crate::backend::model::{LbStatus, Listener, LoadBalancer, Namespace, Protocol, Tls};
use crate::backend::sqlite::read_only_connection;
use crate::private_files;

/// Simulated seconds from a crash-looping pod's start to its CrashLoopBackOff.
const CRASH_SECS: f64 = 4.0;

/// How the simulated cluster behaves; durations are in simulated seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct SandboxSettings {
    /// Simulated seconds per real second (`ZOPDECK_SANDBOX_SPEED`).
    pub speed: f64,
    /// Replicas the whole cluster can run at once.
    pub capacity_replicas: u32,
    /// A rollout that makes no progress for this long fails (ProgressDeadlineExceeded).
    pub progress_deadline_secs: f64,
    /// Time until the first pod is ready, then between pods.
    pub pod_start_secs: f64,
    pub pod_step_secs: f64,
    /// Time from a completed rollout to the LoadBalancer's address.
    pub lb_delay_secs: f64,
    /// Simulated build times (image pull check; git build when no builder is configured).
    pub image_check_secs: f64,
    pub git_build_secs: f64,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            speed: 1.0,
            capacity_replicas: 24,
            progress_deadline_secs: 120.0,
            pod_start_secs: 2.0,
            pod_step_secs: 1.5,
            lb_delay_secs: 6.0,
            image_check_secs: 1.5,
            git_build_secs: 8.0,
        }
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS releases (
    cluster TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
    status TEXT NOT NULL, revision_id TEXT NOT NULL, image TEXT NOT NULL,
    desired INTEGER NOT NULL, crashloop INTEGER NOT NULL, expose TEXT NOT NULL,
    applied_ms INTEGER NOT NULL, lb_ready_ms INTEGER, record TEXT NOT NULL,
    PRIMARY KEY (cluster, namespace, name, version));
CREATE TABLE IF NOT EXISTS namespaces (
    cluster TEXT NOT NULL, name TEXT NOT NULL, managed INTEGER NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (cluster, name));
";

/// What a fresh cluster already has (not zopdeck's).
const BUILT_IN_NAMESPACES: [&str; 2] = ["default", "kube-system"];

/// The simulated cluster(s). Cheap to clone.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    db: Mutex<Connection>,
    clock: Clock,
    settings: SandboxSettings,
}

/// The newest version of a release, as the sandbox keeps it.
#[derive(Debug, Clone)]
struct ReleaseRow {
    version: u32,
    status: String,
    revision_id: String,
    image: String,
    desired: u32,
    crashloop: bool,
    expose: Vec<Listener>,
    applied_ms: i64,
    lb_ready_ms: Option<i64>,
}

/// The simulated cluster's own state file failed: a passing fault, as an unreachable
/// apiserver would be.
fn err(e: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::Transient(format!("sandbox cluster state: {e}"))
}

impl Sandbox {
    /// The replicas the cluster runs at most, and those other releases than `r` take now.
    pub fn capacity_for(&self, r: &ReleaseRef) -> RuntimeResult<(u32, u32)> {
        Ok((
            self.inner.settings.capacity_replicas,
            self.inner.used_by_others(r)?,
        ))
    }

    /// Opens the simulated cluster's state file (`None`: in memory, for tests), readable by
    /// the owner only. In a read-only directory it is only read (an empty cluster when the
    /// file is not there).
    pub fn open(
        path: Option<&Path>,
        clock: Clock,
        settings: SandboxSettings,
    ) -> RuntimeResult<Self> {
        let writable = path.is_some_and(|p| {
            p.parent().is_none_or(private_files::dir_is_writable)
                && private_files::prepare_database(p).is_ok()
        });
        let conn = match path {
            Some(p) if writable => {
                let conn = Connection::open(p).map_err(err)?;
                conn.pragma_update(None, "journal_mode", "WAL")
                    .map_err(err)?;
                conn
            }
            Some(p) if p.exists() => read_only_connection(p).map_err(err)?,
            _ => Connection::open_in_memory().map_err(err)?,
        };
        conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
        if !conn.is_readonly("main").map_err(err)? {
            conn.execute_batch(SCHEMA).map_err(err)?;
        }
        Ok(Self {
            inner: Arc::new(Inner {
                db: Mutex::new(conn),
                clock,
                settings,
            }),
        })
    }

    pub fn settings(&self) -> &SandboxSettings {
        &self.inner.settings
    }

    /// Real time for a span of simulated seconds.
    pub fn real(&self, sim_secs: f64) -> Duration {
        self.inner.real(sim_secs)
    }

    /// Waits out a simulated build (git, when no builder is configured) or image check.
    pub async fn simulate_build(&self, git: bool) {
        let s = &self.inner.settings;
        tokio::time::sleep(self.real(if git {
            s.git_build_secs
        } else {
            s.image_check_secs
        }))
        .await;
    }

    /// The release record of every version of a release, newest first (what `helm history` shows).
    pub fn history(&self, release: &ReleaseRef) -> RuntimeResult<Vec<serde_json::Value>> {
        let db = self.inner.db();
        let mut st = db
            .prepare("SELECT record, status FROM releases WHERE cluster = ?1 AND namespace = ?2 AND name = ?3 ORDER BY version DESC")
            .map_err(err)?;
        let rows = st
            .query_map(
                params![release.cluster.key(), release.namespace, release.name],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let (record, status) = row.map_err(err)?;
            let mut v: serde_json::Value = serde_json::from_str(&record).map_err(err)?;
            v["info"]["status"] = status.into();
            out.push(v);
        }
        Ok(out)
    }

    /// Takes in namespaces recorded elsewhere (zopdeck's catalog kept the sandbox's
    /// namespaces before they moved here); those already known are left as they are.
    pub fn adopt_namespaces(&self, cluster: &ClusterRef, list: &[Namespace]) -> RuntimeResult<()> {
        let now = self.inner.clock.now();
        let db = self.inner.db();
        for ns in list {
            db.execute(
                "INSERT OR IGNORE INTO namespaces (cluster, name, managed, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![cluster.key(), ns.name, ns.managed_by_zopnight, format_ts(&ns.created_at.unwrap_or(now))],
            )
            .map_err(err)?;
        }
        Ok(())
    }
}

impl Inner {
    fn db(&self) -> MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn real(&self, sim_secs: f64) -> Duration {
        let speed = if self.settings.speed.is_finite() && self.settings.speed > 0.0 {
            self.settings.speed
        } else {
            1.0
        };
        Duration::from_secs_f64((sim_secs / speed).max(0.0))
    }

    fn real_ms(&self, sim_secs: f64) -> i64 {
        self.real(sim_secs).as_millis() as i64
    }

    /// The cluster's namespaces; the built-in ones come with the cluster (recorded the first
    /// time it is looked at, or shown as such when the state cannot be written).
    fn namespaces(&self, cluster: &ClusterRef) -> RuntimeResult<Vec<Namespace>> {
        let db = self.db();
        let key = cluster.key();
        let writable = !db.is_readonly("main").map_err(err)?;
        if writable {
            let now = format_ts(&self.clock.now());
            for name in BUILT_IN_NAMESPACES {
                db.execute(
                    "INSERT OR IGNORE INTO namespaces (cluster, name, managed, created_at) VALUES (?1, ?2, 0, ?3)",
                    params![key, name, now],
                )
                .map_err(err)?;
            }
        }
        let mut st = db
            .prepare_cached(
                "SELECT name, managed, created_at FROM namespaces WHERE cluster = ?1 ORDER BY name",
            )
            .map_err(err)?;
        let rows = st
            .query_map([&key], |r| {
                let created: String = r.get(2)?;
                Ok(Namespace {
                    name: r.get(0)?,
                    managed_by_zopnight: r.get(1)?,
                    created_at: parse_ts(&created),
                })
            })
            .map_err(err)?;
        let mut out = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(err)?;
        for name in BUILT_IN_NAMESPACES {
            if !out.iter().any(|n| n.name == name) {
                out.push(Namespace {
                    name: name.into(),
                    managed_by_zopnight: false,
                    created_at: None,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The newest version of the release.
    fn latest(&self, r: &ReleaseRef) -> RuntimeResult<Option<ReleaseRow>> {
        self.row(r, None)
    }

    /// One version of the release (`None`: the newest).
    fn row(&self, r: &ReleaseRef, version: Option<u32>) -> RuntimeResult<Option<ReleaseRow>> {
        let db = self.db();
        db.query_row(
            "SELECT version, status, revision_id, image, desired, crashloop, expose, applied_ms, lb_ready_ms
             FROM releases WHERE cluster = ?1 AND namespace = ?2 AND name = ?3
               AND (?4 IS NULL OR version = ?4)
             ORDER BY version DESC LIMIT 1",
            params![r.cluster.key(), r.namespace, r.name, version],
            |row| {
                let expose: String = row.get(6)?;
                Ok(ReleaseRow {
                    version: row.get(0)?,
                    status: row.get(1)?,
                    revision_id: row.get(2)?,
                    image: row.get(3)?,
                    desired: row.get(4)?,
                    crashloop: row.get(5)?,
                    expose: serde_json::from_str(&expose).unwrap_or_default(),
                    applied_ms: row.get(7)?,
                    lb_ready_ms: row.get(8)?,
                })
            },
        )
        .optional()
        .map_err(err)
    }

    /// Replicas the other live releases of the cluster hold.
    fn used_by_others(&self, r: &ReleaseRef) -> RuntimeResult<u32> {
        let db = self.db();
        let used: Option<u32> = db
            .query_row(
                "SELECT SUM(desired) FROM releases a
                 WHERE cluster = ?1 AND NOT (namespace = ?2 AND name = ?3)
                   AND status IN ('deployed', 'pending-install', 'pending-upgrade', 'pending-rollback')
                   AND version = (SELECT MAX(version) FROM releases b WHERE b.cluster = a.cluster
                                  AND b.namespace = a.namespace AND b.name = a.name)",
                params![r.cluster.key(), r.namespace, r.name],
                |row| row.get(0),
            )
            .map_err(err)?;
        Ok(used.unwrap_or(0))
    }

    fn set_status(&self, r: &ReleaseRef, version: u32, status: &str) -> RuntimeResult<()> {
        let db = self.db();
        if status == "deployed" {
            db.execute(
                "UPDATE releases SET status = 'superseded' WHERE cluster = ?1 AND namespace = ?2
                 AND name = ?3 AND version < ?4 AND status = 'deployed'",
                params![r.cluster.key(), r.namespace, r.name, version],
            )
            .map_err(err)?;
        }
        db.execute(
            "UPDATE releases SET status = ?5 WHERE cluster = ?1 AND namespace = ?2 AND name = ?3 AND version = ?4",
            params![r.cluster.key(), r.namespace, r.name, version, status],
        )
        .map_err(err)?;
        Ok(())
    }

    /// Simulated time a healthy rollout of `desired` pods takes.
    fn rollout_ms(&self, desired: u32) -> i64 {
        let s = &self.settings;
        if desired == 0 {
            return 0;
        }
        self.real_ms(s.pod_start_secs + s.pod_step_secs * f64::from(desired - 1))
    }

    /// The rollout of one release version as it stands now: the heart of the simulation.
    fn observe(&self, r: &ReleaseRef, version: u32) -> RuntimeResult<RolloutProgress> {
        let Some(row) = self.row(r, Some(version))? else {
            return Err(RuntimeError::Rejected(format!(
                "release {} revision {version} not found in namespace {}",
                r.name, r.namespace
            )));
        };
        let s = &self.settings;
        let elapsed = self.clock.now_millis() - row.applied_ms;
        let deadline_passed = elapsed >= self.real_ms(s.progress_deadline_secs);
        let desired = row.desired;
        let progress = |ready, message: Option<String>, phase| RolloutProgress {
            ready,
            desired,
            message,
            phase,
        };

        if row.status == "failed" {
            return Ok(progress(
                0,
                None,
                RolloutPhase::Failed("the release is marked failed".into()),
            ));
        }
        if desired == 0 {
            return Ok(progress(0, None, RolloutPhase::Complete));
        }
        let pod = format!(
            "{}-{}",
            r.name,
            &row.revision_id.chars().rev().take(5).collect::<String>()
        );
        if row.crashloop {
            // The container starts, exits, is restarted once, exits again: then the kubelet
            // backs off (CrashLoopBackOff) and the rollout fails, as on a real cluster.
            let backoff = self.real_ms(s.pod_start_secs + CRASH_SECS);
            if elapsed >= backoff {
                let reason = format!(
                    "CrashLoopBackOff: container \"app\" in pod {pod} exited with code 1 (Error), \
                     restarted 1 time — image {}",
                    row.image
                );
                return Ok(progress(0, None, RolloutPhase::Failed(reason)));
            }
            let msg = format!(
                "container \"app\" in pod {pod} exited with code 1 (Error); restarting — image {}",
                row.image
            );
            return Ok(progress(0, Some(msg), RolloutPhase::Progressing));
        }

        let used = self.used_by_others(r)?;
        let schedulable = desired.min(s.capacity_replicas.saturating_sub(used));
        let start = self.real_ms(s.pod_start_secs);
        let step = self.real_ms(s.pod_step_secs).max(1);
        let ready = if elapsed < start {
            0
        } else {
            (((elapsed - start) / step) as u32 + 1).min(schedulable)
        };
        if ready >= desired {
            return Ok(progress(desired, None, RolloutPhase::Complete));
        }
        if schedulable < desired {
            let pending = desired - schedulable;
            let msg = format!(
                "{pending} pod(s) Pending: Insufficient capacity (sandbox cluster runs {} replicas, {used} used by other releases)",
                s.capacity_replicas
            );
            if deadline_passed && ready == schedulable {
                let reason = format!(
                    "{msg}; rollout exceeded its progress deadline (ProgressDeadlineExceeded)"
                );
                return Ok(progress(ready, None, RolloutPhase::Failed(reason)));
            }
            return Ok(progress(ready, Some(msg), RolloutPhase::Progressing));
        }
        Ok(progress(ready, None, RolloutPhase::Progressing))
    }
}

fn sandbox_address(r: &ReleaseRef) -> String {
    format!("{}.{}.sandbox.zopdeck.test", r.name, r.namespace)
}

#[async_trait]
impl Runtime for Sandbox {
    fn kind(&self) -> &'static str {
        "sandbox"
    }

    fn is_simulated(&self) -> bool {
        true
    }

    async fn check(&self, _cluster: &ClusterRef) -> RuntimeResult<()> {
        self.inner
            .db()
            .query_row("SELECT 1", [], |_| Ok(()))
            .map_err(err)
    }

    async fn list_namespaces(&self, cluster: &ClusterRef) -> RuntimeResult<Vec<Namespace>> {
        self.inner.namespaces(cluster)
    }

    async fn ensure_namespace(&self, cluster: &ClusterRef, name: &str) -> RuntimeResult<Namespace> {
        if let Some(existing) = self
            .inner
            .namespaces(cluster)?
            .into_iter()
            .find(|n| n.name == name)
        {
            return Ok(existing);
        }
        let created = Namespace {
            name: name.to_string(),
            managed_by_zopnight: true,
            created_at: Some(self.inner.clock.now()),
        };
        self.adopt_namespaces(cluster, std::slice::from_ref(&created))?;
        Ok(created)
    }

    async fn apply(&self, spec: &ReleaseSpec) -> RuntimeResult<AppliedRelease> {
        let inner = &self.inner;
        let r = &spec.release;
        let previous = inner.latest(r)?;
        if let Some(p) = previous
            .as_ref()
            .filter(|p| p.revision_id == spec.revision_id)
        {
            // Already applied (a resumed job): nothing new to record.
            return Ok(AppliedRelease {
                version: p.version,
                description: chart::description(spec, p.version),
            });
        }
        let version = previous.as_ref().map_or(1, |p| p.version + 1);
        let now = inner.clock.now();
        let now_ms = now.timestamp_millis();
        let desired = spec.configs.replicas_or_default();
        let exposes = !spec.configs.expose.is_empty();
        // A Service keeps its address across upgrades; a new one gets it after the rollout.
        let lb_ready_ms = match previous
            .as_ref()
            .and_then(|p| p.lb_ready_ms.filter(|_| !p.expose.is_empty()))
        {
            Some(kept) if exposes => Some(kept),
            _ if exposes => Some(
                now_ms + inner.rollout_ms(desired) + inner.real_ms(inner.settings.lb_delay_secs),
            ),
            _ => None,
        };
        let status = match (&spec.rollback_to, version) {
            (Some(_), _) => Status::PendingRollback,
            (None, 1) => Status::PendingInstall,
            (None, _) => Status::PendingUpgrade,
        };
        let first = inner
            .db()
            .query_row(
                "SELECT record FROM releases WHERE cluster = ?1 AND namespace = ?2 AND name = ?3 ORDER BY version LIMIT 1",
                params![r.cluster.key(), r.namespace, r.name],
                |row| row.get::<_, String>(0),
            )
            .optional()
            .map_err(err)?
            .and_then(|rec| serde_json::from_str::<serde_json::Value>(&rec).ok())
            .and_then(|v| v["info"]["first_deployed"].as_str().and_then(crate::backend::clock::parse_ts))
            .unwrap_or(now);
        let record = chart::release_record(spec, version, status, &first, &now)
            .map_err(|e| RuntimeError::Rejected(e.to_string()))?;
        let record = serde_json::to_string(&record).map_err(err)?;
        let status = status.as_str();
        let expose = serde_json::to_string(&spec.configs.expose).map_err(err)?;
        let crashloop = image_tag(&spec.image).is_some_and(|t| t.contains("crashloop"));
        inner
            .db()
            .execute(
                "INSERT INTO releases (cluster, namespace, name, version, status, revision_id, image, desired,
                     crashloop, expose, applied_ms, lb_ready_ms, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    r.cluster.key(),
                    r.namespace,
                    r.name,
                    version,
                    status,
                    spec.revision_id,
                    spec.image,
                    desired,
                    crashloop,
                    expose,
                    now_ms,
                    lb_ready_ms,
                    record
                ],
            )
            .map_err(err)?;
        tracing::info!(release = %r.name, namespace = %r.namespace, version, "sandbox: applied {}", chart::record_name(&r.name, version));
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
        let inner = Arc::clone(&self.inner);
        let release = release.clone();
        let tick = inner.real(0.25).max(Duration::from_millis(5));
        // State: the last observation sent, and whether the stream has ended.
        stream::unfold((None::<RolloutProgress>, false), move |(last, ended)| {
            let inner = Arc::clone(&inner);
            let release = release.clone();
            async move {
                if ended {
                    return None;
                }
                loop {
                    let now = match inner.observe(&release, version) {
                        Ok(p) => p,
                        Err(e) => return Some((Err(e), (last, true))),
                    };
                    let terminal = now.phase != RolloutPhase::Progressing;
                    if terminal || last.as_ref() != Some(&now) {
                        return Some((Ok(now.clone()), (Some(now), terminal)));
                    }
                    tokio::time::sleep(tick).await;
                }
            }
        })
        .boxed()
    }

    async fn record_outcome(
        &self,
        release: &ReleaseRef,
        version: u32,
        outcome: &ReleaseOutcome,
    ) -> RuntimeResult<()> {
        let status = match outcome {
            ReleaseOutcome::Deployed => "deployed",
            ReleaseOutcome::Failed(_) => "failed",
            ReleaseOutcome::Superseded => "superseded",
        };
        self.inner.set_status(release, version, status)
    }

    async fn loadbalancer(&self, release: &ReleaseRef) -> RuntimeResult<LoadBalancer> {
        let inner = &self.inner;
        let Some(row) = inner.latest(release)? else {
            return Ok(LoadBalancer::none());
        };
        if row.expose.is_empty() {
            return Ok(LoadBalancer::none());
        }
        let ready_at = row.lb_ready_ms.unwrap_or(i64::MAX);
        if inner.clock.now_millis() < ready_at {
            return Ok(LoadBalancer::pending(row.expose));
        }
        let tls = row
            .expose
            .iter()
            .any(|l| l.protocol == Protocol::Http)
            .then(|| Tls {
                issuer: "zopdeck sandbox CA (simulated)".to_string(),
                expires_at: chrono::DateTime::from_timestamp_millis(ready_at).unwrap_or_default()
                    + TimeDelta::days(90),
            });
        Ok(LoadBalancer {
            status: LbStatus::Ready,
            address: Some(sandbox_address(release)),
            ports: row.expose,
            tls,
            pending: None,
        })
    }

    fn watch_loadbalancer(
        &self,
        release: &ReleaseRef,
    ) -> BoxStream<'static, RuntimeResult<LoadBalancer>> {
        // The address comes at a known time: sleep until then, no polling. The stream ends
        // once nothing more can change (ready, or nothing exposed).
        let sandbox = self.clone();
        let release = release.clone();
        stream::unfold(Some(None::<LoadBalancer>), move |state| {
            let sandbox = sandbox.clone();
            let release = release.clone();
            async move {
                let last = state?;
                if last.is_some() {
                    let ready_at = match sandbox.inner.latest(&release) {
                        Ok(row) => row.and_then(|r| r.lb_ready_ms),
                        Err(e) => return Some((Err(e), None)),
                    };
                    if let Some(at) = ready_at {
                        let wait = at - sandbox.inner.clock.now_millis();
                        if wait > 0 {
                            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
                        }
                    }
                }
                match sandbox.loadbalancer(&release).await {
                    Ok(lb) if lb.status == LbStatus::Pending => {
                        let next = Some(Some(lb.clone()));
                        Some((Ok(lb), next))
                    }
                    Ok(lb) => Some((Ok(lb), None)),
                    Err(e) => Some((Err(e), None)),
                }
            }
        })
        .boxed()
    }

    async fn stuck_releases(
        &self,
        cluster: &ClusterRef,
        namespace: &str,
    ) -> RuntimeResult<Vec<ReleaseHead>> {
        let db = self.inner.db();
        let mut st = db
            .prepare(
                "SELECT name, version, status, revision_id FROM releases a
                 WHERE cluster = ?1 AND namespace = ?2 AND status LIKE 'pending-%'
                   AND version = (SELECT MAX(version) FROM releases b WHERE b.cluster = a.cluster
                                  AND b.namespace = a.namespace AND b.name = a.name)
                 ORDER BY name",
            )
            .map_err(err)?;
        let rows = st
            .query_map(params![cluster.key(), namespace], |r| {
                Ok(ReleaseHead {
                    name: r.get(0)?,
                    version: r.get(1)?,
                    status: r.get(2)?,
                    description: String::new(),
                    revision_id: Some(r.get(3)?),
                })
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn watch_releases(
        &self,
        _cluster: &ClusterRef,
        _namespace: &str,
    ) -> BoxStream<'static, RuntimeResult<ReleaseHead>> {
        // Nothing but zopdeck writes the simulated cluster's releases: no change ever comes.
        stream::pending().boxed()
    }

    async fn uninstall(&self, release: &ReleaseRef) -> RuntimeResult<bool> {
        let n = self
            .inner
            .db()
            .execute(
                "DELETE FROM releases WHERE cluster = ?1 AND namespace = ?2 AND name = ?3",
                params![release.cluster.key(), release.namespace, release.name],
            )
            .map_err(err)?;
        Ok(n == 0)
    }
}

/// The tag of an image reference (`repo:tag`), ignoring a registry port and a digest.
pub fn image_tag(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split_once(':').map(|(_, tag)| tag)
}
