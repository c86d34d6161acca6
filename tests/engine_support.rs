//! Helpers shared by the `engine_*` behaviour tests (each includes this file with
//! `#[path = "engine_support.rs"] mod support;`). On its own it is an empty test crate.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use zopdeck::backend::engine::store::Store;
use zopdeck::backend::engine::{DEMO_ENV, Engine, EngineSettings, OpenOptions};

#[path = "support/pg.rs"]
mod pg;
use zopdeck::backend::model::*;
use zopdeck::backend::{Backend, BackendError, Update};

// Time. The engine's clock and the sandbox follow tokio's clock: the engine tests run under
// `#[tokio::test(start_paused = true)]`, so simulated minutes pass in an instant and no test
// sleeps for real. The git tests run real `git` processes and so use the real clock, with the
// sandbox sped up (`SPEED` simulated seconds per real second). Nothing asserts how long
// anything took: every wait polls for a condition under a generous timeout.

/// Simulated seconds per real second in the tests' sandbox.
pub const SPEED: f64 = 20.0;

/// How long any wait may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(90);

/// How often polling loops look again.
pub const TICK: Duration = Duration::from_millis(10);

/// A span of simulated (sandbox) seconds in tokio time.
pub fn sim(secs: f64) -> Duration {
    Duration::from_secs_f64(secs / SPEED)
}

/// Default engine settings on a sped-up sandbox. The LoadBalancer takes 40 simulated
/// seconds (not 6) to get its address, so that a rollout's activation always comes before it
/// however busy the machine is; the progress deadline is 40 simulated seconds (not 120).
pub fn fast_settings() -> EngineSettings {
    let mut s = EngineSettings::default();
    s.sandbox.speed = SPEED;
    s.sandbox.lb_delay_secs = 40.0;
    s.sandbox.progress_deadline_secs = 40.0;
    s
}

/// An engine with the sandbox space and the `demo` environment, no demo deployments.
pub async fn engine() -> Arc<Engine> {
    engine_with(fast_settings()).await
}

/// The store the behaviour tests run on: in memory (SQLite), or with
/// `ZOPDECK_TEST_STORE=postgres` a fresh PostgreSQL database (`.ci/run` runs them both ways).
pub fn test_store() -> Store {
    match std::env::var("ZOPDECK_TEST_STORE").as_deref() {
        Ok("postgres") => {
            let url = pg::fresh_database("the engine behaviour tests").expect(
                "ZOPDECK_TEST_STORE=postgres needs ZOPDECK_TEST_DATABASE_URL (.ci/postgres up)",
            );
            Store::open_pg(&url).expect("the test PostgreSQL store opens")
        }
        _ => Store::open_in_memory().expect("in-memory store"),
    }
}

pub async fn engine_with(settings: EngineSettings) -> Arc<Engine> {
    Engine::on_store(
        test_store(),
        settings,
        OpenOptions {
            demo: false,
            ..Default::default()
        },
    )
    .await
    .expect("in-memory engine")
}

/// Settings with a smaller (or larger) sandbox cluster.
pub fn settings_with_capacity(replicas: u32) -> EngineSettings {
    let mut s = fast_settings();
    s.sandbox.capacity_replicas = replicas;
    s
}

pub async fn demo_env(engine: &Engine) -> Environment {
    engine
        .list_environments()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.name == DEMO_ENV)
        .expect("the demo environment is seeded")
}

/// A create payload for an image deployment.
pub fn image_dep(env_id: &str, name: &str, image: &str, configs: Value) -> NewDeployment {
    NewDeployment {
        name: name.into(),
        env_id: Some(env_id.into()),
        source_type: Some(SourceType::Image),
        image: Some(image.into()),
        configs: Some(configs),
        ..Default::default()
    }
}

/// Polls `probe` (in virtual time) until it returns `Some`, failing after [`PATIENCE`].
pub async fn wait_for<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let polled = async {
        loop {
            if let Some(v) = probe().await {
                return v;
            }
            tokio::time::sleep(TICK).await;
        }
    };
    tokio::time::timeout(PATIENCE, polled)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Waits until the engine has no queued or running job.
pub async fn idle(engine: &Engine) {
    wait_for("the job queue to drain", || async {
        (engine.open_jobs().unwrap() == 0).then_some(())
    })
    .await;
}

/// Waits until the deployment is no longer in progress and no job is left; returns it.
pub async fn settle(engine: &Engine, id: &str) -> Deployment {
    wait_for("the deployment to settle", || async {
        let d = engine.get_deployment(id).await.unwrap();
        (!d.status.is_in_progress() && engine.open_jobs().unwrap() == 0).then_some(d)
    })
    .await
}

/// Deletes the deployment and waits until its teardown job has removed it.
pub async fn tear_down(engine: &Engine, id: &str) -> TeardownReport {
    let report = engine.delete_deployment(id).await.unwrap();
    wait_for("the teardown to finish", || async {
        matches!(
            engine.get_deployment(id).await,
            Err(BackendError::NotFound { .. })
        )
        .then_some(())
    })
    .await;
    report
}

/// Whether the finished teardown found nothing left to remove, from its `tearing_down`
/// `succeeded` event (read from the store: the deployment's routes answer 404 by now).
pub fn teardown_found_nothing(engine: &Engine, id: &str) -> bool {
    let events = engine
        .store()
        .read(|c| zopdeck::backend::engine::store::history::list_events(c, id, None))
        .unwrap();
    events
        .iter()
        .find(|e| e.stage == Stage::TearingDown && e.status == EventStatus::Succeeded)
        .and_then(|e| e.meta.get("alreadyClean").and_then(Value::as_bool))
        .expect("a finished teardown")
}

/// Waits until the deployment reaches `status` (whatever the job queue does).
pub async fn wait_status(engine: &Engine, id: &str, status: DeploymentStatus) -> Deployment {
    wait_for(&format!("status {}", status.as_str()), || async {
        let d = engine.get_deployment(id).await.unwrap();
        (d.status == status).then_some(d)
    })
    .await
}

/// Creates an image deployment and waits until it has settled.
pub async fn deploy(engine: &Engine, name: &str, image: &str, configs: Value) -> Deployment {
    let env = demo_env(engine).await;
    let d = engine
        .create_deployment(image_dep(&env.id, name, image, configs))
        .await
        .unwrap();
    settle(engine, &d.id).await
}

/// The stage boundaries (everything but `progress`) of a timeline, in order.
pub fn boundaries(events: &[Event]) -> Vec<(Stage, EventStatus)> {
    events
        .iter()
        .filter(|e| e.status != EventStatus::Progress)
        .map(|e| (e.stage, e.status))
        .collect()
}

/// The boundaries of a successful rollout.
pub const HAPPY_PATH: [(Stage, EventStatus); 7] = [
    (Stage::Building, EventStatus::Started),
    (Stage::Building, EventStatus::Succeeded),
    (Stage::Deploying, EventStatus::Started),
    (Stage::Deploying, EventStatus::Succeeded),
    (Stage::RollingOut, EventStatus::Started),
    (Stage::RollingOut, EventStatus::Succeeded),
    (Stage::Active, EventStatus::Succeeded),
];

/// Events of one revision, in order.
pub fn of_revision<'a>(events: &'a [Event], revision_id: &str) -> Vec<&'a Event> {
    events
        .iter()
        .filter(|e| e.revision_id.as_deref() == Some(revision_id))
        .collect()
}

/// The numeric position of an event id (`ev_12` → 12).
pub fn seq(event: &Event) -> i64 {
    event
        .id
        .strip_prefix("ev_")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("event id {:?} is not ev_<n>", event.id))
}

/// The one event with this stage and status.
pub fn find(events: &[Event], stage: Stage, status: EventStatus) -> Event {
    let hits: Vec<&Event> = events
        .iter()
        .filter(|e| e.stage == stage && e.status == status)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "exactly one {}/{} event in {events:#?}",
        stage.as_str(),
        status.as_str()
    );
    hits[0].clone()
}

/// `meta.reason` of the failed event of a timeline.
pub fn failure_reason(events: &[Event]) -> (Stage, String) {
    let failed: Vec<&Event> = events
        .iter()
        .filter(|e| e.status == EventStatus::Failed)
        .collect();
    assert_eq!(failed.len(), 1, "one failed event in {events:#?}");
    let reason = failed[0]
        .meta
        .get("reason")
        .and_then(Value::as_str)
        .expect("a failed event carries meta.reason")
        .to_string();
    (failed[0].stage, reason)
}

pub fn assert_validation<T: std::fmt::Debug>(r: Result<T, BackendError>, field: &str) {
    match r {
        Err(BackendError::Validation { field: f, message }) => {
            assert_eq!(f.as_deref(), Some(field), "field of {message:?}");
            assert!(!message.is_empty());
        }
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
}

pub fn assert_conflict<T: std::fmt::Debug>(r: Result<T, BackendError>) -> String {
    match r {
        Err(BackendError::Conflict(message)) => message,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub fn assert_not_found<T: std::fmt::Debug>(r: Result<T, BackendError>) {
    match r {
        Err(BackendError::NotFound { .. }) => {}
        other => panic!("expected not found, got {other:?}"),
    }
}

/// Reads the subscription until `stop` says so, returning every change seen for `id`.
pub async fn collect_changes(
    sub: &mut zopdeck::backend::Subscription,
    id: &str,
    mut stop: impl FnMut(&Change) -> bool,
) -> Vec<Change> {
    let read = async {
        let mut seen = Vec::new();
        loop {
            match sub.next().await.expect("the engine is alive") {
                Update::Change(c) if c.deployment_id() == id => {
                    let done = stop(&c);
                    seen.push(c);
                    if done {
                        return seen;
                    }
                }
                Update::Change(_) => {}
                Update::Missed => panic!("the subscriber fell behind"),
            }
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("timed out reading the subscription")
}

pub fn is_active_event(c: &Change) -> bool {
    matches!(c, Change::Event { data, .. } if data.stage == Stage::Active && data.status == EventStatus::Succeeded)
}

pub fn meta_u64(e: &Event, key: &str) -> u64 {
    e.meta
        .get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("meta.{key} in {e:?}"))
}

pub fn meta_str<'a>(e: &'a Event, key: &str) -> &'a str {
    e.meta
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("meta.{key} in {e:?}"))
}
