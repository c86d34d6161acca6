//! Workers: claim a job under a lease, keep the lease alive while running it, and record how
//! it ended. A job whose worker dies is claimed again once its lease runs out.

use std::sync::Arc;
use std::time::Duration;

use super::Engine;
use super::lifecycle::JobEnd;
use super::store::{Job, JobState, jobs};

pub(super) fn spawn_all(engine: &Arc<Engine>) {
    let handles =
        (0..engine.settings.workers).map(|_| tokio::spawn(run_worker(Arc::clone(engine))));
    match engine.workers.lock() {
        Ok(mut w) => w.extend(handles),
        Err(poisoned) => poisoned.into_inner().extend(handles),
    }
}

async fn run_worker(engine: Arc<Engine>) {
    let mut shutdown = engine.shutdown.subscribe();
    let lease_ms = engine.settings.lease.as_millis() as i64;
    loop {
        if *shutdown.borrow() {
            break;
        }
        let now = engine.now();
        let claimed = engine
            .store
            .write(|c| jobs::claim(c, &engine.owner, now.timestamp_millis(), lease_ms, &now));
        match claimed {
            Ok(Some(job)) => process(&engine, job, &mut shutdown).await,
            Ok(None) => {
                tokio::select! {
                    _ = engine.wake.notified() => {}
                    _ = tokio::time::sleep(engine.settings.poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                tracing::error!("claiming a job failed: {e}");
                tokio::time::sleep(engine.settings.poll).await;
            }
        }
    }
}

async fn process(
    engine: &Arc<Engine>,
    job: Job,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) {
    tracing::info!(job = job.id, deployment = %job.deployment_id, attempt = job.attempts, "job claimed");
    let outcome = tokio::select! {
        r = engine.run_job(&job) => r,
        () = keep_lease(engine, &job) => {
            // The lease was lost: the job was cancelled or finished elsewhere.
            return;
        }
        _ = shutdown.changed() => {
            // Hand the job to the next run at once instead of waiting out the lease.
            let _ = engine.store.write(|c| jobs::release(c, job.id, 0, None));
            return;
        }
    };
    let now = engine.now();
    let result = match outcome {
        Ok(JobEnd::Done) => engine
            .store
            .write(|c| jobs::finish(c, job.id, JobState::Done, None, &now)),
        Ok(JobEnd::Superseded) => engine
            .store
            .write(|c| jobs::finish(c, job.id, JobState::Done, Some("superseded"), &now)),
        Ok(JobEnd::Cancelled) => engine
            .store
            .write(|c| jobs::finish(c, job.id, JobState::Cancelled, None, &now)),
        Ok(JobEnd::Failed(reason)) => engine
            .store
            .write(|c| jobs::finish(c, job.id, JobState::Failed, Some(&reason), &now)),
        Err(e) => {
            // An internal fault (store, runtime watch): try again later, with back-off.
            let backoff = Duration::from_secs(2u64.saturating_pow(job.attempts.min(6)));
            tracing::warn!(
                job = job.id,
                "job attempt failed, retrying in {backoff:?}: {e}"
            );
            let at = now.timestamp_millis() + backoff.as_millis() as i64;
            engine
                .store
                .write(|c| jobs::release(c, job.id, at, Some(&e.to_string())))
        }
    };
    if let Err(e) = result {
        tracing::error!(job = job.id, "recording the job's end failed: {e}");
    }
    // The next job of the same deployment may be waiting for this one.
    engine.wake.notify_one();
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
