//! The embedded engine: the default backend. A SQLite catalog with revisions, events and a
//! job queue, and workers that carry each revision through building → deploying →
//! rolling_out → active onto a space's runtime (the sandbox, or a real cluster).

pub mod analyze;
mod build;
mod clusters;
mod deployments;
mod drift_watch;
mod fanout;
pub mod kubeconfig;
mod lb_watch;
mod lifecycle;
mod reachability;
mod seed;
mod spaces;
pub mod store;
mod teardown;
mod worker;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use tokio::sync::{Notify, broadcast, watch};

use crate::backend::clock::Clock;
use crate::backend::error::{BackendError, Result};
use crate::backend::model::*;
use crate::backend::runtime::sandbox::{Sandbox, SandboxSettings};
use crate::backend::runtime::{ClusterRef, Runtime};
use crate::backend::{Backend, BackendKind, Subscription};
use crate::config::Config;
use store::Store;

pub use kubeconfig::KubeconfigAccount;
pub use seed::{DEMO_ENV, SANDBOX_ACCOUNT, SANDBOX_CLUSTER, SANDBOX_REGION, SANDBOX_SPACE};

/// How the engine runs its jobs.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Builds and applies at the same time (the slots).
    pub workers: usize,
    /// Jobs in flight at the same time; a rollout waiting for pods holds one, not a slot.
    pub concurrent_rollouts: usize,
    pub lease: Duration,
    pub max_attempts: u32,
    /// How often idle workers look for jobs enqueued by another process.
    pub poll: Duration,
    /// `sh -c` command that builds and pushes a git deployment's image.
    pub builder_command: Option<String>,
    pub builder_timeout: Duration,
    pub sandbox: SandboxSettings,
    /// Whether git deployments may clone local paths and `file://` URLs: yes for the embedded
    /// TUI and CLI; `zopdeck serve` only with `--allow-local-repos` (see `build::check_repo`).
    pub local_repos: bool,
    /// A PostgreSQL URL for the store (else the data directory's SQLite file).
    pub database_url: Option<String>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self::from_config(&Config::default(), None)
    }
}

impl EngineSettings {
    pub fn from_config(c: &Config, sandbox_speed: Option<f64>) -> Self {
        Self {
            workers: c.engine.workers,
            concurrent_rollouts: c.engine.concurrent_rollouts,
            lease: Duration::from_secs(c.engine.lease_seconds),
            max_attempts: c.engine.max_attempts,
            // In-process enqueues wake a worker at once, and the data_version watcher
            // wakes one for other processes; polling only backs those up.
            poll: Duration::from_secs(5),
            builder_command: Some(c.builder.command.trim().to_string()).filter(|s| !s.is_empty()),
            builder_timeout: Duration::from_secs(c.builder.timeout_seconds),
            sandbox: c.sandbox_settings(sandbox_speed),
            local_repos: true,
            database_url: Some(c.store.url.trim().to_string()).filter(|u| !u.is_empty()),
        }
    }
}

/// What to do when opening the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Seed the demo deployments on the first run.
    pub demo: bool,
    /// Run the job workers (false: a read-mostly view of the store).
    pub workers: bool,
    /// Without workers: follow what another process (which runs them) changes, and take the
    /// workers over once that process is gone (a second TUI on a data dir).
    pub viewer: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            demo: true,
            workers: true,
            viewer: false,
        }
    }
}

pub struct Engine {
    store: Store,
    clock: Clock,
    sandbox: Sandbox,
    settings: EngineSettings,
    bus: broadcast::Sender<Change>,
    /// Bumped when another process changed the store (a CLI next to the TUI).
    external: watch::Sender<u64>,
    /// Wakes the idle dispatcher when a job is enqueued.
    wake: Notify,
    /// Woken when an environment is created: its namespace may need watching.
    environments_changed: Notify,
    /// Drives the real clusters (a client per kubeconfig context, made when first needed).
    kube: Arc<crate::backend::runtime::kubernetes::KubeRuntime>,
    /// Bounds builds and applies (`settings.workers`).
    slots: tokio::sync::Semaphore,
    /// Recent reachability probes of real clusters.
    probes: reachability::Probes,
    /// Deployments whose pending LoadBalancer is being watched, and their watch tasks.
    lb_watchers: std::sync::Mutex<std::collections::HashMap<String, tokio::task::AbortHandle>>,
    shutdown: watch::Sender<bool>,
    /// The job dispatcher, awaited by `stop`.
    workers: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    data_dir: Option<PathBuf>,
    work_dir: PathBuf,
    /// Unique per process: the owner name on job leases.
    owner: String,
    /// Held for the engine's life: one engine runs the workers of a data dir.
    /// The data dir's lock, held by the process that runs the workers.
    lock: std::sync::Mutex<Option<File>>,
    /// Following another process that runs the workers (until it is gone).
    viewer: std::sync::atomic::AtomicBool,
    /// On PostgreSQL: the queue of notifications to the other replicas (see `fanout`).
    fanout: std::sync::OnceLock<std::sync::mpsc::Sender<String>>,
    _temp: Option<tempfile::TempDir>,
}

pub const STORE_FILE: &str = "zopdeck.db";
pub const SANDBOX_FILE: &str = "sandbox-cluster.db";
const LOCK_FILE: &str = "engine.lock";
const BUILDS_DIR: &str = "builds";

impl Engine {
    /// Opens the engine on a data directory, seeding it on the first run. A read-only data
    /// directory opens for reading only (no workers: those write); a store that fails
    /// SQLite's quick check is refused to the process that would write on it (workers).
    pub async fn open(
        data_dir: &Path,
        settings: EngineSettings,
        opts: OpenOptions,
    ) -> Result<Arc<Self>> {
        crate::paths::prepare_data_dir(data_dir).map_err(|e| {
            BackendError::Storage(format!(
                "cannot create the data directory {}: {e} — pick another with --data-dir",
                data_dir.display()
            ))
        })?;
        let clock = Clock::new();
        let store = match &settings.database_url {
            Some(url) => Store::open_pg(url)?,
            None => Store::open(&data_dir.join(STORE_FILE))?,
        };
        if store.is_read_only() && opts.workers {
            return Err(store.read_only_error(
                "this runs the job workers, which write: the TUI, serve, and commands that \
                 follow a rollout",
            ));
        }
        if opts.workers {
            check_store(&store)?;
        }
        // Only the process that runs the workers takes the lock: readers (doctor, listings)
        // may share the data dir with a running TUI.
        // On PostgreSQL, replicas run workers side by side (the database coordinates them)
        // and may share a data dir — and with it the sandbox's simulated cluster.
        let lock = if opts.workers && !store.is_pg() {
            Some(lock_data_dir(data_dir)?)
        } else {
            None
        };
        if !store.is_read_only() {
            // Git builds clone here: private like the rest of the data dir.
            let builds = data_dir.join(BUILDS_DIR);
            crate::private_files::create_dir(&builds)
                .and_then(|()| {
                    crate::private_files::restrict(&builds, crate::private_files::DIR_MODE)
                })
                .map_err(|e| {
                    BackendError::Storage(format!("cannot create {}: {e}", builds.display()))
                })?;
        }
        let sandbox = Sandbox::open(
            Some(&data_dir.join(SANDBOX_FILE)),
            clock,
            settings.sandbox.clone(),
        )
        .map_err(|e| BackendError::Storage(e.to_string()))?;
        let engine = Self::assemble(
            store,
            sandbox,
            clock,
            settings,
            Some(data_dir.to_path_buf()),
            data_dir.join(BUILDS_DIR),
            lock,
            None,
        );
        engine.start(opts).await
    }

    /// An engine on an in-memory store and sandbox, for tests and benchmarks.
    pub async fn in_memory(settings: EngineSettings, opts: OpenOptions) -> Result<Arc<Self>> {
        Self::on_store(Store::open_in_memory()?, settings, opts).await
    }

    /// An engine on `store` (a PostgreSQL one, say) with an in-memory sandbox and a
    /// temporary work directory, for tests and benchmarks.
    pub async fn on_store(
        store: Store,
        settings: EngineSettings,
        opts: OpenOptions,
    ) -> Result<Arc<Self>> {
        let clock = Clock::new();
        let sandbox = Sandbox::open(None, clock, settings.sandbox.clone())
            .map_err(|e| BackendError::Storage(e.to_string()))?;
        let temp =
            tempfile::tempdir().map_err(|e| BackendError::Storage(format!("temp dir: {e}")))?;
        let work = temp.path().join("builds");
        let engine = Self::assemble(
            store,
            sandbox,
            clock,
            settings,
            None,
            work,
            None,
            Some(temp),
        );
        engine.start(opts).await
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        store: Store,
        sandbox: Sandbox,
        clock: Clock,
        settings: EngineSettings,
        data_dir: Option<PathBuf>,
        work_dir: PathBuf,
        lock: Option<File>,
        temp: Option<tempfile::TempDir>,
    ) -> Self {
        let (bus, _) = broadcast::channel(4096);
        let (shutdown, _) = watch::channel(false);
        let (external, _) = watch::channel(0);
        Self {
            external,
            slots: tokio::sync::Semaphore::new(settings.workers.max(1)),
            environments_changed: Notify::new(),
            kube: Arc::default(),
            store,
            clock,
            sandbox,
            settings,
            bus,
            wake: Notify::new(),
            probes: Default::default(),
            lb_watchers: Default::default(),
            shutdown,
            workers: Default::default(),
            data_dir,
            work_dir,
            owner: format!(
                "worker-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ),
            lock: std::sync::Mutex::new(lock),
            viewer: std::sync::atomic::AtomicBool::new(false),
            fanout: std::sync::OnceLock::new(),
            _temp: temp,
        }
    }

    async fn start(self, opts: OpenOptions) -> Result<Arc<Self>> {
        if !self.store.is_read_only() {
            self.move_sandbox_namespaces()?;
            seed::first_run(&self, opts.demo).await?;
        }
        let engine = Arc::new(self);
        // Other processes' changes: on PostgreSQL they are NOTIFYed (`fanout`); on SQLite the
        // store's `data_version` tells, once a second.
        if engine.store.is_pg() {
            fanout::listen(&engine);
        }
        if opts.workers {
            engine.run_workers().await?;
            if !engine.store.is_pg() {
                watch_other_processes(&engine);
            }
        } else if opts.viewer {
            engine
                .viewer
                .store(true, std::sync::atomic::Ordering::SeqCst);
            watch_other_processes(&engine);
        }
        Ok(engine)
    }

    /// Starts the job workers and what runs beside them (this process holds the lock).
    async fn run_workers(self: &Arc<Self>) -> Result<()> {
        // We hold the data dir's lock: running leases belong to a process that died. (On
        // PostgreSQL they may be other replicas' live leases: a dead one's expire by time.)
        if !self.store.is_pg() {
            let expired = self.store.write(store::jobs::expire_all_leases)?;
            if expired > 0 {
                tracing::info!(expired, "resuming jobs of a previous run");
            }
        }
        worker::spawn_all(self);
        drift_watch::spawn(self);
        self.resume_background_work().await;
        Ok(())
    }

    /// Whether this engine follows another process that runs the workers.
    pub fn is_viewer(&self) -> bool {
        self.viewer.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A viewer takes the workers over once the process that ran them is gone.
    async fn take_over(self: &Arc<Self>) {
        let Some(dir) = self.data_dir.clone() else {
            return;
        };
        let Ok(file) = lock_data_dir(&dir) else {
            return;
        };
        *self.lock.lock().unwrap_or_else(|p| p.into_inner()) = Some(file);
        match self.run_workers().await {
            Ok(()) => {
                tracing::info!("the process running the workers is gone: this one runs them now");
                self.viewer
                    .store(false, std::sync::atomic::Ordering::SeqCst);
                // What the screen shows (viewer or not) is read again.
                self.external.send_modify(|n| *n += 1);
            }
            Err(e) => tracing::warn!("taking the workers over failed: {e}"),
        }
    }

    /// Finishes teardowns a previous run left half done and watches LoadBalancers still pending.
    async fn resume_background_work(self: &Arc<Self>) {
        // A teardown left by an older zopdeck (one that ran it inside the request) is queued.
        if let Ok(ids) = self.store.read(store::catalog::unfinished_teardowns) {
            for id in ids {
                if let Err(e) = self.delete_deployment_op(&id) {
                    tracing::warn!(%id, "resuming teardown failed: {e}");
                }
            }
        }
        if let Ok(deps) = self
            .store
            .read(|c| store::catalog::list_deployments(c, None))
        {
            let exposing = |d: &Deployment| {
                configs::TypedConfigs::parse_str(&d.configs).is_ok_and(|c| !c.expose.is_empty())
            };
            for d in deps
                .into_iter()
                .filter(|d| d.status == DeploymentStatus::Active && exposing(d))
            {
                lb_watch::watch(self, d.id, None);
            }
        }
    }

    /// Tells the workers to stop: each hands its job back (its lease released, so the next
    /// run resumes it at once). Does not wait; see `stop`.
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Stops the workers and waits (up to `grace`) until every one has handed its job back.
    /// Returns how many were still running at the deadline (their leases simply run out).
    pub async fn stop(&self, grace: std::time::Duration) -> usize {
        self.shutdown();
        let handles: Vec<_> = match self.workers.lock() {
            Ok(mut w) => w.drain(..).collect(),
            Err(poisoned) => poisoned.into_inner().drain(..).collect(),
        };
        let deadline = tokio::time::Instant::now() + grace;
        let mut left = 0;
        for h in handles {
            if tokio::time::timeout_at(deadline, h).await.is_err() {
                left += 1;
            }
        }
        if left > 0 {
            tracing::warn!(
                left,
                "workers still busy at exit; their jobs resume when the lease runs out"
            );
        }
        left
    }

    /// Whether this engine only reads (its data directory cannot be written).
    pub fn is_read_only(&self) -> bool {
        self.store.is_read_only()
    }

    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Jobs still queued or running.
    pub fn open_jobs(&self) -> Result<i64> {
        self.store.read(store::jobs::open_count)
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A job may be ready to run: the idle workers look, here and on the other replicas.
    fn job_queued(&self) {
        self.wake.notify_one();
        fanout::wake_replicas(self);
    }

    fn publish(&self, change: Change) {
        fanout::tell_replicas(self, &change);
        // No subscriber is not an error.
        let _ = self.bus.send(change);
    }

    fn publish_deployment(&self, id: &str) {
        if let Ok(Some(d)) = self.store.read(|c| store::catalog::get_deployment(c, id)) {
            self.publish(Change::Deployment { data: Box::new(d) });
        }
    }

    /// The runtime behind a cluster: the registry of runtimes, one per kind (the Kubernetes one
    /// keeps a client per kubeconfig context).
    fn runtime_for(&self, cluster: &Cluster) -> Result<Arc<dyn Runtime>> {
        match cluster.runtime.as_str() {
            "sandbox" => Ok(Arc::new(self.sandbox.clone())),
            "kubernetes" => Ok(self.kube.clone()),
            other => Err(BackendError::Conflict(format!(
                "cluster {} uses the {other} runtime, which this zopdeck cannot drive yet",
                cluster.name
            ))),
        }
    }

    /// The cluster a space is bound to (with the kubeconfig file of a kubeconfig account).
    fn space_cluster(&self, space_id: &str) -> Result<(ClusterRef, Cluster)> {
        self.store.read(|c| {
            let (account, region, name) = store::catalog::space_cluster(c, space_id)?
                .ok_or_else(|| BackendError::not_found("space", space_id))?;
            let cluster =
                store::catalog::get_cluster(c, &account, &region, &name)?.ok_or_else(|| {
                    BackendError::Conflict(format!(
                        "cluster {name} ({region}) is no longer known on {account}"
                    ))
                })?;
            let kubeconfig = store::catalog::account_kubeconfig(c, &account)?.map(PathBuf::from);
            Ok((
                ClusterRef {
                    account,
                    region,
                    name,
                    kubeconfig,
                },
                cluster,
            ))
        })
    }

    /// Releases left `pending-*` in the namespaces of the environments, each with what to do:
    /// for `doctor`. An unreachable cluster is reported as such, per environment.
    pub async fn stuck_releases(&self) -> Result<Vec<StuckRelease>> {
        let envs = self.store.read(store::catalog::list_environments)?;
        let mut out = Vec::new();
        for env in envs {
            let found = match self.space_cluster(&env.space_id) {
                Ok((cref, cluster)) => match self.runtime_for(&cluster) {
                    Ok(rt) => rt
                        .stuck_releases(&cref, &env.namespace)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                },
                Err(e) => Err(e.to_string()),
            };
            let heads = match found {
                Ok(h) => h,
                Err(e) => {
                    out.push(StuckRelease {
                        environment: env.name.clone(),
                        namespace: env.namespace.clone(),
                        release: None,
                        advice: format!("cannot look: {e}"),
                    });
                    continue;
                }
            };
            for head in heads {
                let deployment = self
                    .store
                    .read(|c| store::catalog::list_deployments(c, Some(&env.id)))?
                    .into_iter()
                    .find(|d| d.name == head.name);
                let open_job = match &deployment {
                    Some(d) => self.store.read(|c| store::jobs::has_open_job(c, &d.id))?,
                    None => false,
                };
                let advice = if open_job {
                    "its zopdeck job resumes when a zopdeck with workers starts (the TUI, serve, \
                     or a command that waits), and completes or fails it"
                        .to_string()
                } else if deployment.is_some() {
                    format!(
                        "no zopdeck job holds it: roll back with `zopdeck rollback {} --to N`, or \
                         `helm rollback {} -n {}`",
                        head.name, head.name, env.namespace
                    )
                } else {
                    format!(
                        "not a zopdeck deployment: `helm rollback {} -n {}` or `helm uninstall`",
                        head.name, env.namespace
                    )
                };
                out.push(StuckRelease {
                    environment: env.name.clone(),
                    namespace: env.namespace.clone(),
                    release: Some(head),
                    advice,
                });
            }
        }
        Ok(out)
    }
}

/// A release left half applied, found by `Engine::stuck_releases`.
#[derive(Debug, Clone)]
pub struct StuckRelease {
    pub environment: String,
    pub namespace: String,
    /// `None` when the namespace could not be looked at (`advice` says why).
    pub release: Option<crate::backend::runtime::ReleaseHead>,
    pub advice: String,
}

/// Notices commits made by other processes on the same store (SQLite's `data_version`
/// moves only for those) and tells subscribers to reload.
fn watch_other_processes(engine: &Arc<Engine>) {
    let engine = Arc::clone(engine);
    tokio::spawn(async move {
        let mut shutdown = engine.shutdown.subscribe();
        let mut last = engine.store.data_version().unwrap_or(0);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => break,
            }
            if let Ok(v) = engine.store.data_version()
                && v != last
            {
                last = v;
                engine.external.send_modify(|n| *n += 1);
                // Jobs enqueued over there are ours to run.
                engine.wake.notify_one();
            }
            if engine.is_viewer() {
                engine.take_over().await;
            }
        }
    });
}

/// Refuses a store that fails SQLite's quick check, saying what to do.
fn check_store(store: &Store) -> Result<()> {
    let Err(problems) = store.quick_check()? else {
        return Ok(());
    };
    let path = store.path().unwrap_or(Path::new(STORE_FILE));
    let aside = path.with_file_name("damaged");
    Err(BackendError::Storage(format!(
        "the store {} is damaged (SQLite's quick_check: {}); zopdeck will not write on it. \
         Move it aside with its -wal and -shm files (mkdir {aside} && mv {path}* {aside}/) — \
         the next start begins afresh — or restore a backup of it; `zopdeck doctor` shows \
         the check",
        path.display(),
        problems.join("; "),
        aside = aside.display(),
        path = path.display(),
    )))
}

/// Takes the data dir's engine lock, or says which process holds it.
fn lock_data_dir(dir: &Path) -> Result<File> {
    use std::io::{Read, Seek, Write};
    let path = dir.join(LOCK_FILE);
    let mut file = crate::private_files::open_rw(&path)
        .map_err(|e| BackendError::Storage(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => {
            let _ = file.set_len(0);
            let _ = file.rewind();
            let _ = write!(file, "{}", std::process::id());
            Ok(file)
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            Err(BackendError::Conflict(format!(
                "another zopdeck (pid {}) is running on the data directory {}; \
                 close it, or give this one its own --data-dir",
                pid.trim(),
                dir.display()
            )))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(BackendError::Storage(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

#[async_trait]
impl Backend for Engine {
    fn kind(&self) -> BackendKind {
        // Where the catalog is: the data dir, or the PostgreSQL database the replicas share.
        let data_dir = if self.store.is_pg() {
            self.store.location()
        } else {
            self.data_dir
                .as_ref()
                .map_or_else(|| "(in memory)".into(), |p| p.display().to_string())
        };
        BackendKind::Embedded { data_dir }
    }
    async fn list_environments(&self) -> Result<Vec<Environment>> {
        self.store.read(store::catalog::list_environments)
    }
    async fn get_environment(&self, env_id: &str) -> Result<Environment> {
        self.store
            .read(|c| store::catalog::get_environment(c, env_id))?
            .ok_or_else(|| BackendError::not_found("environment", env_id))
    }
    async fn create_environment(&self, req: NewEnvironment) -> Result<Environment> {
        let env = self.create_environment_op(req).await?;
        self.environments_changed.notify_one();
        Ok(env)
    }
    async fn list_deployments(&self, env_id: Option<&str>) -> Result<Vec<Deployment>> {
        if let Some(env) = env_id {
            self.get_environment(env).await?;
        }
        self.store
            .read(|c| store::catalog::list_deployments(c, env_id))
    }
    async fn get_deployment(&self, id: &str) -> Result<Deployment> {
        self.deployment(id)
    }
    async fn create_deployment(&self, req: NewDeployment) -> Result<Deployment> {
        self.create_deployment_op(req)
    }
    async fn delete_deployment(&self, id: &str) -> Result<TeardownReport> {
        self.delete_deployment_op(id)
    }
    async fn patch_configs(&self, id: &str, patch: Value) -> Result<Deployment> {
        self.patch_configs_op(id, patch)
    }
    async fn set_canvas_position(&self, id: &str, pos: CanvasPosition) -> Result<CanvasPosition> {
        self.set_canvas_position_op(id, pos)
    }
    async fn analyze(&self, id: &str) -> Result<AnalyzeReport> {
        self.analyze_op(id)
    }
    async fn create_revision(&self, id: &str, req: NewRevision) -> Result<RevisionCreated> {
        self.create_revision_op(id, req)
    }
    async fn list_revisions(&self, id: &str) -> Result<Vec<Revision>> {
        self.deployment(id)?;
        self.store.read(|c| store::history::list_revisions(c, id))
    }
    async fn get_revision(&self, id: &str, revision_id: &str) -> Result<Revision> {
        self.deployment(id)?;
        self.store
            .read(|c| store::history::get_revision(c, revision_id))?
            .filter(|r| r.deployment_id == id)
            .ok_or_else(|| BackendError::not_found("revision", revision_id))
    }
    async fn rollback(&self, id: &str, to_revision_id: &str) -> Result<Revision> {
        self.rollback_op(id, to_revision_id)
    }
    async fn promote(&self, id: &str, from_revision_id: &str) -> Result<Revision> {
        self.promote_op(id, from_revision_id)
    }
    async fn audit(&self, filter: AuditFilter) -> Result<Vec<AuditEntry>> {
        self.store.read(|c| store::audit::list(c, &filter))
    }

    async fn list_events(&self, id: &str, after: Option<&str>) -> Result<Vec<Event>> {
        self.deployment(id)?;
        let after = match after {
            None | Some("") => None,
            Some(a) => Some(ids::parse_event_id(a).ok_or_else(|| {
                BackendError::validation(
                    "after",
                    format!("after must be an event id like ev_12 (got {a:?})"),
                )
            })?),
        };
        self.store
            .read(|c| store::history::list_events(c, id, after))
    }
    async fn loadbalancer(&self, id: &str) -> Result<LoadBalancer> {
        self.loadbalancer_op(id).await
    }
    async fn list_spaces(&self) -> Result<Vec<Space>> {
        let spaces = self.store.read(store::catalog::list_spaces)?;
        Ok(self.with_reachability(spaces).await)
    }
    async fn get_space(&self, space_id: &str) -> Result<Space> {
        let space = self.space(space_id)?;
        let mut probed = self.with_reachability(vec![space]).await;
        probed
            .pop()
            .ok_or_else(|| BackendError::not_found("space", space_id))
    }
    async fn create_space(&self, req: NewSpace) -> Result<Space> {
        self.create_space_op(req)
    }
    async fn set_space_status(&self, space_id: &str, status: SpaceStatus) -> Result<Space> {
        self.set_space_status_op(space_id, status)
    }
    async fn delete_space(&self, space_id: &str) -> Result<()> {
        self.delete_space_op(space_id)
    }
    async fn list_namespaces(&self, space_id: &str) -> Result<Vec<Namespace>> {
        self.list_namespaces_op(space_id).await
    }
    async fn create_namespace(&self, space_id: &str, name: &str) -> Result<Namespace> {
        self.create_namespace_op(space_id, name).await
    }
    async fn list_clusters(&self, account_id: &str) -> Result<Vec<Cluster>> {
        self.list_clusters_op(account_id).await
    }
    async fn register_cluster_access(
        &self,
        account_id: &str,
        region: &str,
        cluster: &str,
    ) -> Result<Cluster> {
        self.register_cluster_access_op(account_id, region, cluster)
            .await
    }
    async fn revoke_cluster_access(
        &self,
        account_id: &str,
        region: &str,
        cluster: &str,
    ) -> Result<()> {
        self.revoke_cluster_access_op(account_id, region, cluster)
    }
    fn follows_another(&self) -> bool {
        self.is_viewer()
    }
    async fn local_contexts(&self) -> Result<Vec<LocalContext>> {
        self.local_contexts_op()
    }
    async fn create_space_on_context(
        &self,
        name: &str,
        kubeconfig: Option<&str>,
        context: &str,
    ) -> Result<Space> {
        self.create_space_on_context_op(name, kubeconfig.map(Path::new), context)
            .await
    }
    fn subscribe(&self) -> Subscription {
        Subscription::with_external(self.bus.subscribe(), self.external.subscribe())
    }
}
