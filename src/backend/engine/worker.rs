//! Running jobs: a dispatcher claims each runnable job under a lease and runs it in a task of
//! its own, which keeps the lease alive and records how the job ended. A job whose process
//! died is claimed again once its lease runs out (at once by the next process that starts).
//!
//! Jobs are many at a time (`engine.concurrent_rollouts`): a rollout that waits for pods or
//! capacity costs a task, not a slot. The slots (`engine.workers`) bound the work that loads
//! the machine or the cluster — builds and applies — and are taken by the lifecycle around it.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use super::Engine;
use super::lifecycle::JobEnd;
use crate::backend::BackendError;

/// Longest wait before a job that met an unreachable cluster tries again.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
use super::store::{Job, JobState, jobs};

/// Starts the dispatcher; `Engine::stop` waits for it.
pub(super) fn spawn_all(engine: &Arc<Engine>) {
    let handle = tokio::spawn(dispatch(Arc::clone(engine)));
    match engine.workers.lock() {
        Ok(mut w) => w.push(handle),
        Err(poisoned) => poisoned.into_inner().push(handle),
    }
}

async fn dispatch(engine: Arc<Engine>) {
    let mut shutdown = engine.shutdown.subscribe();
    let lease_ms = engine.settings.lease.as_millis() as i64;
    let mut running: JoinSet<()> = JoinSet::new();
    loop {
        // Finished tasks leave the set; their deployments' next jobs may be claimable now.
        while running.try_join_next().is_some() {}
        if *shutdown.borrow() {
            break;
        }
        let room = running.len() < engine.settings.concurrent_rollouts;
        let claimed = if room {
            let now = engine.now();
            engine
                .store
                .write(|c| jobs::claim(c, &engine.owner, now.timestamp_millis(), lease_ms, &now))
        } else {
            Ok(None)
        };
        match claimed {
            Ok(Some(job)) => {
                let engine = Arc::clone(&engine);
                let shutdown = shutdown.clone();
                running.spawn(async move { process(&engine, job, shutdown).await });
            }
            Ok(None) => {
                tokio::select! {
                    _ = engine.wake.notified() => {}
                    _ = tokio::time::sleep(engine.settings.poll) => {}
                    Some(_) = running.join_next(), if !running.is_empty() => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                tracing::error!("claiming a job failed: {e}");
                tokio::select! {
                    _ = tokio::time::sleep(engine.settings.poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
    // Every task hands its job back on shutdown; wait until they all have.
    while running.join_next().await.is_some() {}
}

async fn process(engine: &Arc<Engine>, job: Job, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    tracing::info!(job = job.id, deployment = %job.deployment_id, claim = job.attempts, failures = job.failures, "job claimed");
    let outcome = tokio::select! {
        r = engine.run_job(&job) => r,
        () = keep_lease(engine, &job) => {
            // The lease was lost: the job was cancelled or finished elsewhere.
            return;
        }
        _ = shutdown.changed() => {
            // Hand the job to the next run at once instead of waiting out the lease.
            let _ = engine.store.write(|c| jobs::release(c, job.id, &engine.owner, 0));
            return;
        }
    };
    let now = engine.now();
    let owner = engine.owner.as_str();
    let finish = |state, error: Option<&str>| {
        let recorded = engine
            .store
            .write(|c| jobs::finish(c, job.id, owner, state, error, &now))?;
        if !recorded {
            tracing::info!(
                job = job.id,
                "the job was cancelled or taken over meanwhile; its state stays"
            );
        }
        Ok(())
    };
    let result = match outcome {
        Ok(JobEnd::Done) => finish(JobState::Done, None),
        Ok(JobEnd::Superseded) => finish(JobState::Done, Some("superseded")),
        Ok(JobEnd::Cancelled) => finish(JobState::Cancelled, None),
        Ok(JobEnd::Failed(reason)) => finish(JobState::Failed, Some(&reason)),
        Err(BackendError::Unavailable(reason)) => {
            // The cluster is unreachable for now: wait and try the stage again, for as long
            // as it takes — an outage is no reason to fail a revision.
            let exp = job.attempts.saturating_sub(job.failures).clamp(1, 6) - 1;
            let backoff = Duration::from_secs(2u64.pow(exp)).min(MAX_RETRY_WAIT);
            tracing::info!(
                job = job.id,
                "cluster unavailable, retrying in {backoff:?}: {reason}"
            );
            let at = now.timestamp_millis() + backoff.as_millis() as i64;
            engine
                .store
                .write(|c| jobs::retry_later(c, job.id, owner, at, &reason))
        }
        Err(e) => {
            // An internal fault (store, runtime watch): try again later, with back-off.
            let backoff = Duration::from_secs(2u64.saturating_pow((job.failures + 1).min(6)));
            tracing::warn!(
                job = job.id,
                "job attempt failed, retrying in {backoff:?}: {e}"
            );
            let at = now.timestamp_millis() + backoff.as_millis() as i64;
            engine
                .store
                .write(|c| jobs::fail_attempt(c, job.id, owner, at, &e.to_string()))
        }
    };
    if let Err(e) = result {
        tracing::error!(job = job.id, "recording the job's end failed: {e}");
    }
    // The next job of the same deployment may be waiting for this one (here or on another
    // replica).
    engine.job_queued();
}

/// Renews the lease until it is lost; returns only then.
async fn keep_lease(engine: &Engine, job: &Job) {
    let every = engine.settings.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        let expires = engine.now().timestamp_millis() + engine.settings.lease.as_millis() as i64;
        match engine
            .store
            .write(|c| jobs::renew(c, job.id, &engine.owner, expires))
        {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => tracing::warn!(job = job.id, "renewing the lease failed: {e}"),
        }
    }
}
