//! What a worker does with a job: carry one revision through building → deploying →
//! rolling_out → active, appending an event at every stage boundary and writing status and
//! current revision back as it goes.
//!
//! The event log doubles as the job's journal: a stage whose `succeeded` event exists is
//! done, and every append carries a dedupe key, so a job resumed after a crash skips what
//! was finished and writes no event twice.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Map, Value, json};

use super::store::{Job, JobKind, NewEvent, catalog, history, jobs};
use super::{Engine, build, lb_watch};
use crate::backend::error::{BackendError, Result};
use crate::backend::model::configs::TypedConfigs;
use crate::backend::model::*;
use crate::backend::runtime::{
    ReleaseOutcome, ReleaseRef, ReleaseSpec, RollbackTarget, RolloutPhase, Runtime, RuntimeError,
};

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum JobEnd {
    Done,
    Failed(String),
    /// A newer revision of the deployment took over.
    Superseded,
    /// The deployment is being torn down.
    Cancelled,
}

/// What a running job works with.
struct Ctx {
    job: Job,
    dep: Deployment,
    /// The deployment's release on its cluster.
    dep_release: ReleaseRef,
    rev: Revision,
    cluster: Cluster,
    runtime: Arc<dyn Runtime>,
}

/// How often a rollout that reports nothing checks that its job is still wanted.
const STILL_WANTED_EVERY: Duration = Duration::from_secs(1);

fn key(rev: &Revision, stage: Stage, status: EventStatus) -> String {
    format!("{}/{}/{}", rev.id, stage.as_str(), status.as_str())
}

fn meta(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn stage_status(stage: Stage) -> (DeploymentStatus, RevisionStatus) {
    match stage {
        Stage::Building => (DeploymentStatus::Building, RevisionStatus::Building),
        Stage::Deploying => (DeploymentStatus::Deploying, RevisionStatus::Deploying),
        Stage::RollingOut => (DeploymentStatus::RollingOut, RevisionStatus::RollingOut),
        Stage::Active => (DeploymentStatus::Active, RevisionStatus::Active),
        // Not a revision's stage: the teardown job writes its own statuses.
        Stage::TearingDown => (DeploymentStatus::TearingDown, RevisionStatus::Superseded),
    }
}

impl Engine {
    /// One of the slots that bound builds and applies (`engine.workers`).
    async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        self.slots
            .acquire()
            .await
            .map_err(|_| BackendError::Internal("the engine is stopping".into()))
    }

    pub(super) async fn run_job(self: &Arc<Self>, job: &Job) -> Result<JobEnd> {
        if job.kind == JobKind::Teardown {
            return self.run_teardown(job).await;
        }
        let Some(ctx) = self.job_context(job)? else {
            return Ok(JobEnd::Cancelled);
        };
        let end = self.run_rollout(&ctx).await?;
        if end == JobEnd::Superseded {
            // A release revision a newer one overtook is not left pending.
            self.record_outcome(&ctx, &ReleaseOutcome::Superseded).await;
        }
        Ok(end)
    }

    async fn run_rollout(self: &Arc<Self>, ctx: &Ctx) -> Result<JobEnd> {
        let (ctx, job) = (ctx, &ctx.job);
        if let Some(end) = self.still_wanted(ctx)? {
            return Ok(end);
        }
        // Only the job's own errors count: a lease taken over after a crash or a restart is
        // an interruption, and the job picks up where its journal says it was.
        if job.failures >= self.settings.max_attempts {
            let reason = format!(
                "gave up after {} failed attempts; the last one ended with: {}",
                job.failures,
                self.last_job_error(job)
                    .unwrap_or_else(|| "an unrecorded error".into())
            );
            return self.fail(ctx, self.current_stage(ctx)?, &reason).await;
        }
        let configs = match TypedConfigs::parse_str(&ctx.rev.configs) {
            Ok(c) => c,
            Err(e) => {
                let reason = format!("invalid configs: {e}");
                return self.fail(ctx, Stage::Building, &reason).await;
            }
        };

        let image = match self.stage_building(ctx).await? {
            Ok(image) => image,
            Err(end) => return Ok(end),
        };
        if let Some(end) = self.still_wanted(ctx)? {
            return Ok(end);
        }
        let spec = self.release_spec(ctx, image, configs)?;
        let version = match self.stage_deploying(ctx, &spec).await? {
            Ok(version) => version,
            Err(end) => return Ok(end),
        };
        if let Some(end) = self.stage_rolling_out(ctx, &spec, version).await? {
            return Ok(end);
        }
        self.stage_active(ctx, &spec).await
    }

    fn job_context(&self, job: &Job) -> Result<Option<Ctx>> {
        let Some(dep) = self
            .store
            .read(|c| catalog::get_deployment(c, &job.deployment_id))?
        else {
            return Ok(None);
        };
        let Some(rev) = self
            .store
            .read(|c| history::get_revision(c, &job.revision_id))?
        else {
            return Ok(None);
        };
        let (_, cluster) = self.space_cluster(&dep.space_id)?;
        let runtime = self.runtime_for(&cluster)?;
        let dep_release = self.release_ref(&dep)?;
        Ok(Some(Ctx {
            job: job.clone(),
            dep,
            dep_release,
            rev,
            cluster,
            runtime,
        }))
    }

    fn last_job_error(&self, job: &Job) -> Option<String> {
        self.store
            .read(|c| jobs::last_error(c, job.id))
            .ok()
            .flatten()
    }

    /// Runs `f` in one transaction if the job still runs under our lease; `None` (nothing
    /// written) once it was cancelled — a teardown wins over a rollout finishing — or taken over.
    fn job_write<T>(
        &self,
        ctx: &Ctx,
        f: impl FnOnce(&super::store::Connection) -> Result<T>,
    ) -> Result<Option<T>> {
        self.store.write(|c| {
            if !jobs::holds(c, ctx.job.id, &self.owner)? {
                return Ok(None);
            }
            f(c).map(Some)
        })
    }

    /// The job goes on only while it is not cancelled and its revision is the newest.
    fn still_wanted(&self, ctx: &Ctx) -> Result<Option<JobEnd>> {
        let superseded = self.job_write(ctx, |c| {
            let latest = history::latest_revision_number(c, &ctx.dep.id)?;
            if latest > ctx.rev.number {
                history::set_revision_status(c, &ctx.rev.id, RevisionStatus::Superseded)?;
                return Ok(true);
            }
            Ok(false)
        })?;
        Ok(match superseded {
            None => Some(JobEnd::Cancelled),
            Some(true) => Some(JobEnd::Superseded),
            Some(false) => None,
        })
    }

    /// The first stage without a `succeeded` event: where a failure is reported.
    fn current_stage(&self, ctx: &Ctx) -> Result<Stage> {
        for &stage in Stage::ROLLOUT {
            if !self.store.read(|c| {
                history::has_event(
                    c,
                    &ctx.dep.id,
                    &key(&ctx.rev, stage, EventStatus::Succeeded),
                )
            })? {
                return Ok(stage);
            }
        }
        Ok(Stage::Active)
    }

    fn is_done(&self, ctx: &Ctx, stage: Stage) -> Result<bool> {
        self.store.read(|c| {
            history::has_event(
                c,
                &ctx.dep.id,
                &key(&ctx.rev, stage, EventStatus::Succeeded),
            )
        })
    }

    /// Appends an event (once per dedupe key) and tells subscribers.
    fn append(
        &self,
        ctx: &Ctx,
        stage: Stage,
        status: EventStatus,
        m: Value,
        dedupe: String,
    ) -> Result<()> {
        let ev = NewEvent {
            deployment_id: ctx.dep.id.clone(),
            revision_id: Some(ctx.rev.id.clone()),
            stage,
            status,
            meta: meta(m),
            dedupe_key: Some(dedupe),
        };
        let now = self.now();
        // A job cancelled under it (its deployment is being torn down) writes nothing more.
        let appended = self
            .store
            .append_event(ev, now, Some((ctx.job.id, &self.owner)))?;
        if let Some(event) = appended {
            self.publish(Change::Event {
                deployment_id: ctx.dep.id.clone(),
                data: event,
            });
        }
        Ok(())
    }

    /// Writes the stage's status to deployment and revision and appends its `started` event;
    /// `Some(Cancelled)` when the job was cancelled meanwhile (nothing written).
    fn enter_stage(&self, ctx: &Ctx, stage: Stage, m: Value) -> Result<Option<JobEnd>> {
        let (dep_status, rev_status) = stage_status(stage);
        let now = self.now();
        // From deploying on, this revision is what the release carries: the current one.
        let current = (stage >= Stage::Deploying).then_some(ctx.rev.id.as_str());
        let written = self.job_write(ctx, |c| {
            catalog::set_deployment_status(c, &ctx.dep.id, dep_status, current, &now)?;
            history::set_revision_status(c, &ctx.rev.id, rev_status)
        })?;
        if written.is_none() {
            return Ok(Some(JobEnd::Cancelled));
        }
        self.publish_deployment(&ctx.dep.id);
        self.append(
            ctx,
            stage,
            EventStatus::Started,
            m,
            key(&ctx.rev, stage, EventStatus::Started),
        )?;
        Ok(None)
    }

    /// The release revision this job's apply produced, once the deploying stage is done.
    fn applied_version(&self, ctx: &Ctx) -> Result<Option<u32>> {
        let done = key(&ctx.rev, Stage::Deploying, EventStatus::Succeeded);
        Ok(self
            .store
            .read(|c| history::event_meta(c, &ctx.dep.id, &done))?
            .and_then(|m| m.get("helmRevision").and_then(Value::as_u64))
            .and_then(|v| u32::try_from(v).ok()))
    }

    /// Records on the runtime how this job's release revision ended, if it was applied. A
    /// failure to record is logged: the next revision's outcome supersedes it anyway.
    async fn record_outcome(&self, ctx: &Ctx, outcome: &ReleaseOutcome) {
        let Ok(Some(version)) = self.applied_version(ctx) else {
            return;
        };
        if let Err(e) = ctx
            .runtime
            .record_outcome(&ctx.dep_release, version, outcome)
            .await
        {
            tracing::warn!(deployment = %ctx.dep.name, version, "recording the release's outcome failed: {e}");
        }
    }

    /// A passing fault of the cluster: said in the timeline, then the job is handed back to be
    /// retried with back-off (`BackendError::Unavailable`, which counts no failure).
    fn retry_later(&self, ctx: &Ctx, stage: Stage, e: &RuntimeError) -> Result<JobEnd> {
        let message = format!("{}; retrying", e.message());
        self.append(
            ctx,
            stage,
            EventStatus::Progress,
            json!({"message": message}),
            format!(
                "{}/{}/retry/{}",
                ctx.rev.id,
                stage.as_str(),
                ctx.job.attempts
            ),
        )?;
        Err(BackendError::Unavailable(e.message().to_string()))
    }

    /// Records a failure: a `failed` event with the reason, failed statuses, and the release
    /// revision marked failed on the runtime.
    async fn fail(&self, ctx: &Ctx, stage: Stage, reason: &str) -> Result<JobEnd> {
        let now = self.now();
        let event = history::NewEvent {
            deployment_id: ctx.dep.id.clone(),
            revision_id: Some(ctx.rev.id.clone()),
            stage,
            status: EventStatus::Failed,
            meta: meta(json!({"reason": reason})),
            dedupe_key: Some(key(&ctx.rev, stage, EventStatus::Failed)),
        };
        // The statuses and the `failed` event with its reason in one write.
        let written = self.job_write(ctx, |c| {
            catalog::set_deployment_status(
                c,
                &ctx.dep.id,
                DeploymentStatus::Failed,
                Some(&ctx.rev.id),
                &now,
            )?;
            history::set_revision_status(c, &ctx.rev.id, RevisionStatus::Failed)?;
            history::append_event(c, &event, &now)
        })?;
        // A teardown cancelled the job and removed the release: that is no failure to record.
        let Some(appended) = written else {
            return Ok(JobEnd::Cancelled);
        };
        tracing::warn!(deployment = %ctx.dep.name, revision = ctx.rev.number, stage = stage.as_str(), "failed: {reason}");
        if let Some(data) = appended {
            self.publish(Change::Event {
                deployment_id: ctx.dep.id.clone(),
                data,
            });
        }
        self.publish_deployment(&ctx.dep.id);
        self.record_outcome(ctx, &ReleaseOutcome::Failed(reason.to_string()))
            .await;
        Ok(JobEnd::Failed(reason.to_string()))
    }

    /// Building: the given image, or a build of the git source. `Err(end)` when the job ends.
    async fn stage_building(&self, ctx: &Ctx) -> Result<std::result::Result<String, JobEnd>> {
        let done_key = key(&ctx.rev, Stage::Building, EventStatus::Succeeded);
        if let Some(m) = self
            .store
            .read(|c| history::event_meta(c, &ctx.dep.id, &done_key))?
            && let Some(image) = m.get("imageRef").and_then(Value::as_str)
        {
            return Ok(Ok(image.to_string()));
        }
        let d = &ctx.dep;
        let source = match (&ctx.rev.image, d.source_type) {
            (Some(image), _) => json!({"source": "image", "image": image}),
            (None, _) => json!({"source": "git", "repoUrl": d.repo_url, "branch": d.branch}),
        };
        if let Some(end) = self.enter_stage(ctx, Stage::Building, source)? {
            return Ok(Err(end));
        }
        let built = match &ctx.rev.image {
            // Checking a given image waits on a registry: it takes no slot.
            Some(image) => {
                if ctx.runtime.is_simulated() {
                    self.sandbox.simulate_build(false).await;
                }
                Ok(build::Built {
                    image: image.clone(),
                    stack: None,
                    commit: None,
                    simulated: false,
                })
            }
            None => {
                let input = build::GitSource {
                    name: &d.name,
                    namespace: &d.namespace,
                    repo_url: d.repo_url.as_deref().unwrap_or_default(),
                    branch: d.branch.as_deref().unwrap_or("main"),
                    registry_url: d.registry_url.as_deref(),
                    work_dir: &self.work_dir.join(&ctx.rev.id),
                };
                let simulate = ctx.runtime.is_simulated().then_some(&self.sandbox);
                let _slot = self.slot().await?;
                build::build_git(&input, &self.settings, simulate).await
            }
        };
        let built = match built {
            Ok(b) => b,
            Err(reason) => return Ok(Err(self.fail(ctx, Stage::Building, &reason).await?)),
        };
        if self
            .job_write(ctx, |c| {
                history::set_revision_image(c, &ctx.rev.id, &built.image)
            })?
            .is_none()
        {
            return Ok(Err(JobEnd::Cancelled));
        }
        let mut m = json!({"imageRef": built.image});
        if let Some(stack) = &built.stack {
            m["stack"] = stack.clone().into();
        }
        if let Some(commit) = &built.commit {
            m["commit"] = commit.clone().into();
        }
        if built.simulated {
            m["simulated"] = true.into();
        }
        self.append(ctx, Stage::Building, EventStatus::Succeeded, m, done_key)?;
        Ok(Ok(built.image))
    }

    fn release_spec(&self, ctx: &Ctx, image: String, configs: TypedConfigs) -> Result<ReleaseSpec> {
        let rollback_to = match &ctx.rev.rollback_of {
            Some(id) => {
                self.store
                    .read(|c| history::get_revision(c, id))?
                    .map(|r| RollbackTarget {
                        revision_id: r.id,
                        number: r.number,
                    })
            }
            None => None,
        };
        Ok(ReleaseSpec {
            release: ctx.dep_release.clone(),
            deployment_id: ctx.dep.id.clone(),
            revision_id: ctx.rev.id.clone(),
            revision_number: ctx.rev.number,
            image,
            configs,
            rollback_to,
        })
    }

    /// Deploying: applies the release. `Ok(version)`: the release revision that carries this
    /// revision (read back from the journal when a resumed job finds the stage done).
    async fn stage_deploying(
        &self,
        ctx: &Ctx,
        spec: &ReleaseSpec,
    ) -> Result<std::result::Result<u32, JobEnd>> {
        if self.is_done(ctx, Stage::Deploying)?
            && let Some(version) = self.applied_version(ctx)?
        {
            return Ok(Ok(version));
        }
        let r = &spec.release;
        if let Some(end) = self.enter_stage(
            ctx,
            Stage::Deploying,
            json!({"release": r.name, "namespace": r.namespace}),
        )? {
            return Ok(Err(end));
        }
        // Access and space status are read now, not when the job was queued.
        let (cref, cluster) = self.space_cluster(&ctx.dep.space_id)?;
        if !cluster.access_registered {
            let reason = format!(
                "access to cluster {} ({}) on {} was revoked; register it again with \
                 PUT /cloud-accounts/{}/clusters/{}/{}/access, then retry the deploy",
                cref.name, cref.region, cref.account, cref.account, cref.region, cref.name
            );
            return Ok(Err(self.fail(ctx, Stage::Deploying, &reason).await?));
        }
        let space = self.space(&ctx.dep.space_id)?;
        if space.status == SpaceStatus::Inactive {
            let reason = format!(
                "space {} is inactive; activate it with PUT /spaces/{}/status",
                space.name, space.id
            );
            return Ok(Err(self.fail(ctx, Stage::Deploying, &reason).await?));
        }
        if let Some(end) = self.still_wanted(ctx)? {
            return Ok(Err(end));
        }
        let applied = {
            let _slot = self.slot().await?;
            ctx.runtime.apply(spec).await
        };
        match applied {
            Ok(applied) => {
                let m = json!({"release": r.name, "namespace": r.namespace, "helmRevision": applied.version,
                               "description": applied.description, "runtime": ctx.cluster.runtime});
                self.append(
                    ctx,
                    Stage::Deploying,
                    EventStatus::Succeeded,
                    m,
                    key(&ctx.rev, Stage::Deploying, EventStatus::Succeeded),
                )?;
                Ok(Ok(applied.version))
            }
            Err(e) if e.is_transient() => self.retry_later(ctx, Stage::Deploying, &e).map(Err),
            Err(e) => Ok(Err(self.fail(ctx, Stage::Deploying, e.message()).await?)),
        }
    }

    async fn stage_rolling_out(
        &self,
        ctx: &Ctx,
        spec: &ReleaseSpec,
        version: u32,
    ) -> Result<Option<JobEnd>> {
        if self.is_done(ctx, Stage::RollingOut)? {
            return Ok(None);
        }
        let desired = spec.configs.replicas_or_default();
        if let Some(end) = self.enter_stage(
            ctx,
            Stage::RollingOut,
            json!({"ready": 0, "desired": desired}),
        )? {
            return Ok(Some(end));
        }
        let mut watch = ctx.runtime.watch_rollout(&spec.release, version);
        loop {
            // A stuck rollout (a crash loop) reports nothing new until its deadline: look
            // now and then whether a newer revision took over or the job was cancelled, so
            // that a fix or a rollback does not wait that deadline out. (`next` is
            // cancel-safe: the watch keeps its place.)
            let next = loop {
                match tokio::time::timeout(STILL_WANTED_EVERY, watch.next()).await {
                    Ok(next) => break next,
                    Err(_) => {
                        if let Some(end) = self.still_wanted(ctx)? {
                            return Ok(Some(end));
                        }
                    }
                }
            };
            let progress = match next {
                Some(Ok(p)) => p,
                Some(Err(e)) if e.is_transient() => {
                    return self.retry_later(ctx, Stage::RollingOut, &e).map(Some);
                }
                Some(Err(e)) => {
                    return Ok(Some(self.fail(ctx, Stage::RollingOut, e.message()).await?));
                }
                None => {
                    let e = RuntimeError::Transient("the rollout watch ended early".into());
                    return self.retry_later(ctx, Stage::RollingOut, &e).map(Some);
                }
            };
            match progress.phase {
                RolloutPhase::Progressing => {
                    let mut m = json!({"ready": progress.ready, "desired": progress.desired});
                    if let Some(msg) = &progress.message {
                        m["message"] = msg.clone().into();
                    }
                    let dedupe = format!(
                        "{}/rolling_out/progress/{}/{}/{}",
                        ctx.rev.id,
                        progress.ready,
                        progress.desired,
                        if progress.message.is_some() {
                            "waiting"
                        } else {
                            "ok"
                        }
                    );
                    self.append(ctx, Stage::RollingOut, EventStatus::Progress, m, dedupe)?;
                    if let Some(end) = self.still_wanted(ctx)? {
                        return Ok(Some(end));
                    }
                }
                RolloutPhase::Complete => {
                    if let Err(e) = ctx
                        .runtime
                        .record_outcome(&spec.release, version, &ReleaseOutcome::Deployed)
                        .await
                    {
                        if e.is_transient() {
                            return self.retry_later(ctx, Stage::RollingOut, &e).map(Some);
                        }
                        let reason = format!("recording the release as deployed failed: {e}");
                        return Ok(Some(self.fail(ctx, Stage::RollingOut, &reason).await?));
                    }
                    let m = json!({"ready": progress.ready, "desired": progress.desired});
                    self.append(
                        ctx,
                        Stage::RollingOut,
                        EventStatus::Succeeded,
                        m,
                        key(&ctx.rev, Stage::RollingOut, EventStatus::Succeeded),
                    )?;
                    return Ok(None);
                }
                RolloutPhase::Failed(reason) => {
                    return Ok(Some(self.fail(ctx, Stage::RollingOut, &reason).await?));
                }
            }
        }
    }

    async fn stage_active(self: &Arc<Self>, ctx: &Ctx, spec: &ReleaseSpec) -> Result<JobEnd> {
        let exposed = !spec.configs.expose.is_empty();
        let lb = if exposed {
            // A passing fault here is no reason to hold the rollout back: the watch started
            // below reports the address when it comes.
            ctx.runtime
                .loadbalancer(&spec.release)
                .await
                .unwrap_or_else(|_| LoadBalancer::pending(spec.configs.expose.clone()))
        } else {
            LoadBalancer::none()
        };
        let mut m = json!({"replicas": spec.configs.replicas_or_default(), "image": spec.image});
        if let Some(address) = &lb.address {
            m["address"] = address.clone().into();
        }
        let now = self.now();
        let event = history::NewEvent {
            deployment_id: ctx.dep.id.clone(),
            revision_id: Some(ctx.rev.id.clone()),
            stage: Stage::Active,
            status: EventStatus::Succeeded,
            meta: meta(m),
            dedupe_key: Some(key(&ctx.rev, Stage::Active, EventStatus::Succeeded)),
        };
        // The statuses and the `active` event in one write: a reader never sees the revision
        // active without its event.
        let written = self.job_write(ctx, |c| {
            catalog::set_deployment_status(
                c,
                &ctx.dep.id,
                DeploymentStatus::Active,
                Some(&ctx.rev.id),
                &now,
            )?;
            history::set_revision_status(c, &ctx.rev.id, RevisionStatus::Active)?;
            history::supersede_others(c, &ctx.dep.id, &ctx.rev.id)?;
            history::append_event(c, &event, &now)
        })?;
        let Some(appended) = written else {
            return Ok(JobEnd::Cancelled);
        };
        if let Some(data) = appended {
            self.publish(Change::Event {
                deployment_id: ctx.dep.id.clone(),
                data,
            });
        }
        self.publish_deployment(&ctx.dep.id);
        if exposed {
            self.publish(Change::Loadbalancer {
                deployment_id: ctx.dep.id.clone(),
                data: lb.clone(),
            });
            if lb.status != LbStatus::Ready {
                lb_watch::watch(self, ctx.dep.id.clone(), Some(lb));
            }
        }
        Ok(JobEnd::Done)
    }
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
