//! A teardown racing a rollout that is finishing: the job's last writes come after the
//! teardown cancelled it, and must write nothing (teardown wins).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::backend::engine::store::JobState;
use crate::backend::engine::{OpenOptions, seed};

async fn claimed_job() -> (Arc<Engine>, Ctx, ReleaseSpec) {
    let engine = Engine::in_memory(
        Default::default(),
        OpenOptions {
            demo: false,
            workers: false,
            viewer: false,
        },
    )
    .await
    .unwrap();
    let env = engine
        .store
        .read(|c| catalog::find_environment(c, seed::DEMO_ENV))
        .unwrap()
        .unwrap();
    let d = engine
        .create_deployment_op(NewDeployment {
            name: "race".into(),
            env_id: Some(env.id),
            image: Some("nginx:1.27".into()),
            configs: Some(json!({"port": 80, "expose": [{"port": 80, "protocol": "http"}]})),
            ..Default::default()
        })
        .unwrap();
    let now = engine.now();
    let job = engine
        .store
        .write(|c| jobs::claim(c, &engine.owner, now.timestamp_millis(), 30_000, &now))
        .unwrap()
        .unwrap();
    assert_eq!(job.deployment_id, d.id);
    let ctx = engine.job_context(&job).unwrap().unwrap();
    let configs = TypedConfigs::parse_str(&ctx.rev.configs).unwrap();
    let spec = engine
        .release_spec(&ctx, "nginx:1.27".into(), configs)
        .unwrap();
    ctx.runtime.apply(&spec).await.unwrap();
    (engine, ctx, spec)
}

/// What `delete_deployment_op` writes first: the jobs cancelled, the row tearing down.
fn tear_down(engine: &Engine, id: &str) {
    let now = engine.now();
    engine
        .store
        .write(|c| {
            jobs::cancel_for_deployment(c, id, &now)?;
            catalog::set_deployment_status(c, id, DeploymentStatus::TearingDown, None, &now)
        })
        .unwrap();
}

#[tokio::test]
async fn a_cancelled_job_never_marks_its_revision_active() {
    let (engine, ctx, spec) = claimed_job().await;
    tear_down(&engine, &ctx.dep.id);
    let end = engine.stage_active(&ctx, &spec).await.unwrap();
    assert_eq!(end, JobEnd::Cancelled);
    let rev = engine
        .store
        .read(|c| history::get_revision(c, &ctx.rev.id))
        .unwrap()
        .unwrap();
    assert_ne!(rev.status, RevisionStatus::Active, "teardown wins");
    let d = engine.deployment(&ctx.dep.id).unwrap();
    assert_eq!(d.status, DeploymentStatus::TearingDown);
    let events = engine
        .store
        .read(|c| history::list_events(c, &ctx.dep.id, None))
        .unwrap();
    assert!(
        events.iter().all(|e| e.stage != Stage::Active),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_cancelled_job_stays_cancelled_when_its_worker_finishes() {
    let (engine, ctx, _) = claimed_job().await;
    tear_down(&engine, &ctx.dep.id);
    let now = engine.now();
    let recorded = engine
        .store
        .write(|c| jobs::finish(c, ctx.job.id, &engine.owner, JobState::Done, None, &now))
        .unwrap();
    assert!(!recorded);
    let open = engine.store.read(jobs::open_count).unwrap();
    assert_eq!(open, 0);
    let state: String = engine
        .store
        .read(|c| {
            Ok(
                c.query_row("SELECT state FROM jobs WHERE id = ?1", [ctx.job.id], |r| {
                    r.get(0)
                })?,
            )
        })
        .unwrap();
    assert_eq!(state, "cancelled");
}

#[tokio::test]
async fn a_cancelled_job_writes_no_failure_and_no_stage() {
    let (engine, ctx, _) = claimed_job().await;
    tear_down(&engine, &ctx.dep.id);
    assert_eq!(
        engine.fail(&ctx, Stage::RollingOut, "boom").await.unwrap(),
        JobEnd::Cancelled
    );
    assert_eq!(
        engine
            .enter_stage(&ctx, Stage::RollingOut, json!({}))
            .unwrap(),
        Some(JobEnd::Cancelled)
    );
    assert_eq!(engine.still_wanted(&ctx).unwrap(), Some(JobEnd::Cancelled));
    let d = engine.deployment(&ctx.dep.id).unwrap();
    assert_eq!(d.status, DeploymentStatus::TearingDown);
    let rev = engine
        .store
        .read(|c| history::get_revision(c, &ctx.rev.id))
        .unwrap()
        .unwrap();
    assert_eq!(rev.status, RevisionStatus::Pending);
}
