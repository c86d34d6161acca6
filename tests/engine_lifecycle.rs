//! The embedded engine's deployment lifecycle, end to end on the (sped-up) sandbox: create → building → deploying → rolling_out → active, config patches, rollbacks,
//! idempotent revision replays, teardown, the events timeline and demo seeding.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "engine_support.rs"]
mod support;

use std::collections::HashSet;

use serde_json::{Value, json};
use support::*;
use zopdeck::backend::engine::{
    Engine, OpenOptions, SANDBOX_ACCOUNT, SANDBOX_CLUSTER, SANDBOX_REGION,
};
use zopdeck::backend::model::*;
use zopdeck::backend::runtime::{ClusterRef, ReleaseRef};
use zopdeck::backend::{Backend, BackendError};

fn configs_of(d: &Deployment) -> Value {
    serde_json::from_str(&d.configs).unwrap()
}

fn release_of(d: &Deployment) -> ReleaseRef {
    ReleaseRef {
        cluster: ClusterRef {
            account: SANDBOX_ACCOUNT.into(),
            region: SANDBOX_REGION.into(),
            name: SANDBOX_CLUSTER.into(),
            kubeconfig: None,
        },
        namespace: d.namespace.clone(),
        name: d.name.clone(),
    }
}

/// Consecutive duplicates removed.
fn squash<T: PartialEq + Copy>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for i in items {
        if out.last() != Some(&i) {
            out.push(i);
        }
    }
    out
}

#[tokio::test(start_paused = true)]
async fn create_runs_every_stage_to_active_with_ordered_events_and_statuses() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let mut sub = engine.subscribe();
    let image = "ghcr.io/acme/checkout:1.4";
    let configs = json!({"port": 8080, "replicas": 3,
        "expose": [{"port": 443, "protocol": "http"}], "envVars": {"LOG_LEVEL": "info"}});

    let created = engine
        .create_deployment(image_dep(&env.id, "checkout", image, configs.clone()))
        .await
        .unwrap();
    assert!(created.id.starts_with("dep_"), "{}", created.id);
    assert_eq!(created.status, DeploymentStatus::Pending);
    assert_eq!(created.env_id, env.id);
    assert_eq!(created.space_id, env.space_id);
    assert_eq!(created.namespace, "demo");
    assert_eq!(created.source_type, SourceType::Image);
    assert_eq!(created.image.as_deref(), Some(image));
    assert_eq!(configs_of(&created), configs);
    assert!(created.last_deploy_at.is_none());

    // Revision #1 and its job are written with the row.
    let revisions = engine.list_revisions(&created.id).await.unwrap();
    assert_eq!(revisions.len(), 1);
    let rev1 = &revisions[0];
    assert!(rev1.id.starts_with("rev_"));
    assert_eq!(rev1.number, 1);
    assert_eq!(rev1.trigger, Trigger::Create);
    assert_eq!(rev1.rollback_of, None);
    assert_eq!(rev1.image.as_deref(), Some(image));
    assert_eq!(
        created.current_revision_id.as_deref(),
        Some(rev1.id.as_str())
    );
    assert_eq!(engine.open_jobs().unwrap(), 1);

    let changes = collect_changes(&mut sub, &created.id, is_active_event).await;
    let d = settle(&engine, &created.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    assert_eq!(d.current_revision_id.as_deref(), Some(rev1.id.as_str()));
    assert!(d.last_deploy_at.is_some());
    let rev = engine.get_revision(&d.id, &rev1.id).await.unwrap();
    assert_eq!(rev.status, RevisionStatus::Active);
    assert_eq!(rev.image.as_deref(), Some(image));

    let events = engine.list_events(&d.id, None).await.unwrap();
    assert_eq!(boundaries(&events), HAPPY_PATH, "{events:#?}");
    assert!(
        events
            .iter()
            .all(|e| e.revision_id.as_deref() == Some(rev1.id.as_str()))
    );
    let seqs: Vec<i64> = events.iter().map(seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "ids ascend: {seqs:?}");
    assert!(
        events
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at)
    );

    let started = find(&events, Stage::Building, EventStatus::Started);
    assert_eq!(meta_str(&started, "source"), "image");
    let built = find(&events, Stage::Building, EventStatus::Succeeded);
    assert_eq!(meta_str(&built, "imageRef"), image);
    assert!(built.meta.get("simulated").is_none());
    let deployed = find(&events, Stage::Deploying, EventStatus::Succeeded);
    assert_eq!(meta_u64(&deployed, "helmRevision"), 1);
    assert_eq!(meta_str(&deployed, "release"), "checkout");
    assert_eq!(meta_str(&deployed, "namespace"), "demo");
    assert_eq!(meta_str(&deployed, "description"), "Install complete");
    let rolling = find(&events, Stage::RollingOut, EventStatus::Started);
    assert_eq!(meta_u64(&rolling, "ready"), 0);
    assert_eq!(meta_u64(&rolling, "desired"), 3);
    let progress: Vec<&Event> = events
        .iter()
        .filter(|e| e.status == EventStatus::Progress)
        .collect();
    assert!(!progress.is_empty(), "pods become ready one by one");
    let ready: Vec<u64> = progress.iter().map(|e| meta_u64(e, "ready")).collect();
    assert!(ready.windows(2).all(|w| w[0] < w[1]), "{ready:?}");
    assert!(ready.iter().all(|r| *r < 3));
    assert!(progress.iter().all(|e| e.stage == Stage::RollingOut));
    assert!(progress.iter().all(|e| meta_u64(e, "desired") == 3));
    assert!(progress.iter().all(|e| e.meta.get("message").is_none()));
    let rolled = find(&events, Stage::RollingOut, EventStatus::Succeeded);
    assert_eq!(
        (meta_u64(&rolled, "ready"), meta_u64(&rolled, "desired")),
        (3, 3)
    );
    let active = find(&events, Stage::Active, EventStatus::Succeeded);
    assert_eq!(meta_u64(&active, "replicas"), 3);
    assert_eq!(meta_str(&active, "image"), image);
    assert!(
        active.meta.get("address").is_none(),
        "a new LoadBalancer has no address yet at activation: {active:?}"
    );

    // The live feed told the same story, event by event, status by status.
    let streamed: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Event { data, .. } => Some(data.id.clone()),
            _ => None,
        })
        .collect();
    let listed: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    assert_eq!(streamed, listed);
    let statuses = squash(changes.iter().filter_map(|c| match c {
        Change::Deployment { data } => Some(data.status),
        _ => None,
    }));
    assert_eq!(
        statuses,
        [
            DeploymentStatus::Pending,
            DeploymentStatus::Building,
            DeploymentStatus::Deploying,
            DeploymentStatus::RollingOut,
        ],
        "statuses before the active event"
    );
    let last = collect_changes(&mut sub, &d.id, |c| matches!(c, Change::Deployment { .. })).await;
    match last.last() {
        Some(Change::Deployment { data }) => assert_eq!(data.status, DeploymentStatus::Active),
        other => panic!("expected the active deployment, got {other:?}"),
    }

    // Time passing adds only the public address's own event: every boundary was written
    // once, and the address once.
    tokio::time::sleep(sim(60.0)).await;
    let again = engine.list_events(&d.id, None).await.unwrap();
    let (address, rest): (Vec<Event>, Vec<Event>) = again
        .into_iter()
        .partition(|e| e.meta.contains_key("address") && e.status == EventStatus::Progress);
    assert_eq!(rest, events);
    assert!(address.len() <= 1, "{address:#?}");
    tokio::time::sleep(sim(60.0)).await;
    assert_eq!(
        engine.list_events(&d.id, None).await.unwrap().len(),
        events.len() + address.len()
    );
    assert_eq!(engine.open_jobs().unwrap(), 0);
}

#[tokio::test(start_paused = true)]
async fn config_patch_creates_a_revision_that_rolls_out_and_supersedes_the_old_one() {
    let engine = engine().await;
    let d = deploy(
        &engine,
        "api",
        "ghcr.io/acme/api:1.0",
        json!({"port": 8080, "replicas": 2, "envVars": {"LOG_LEVEL": "info", "MODE": "x"}}),
    )
    .await;
    let rev1 = d.current_revision_id.clone().unwrap();
    let rev1_events = engine.list_events(&d.id, None).await.unwrap();

    let patched = engine
        .patch_configs(
            &d.id,
            json!({"replicas": 3, "envVars": {"LOG_LEVEL": "debug", "MODE": null}}),
        )
        .await
        .unwrap();
    let expected = json!({"port": 8080, "replicas": 3, "envVars": {"LOG_LEVEL": "debug"}});
    assert_eq!(configs_of(&patched), expected, "merge patch; null removes");
    assert_eq!(patched.status, DeploymentStatus::Pending);
    let revisions = engine.list_revisions(&d.id).await.unwrap();
    assert_eq!(
        revisions.iter().map(|r| r.number).collect::<Vec<_>>(),
        [2, 1]
    );
    let rev2 = revisions[0].clone();
    assert_eq!(rev2.trigger, Trigger::Config);
    assert_eq!(rev2.image.as_deref(), Some("ghcr.io/acme/api:1.0"));
    assert_eq!(
        serde_json::from_str::<Value>(&rev2.configs).unwrap(),
        expected
    );

    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    assert_eq!(d.current_revision_id.as_deref(), Some(rev2.id.as_str()));
    assert_eq!(
        engine.get_revision(&d.id, &rev2.id).await.unwrap().status,
        RevisionStatus::Active
    );
    assert_eq!(
        engine.get_revision(&d.id, &rev1).await.unwrap().status,
        RevisionStatus::Superseded
    );
    let events = engine.list_events(&d.id, None).await.unwrap();
    assert_eq!(
        of_revision(&events, &rev1).len(),
        rev1_events.len(),
        "the first revision's timeline is untouched"
    );
    let rev2_events: Vec<Event> = of_revision(&events, &rev2.id)
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(boundaries(&rev2_events), HAPPY_PATH);
    let deployed = find(&rev2_events, Stage::Deploying, EventStatus::Succeeded);
    assert_eq!(meta_u64(&deployed, "helmRevision"), 2);
    assert_eq!(meta_str(&deployed, "description"), "Upgrade complete");
    let rolled = find(&rev2_events, Stage::RollingOut, EventStatus::Succeeded);
    assert_eq!(meta_u64(&rolled, "desired"), 3);

    // No-op patches create nothing.
    for noop in [
        json!({}),
        json!({"replicas": 3}),
        json!({"unset": null}),
        json!({"envVars": {"LOG_LEVEL": "debug"}}),
    ] {
        let same = engine.patch_configs(&d.id, noop.clone()).await.unwrap();
        assert_eq!(same.configs, d.configs, "{noop}");
        assert_eq!(same.status, DeploymentStatus::Active, "{noop}");
        assert_eq!(engine.open_jobs().unwrap(), 0, "{noop}");
    }
    assert_eq!(engine.list_revisions(&d.id).await.unwrap().len(), 2);

    // A patch that is not an object is refused.
    assert_validation(engine.patch_configs(&d.id, json!([1, 2])).await, "configs");
    assert_not_found(
        engine
            .patch_configs("dep_missing", json!({"replicas": 1}))
            .await,
    );
}

#[tokio::test(start_paused = true)]
async fn a_patch_during_a_rollout_supersedes_the_revision_in_flight() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let d = engine
        .create_deployment(image_dep(
            &env.id,
            "busy",
            "ghcr.io/acme/busy:1.0",
            json!({"replicas": 20}),
        ))
        .await
        .unwrap();
    let rev1 = d.current_revision_id.clone().unwrap();
    wait_status(&engine, &d.id, DeploymentStatus::RollingOut).await;
    engine
        .patch_configs(&d.id, json!({"replicas": 2}))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    let revisions = engine.list_revisions(&d.id).await.unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(
        d.current_revision_id.as_deref(),
        Some(revisions[0].id.as_str())
    );
    assert_eq!(revisions[0].status, RevisionStatus::Active);
    assert_eq!(revisions[1].id, rev1);
    assert_eq!(revisions[1].status, RevisionStatus::Superseded);
    let events = engine.list_events(&d.id, None).await.unwrap();
    let old = of_revision(&events, &rev1);
    assert!(
        old.iter()
            .all(|e| e.status != EventStatus::Succeeded || e.stage < Stage::RollingOut),
        "the superseded rollout never completed: {old:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn rollback_appends_a_clone_of_the_target_and_never_rewrites_history() {
    let engine = engine().await;
    let d = deploy(
        &engine,
        "shop",
        "ghcr.io/acme/shop:1.0",
        json!({"port": 80, "replicas": 1}),
    )
    .await;
    let rev1 = d.current_revision_id.clone().unwrap();
    let manual = engine
        .create_revision(
            &d.id,
            NewRevision {
                image: Some("ghcr.io/acme/shop:2.0".into()),
                build_id: Some("build-42".into()),
                note: Some("new image".into()),
                delivery_id: None,
            },
        )
        .await
        .unwrap();
    assert!(manual.created);
    assert_eq!(manual.revision.trigger, Trigger::Manual);
    assert_eq!(manual.revision.number, 2);
    assert_eq!(manual.revision.build_id.as_deref(), Some("build-42"));
    settle(&engine, &d.id).await;
    engine
        .patch_configs(&d.id, json!({"replicas": 2}))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    let before = engine.list_revisions(&d.id).await.unwrap();
    assert_eq!(before.len(), 3);
    let target = before.iter().find(|r| r.id == rev1).unwrap().clone();

    let rb = engine.rollback(&d.id, &rev1).await.unwrap();
    assert_eq!(rb.number, 4, "latest + 1");
    assert_eq!(rb.trigger, Trigger::Rollback);
    assert_eq!(rb.rollback_of.as_deref(), Some(rev1.as_str()));
    assert_eq!(rb.image, target.image);
    assert_eq!(rb.configs, target.configs);
    assert_eq!(rb.deployment_id, d.id);
    assert_ne!(rb.id, rev1);
    assert!(rb.note.as_deref().unwrap_or_default().contains("#1"));

    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    assert_eq!(d.current_revision_id.as_deref(), Some(rb.id.as_str()));
    assert_eq!(
        d.configs, target.configs,
        "the deployment runs the target's configs"
    );
    let after = engine.list_revisions(&d.id).await.unwrap();
    assert_eq!(
        after.iter().map(|r| r.number).collect::<Vec<_>>(),
        [4, 3, 2, 1]
    );
    assert_eq!(after[0].status, RevisionStatus::Active);
    for (old, now) in before.iter().zip(&after[1..]) {
        // Append-only: every earlier revision keeps its content; only its status moves on.
        let mut old = old.clone();
        old.status = now.status;
        assert_eq!(&old, now);
        assert_eq!(now.status, RevisionStatus::Superseded, "#{}", now.number);
    }
    let events = engine.list_events(&d.id, None).await.unwrap();
    let rb_events: Vec<Event> = of_revision(&events, &rb.id).into_iter().cloned().collect();
    assert_eq!(boundaries(&rb_events), HAPPY_PATH);
    let built = find(&rb_events, Stage::Building, EventStatus::Succeeded);
    assert_eq!(meta_str(&built, "imageRef"), "ghcr.io/acme/shop:1.0");
    let deployed = find(&rb_events, Stage::Deploying, EventStatus::Succeeded);
    assert_eq!(meta_str(&deployed, "description"), "Rollback to 1");
    assert_eq!(meta_u64(&deployed, "helmRevision"), 4);

    // Rolling back to what already runs, or to a stranger's revision, is refused.
    assert_conflict(engine.rollback(&d.id, &rb.id).await);
    assert_not_found(engine.rollback(&d.id, "rev_nope").await);
    let other = deploy(&engine, "other", "nginx:1.27", json!({})).await;
    let foreign = other.current_revision_id.clone().unwrap();
    assert_not_found(engine.rollback(&d.id, &foreign).await);
    assert_not_found(engine.get_revision(&d.id, &foreign).await);
    assert_not_found(engine.rollback("dep_nope", &rev1).await);
    assert_eq!(engine.list_revisions(&d.id).await.unwrap().len(), 4);

    // A rollback to a rollback is still a clone of what it names.
    let rb2 = engine.rollback(&d.id, &before[0].id).await.unwrap();
    assert_eq!(rb2.number, 5);
    assert_eq!(rb2.rollback_of.as_deref(), Some(before[0].id.as_str()));
    assert_eq!(rb2.image.as_deref(), Some("ghcr.io/acme/shop:2.0"));
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.current_revision_id.as_deref(), Some(rb2.id.as_str()));
    assert_eq!(configs_of(&d)["replicas"], 2);
}

#[tokio::test(start_paused = true)]
async fn replaying_a_delivery_returns_the_first_revision_and_enqueues_nothing() {
    let engine = engine().await;
    let d = deploy(&engine, "hooks", "ghcr.io/acme/hooks:1.0", json!({})).await;
    let push = |image: &str, delivery: &str| NewRevision {
        image: Some(image.into()),
        build_id: None,
        note: None,
        delivery_id: Some(delivery.into()),
    };

    let first = engine
        .create_revision(&d.id, push("ghcr.io/acme/hooks:1.1", "delivery-1"))
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(first.revision.trigger, Trigger::Push);
    assert_eq!(first.revision.number, 2);
    assert_eq!(engine.open_jobs().unwrap(), 1);

    let replay = engine
        .create_revision(&d.id, push("ghcr.io/acme/hooks:9.9", "delivery-1"))
        .await
        .unwrap();
    assert!(!replay.created);
    assert_eq!(replay.revision.id, first.revision.id);
    assert_eq!(
        replay.revision.image.as_deref(),
        Some("ghcr.io/acme/hooks:1.1")
    );
    assert_eq!(engine.open_jobs().unwrap(), 1, "no second job");
    assert_eq!(engine.list_revisions(&d.id).await.unwrap().len(), 2);

    let d = settle(&engine, &d.id).await;
    assert_eq!(
        d.current_revision_id.as_deref(),
        Some(first.revision.id.as_str())
    );
    let events_before = engine.list_events(&d.id, None).await.unwrap();
    let late = engine
        .create_revision(&d.id, push("ghcr.io/acme/hooks:1.1", "delivery-1"))
        .await
        .unwrap();
    assert!(!late.created);
    assert_eq!(late.revision.id, first.revision.id);
    assert_eq!(late.revision.status, RevisionStatus::Active);
    assert_eq!(engine.open_jobs().unwrap(), 0);
    tokio::time::sleep(sim(30.0)).await;
    assert_eq!(
        engine.list_events(&d.id, None).await.unwrap(),
        events_before
    );
    assert_eq!(
        engine.get_deployment(&d.id).await.unwrap().status,
        DeploymentStatus::Active
    );

    // Another delivery is another revision; the same delivery id on another deployment too.
    let second = engine
        .create_revision(&d.id, push("ghcr.io/acme/hooks:1.2", "delivery-2"))
        .await
        .unwrap();
    assert!(second.created);
    assert_eq!(second.revision.number, 3);
    let other = deploy(&engine, "hooks-b", "ghcr.io/acme/hooks:1.0", json!({})).await;
    let there = engine
        .create_revision(&other.id, push("ghcr.io/acme/hooks:1.1", "delivery-1"))
        .await
        .unwrap();
    assert!(there.created);
    assert_eq!(there.revision.deployment_id, other.id);

    // Without a delivery id each call is a new (manual) revision.
    let plain = NewRevision {
        note: Some("redeploy".into()),
        ..Default::default()
    };
    let a = engine.create_revision(&d.id, plain.clone()).await.unwrap();
    let b = engine.create_revision(&d.id, plain).await.unwrap();
    assert!(a.created && b.created);
    assert_ne!(a.revision.id, b.revision.id);
    assert_eq!(a.revision.trigger, Trigger::Manual);
    assert_eq!(
        a.revision.image.as_deref(),
        Some("ghcr.io/acme/hooks:1.2"),
        "an image deployment redeploys its newest image"
    );
    let d = settle(&engine, &d.id).await;
    assert_eq!(
        d.current_revision_id.as_deref(),
        Some(b.revision.id.as_str())
    );
    assert_validation(
        engine
            .create_revision(
                &d.id,
                NewRevision {
                    image: Some("bad image".into()),
                    ..Default::default()
                },
            )
            .await,
        "image",
    );
}

#[tokio::test(start_paused = true)]
async fn teardown_is_idempotent_and_removes_the_deployment() {
    let engine = engine().await;
    let d = deploy(
        &engine,
        "gone",
        "ghcr.io/acme/gone:1.0",
        json!({"port": 80, "replicas": 2, "expose": [{"port": 80, "protocol": "http"}]}),
    )
    .await;
    assert_eq!(d.status, DeploymentStatus::Active);
    assert_eq!(engine.sandbox().history(&release_of(&d)).unwrap().len(), 1);
    let mut sub = engine.subscribe();

    let report = engine.delete_deployment(&d.id).await.unwrap();
    assert!(!report.already_clean);
    let changes = collect_changes(&mut sub, &d.id, |c| {
        matches!(c, Change::DeploymentDeleted { .. })
    })
    .await;
    assert!(
        changes.iter().any(|c| matches!(c, Change::Deployment { data } if data.status == DeploymentStatus::TearingDown)),
        "{changes:#?}"
    );

    assert!(
        !engine
            .list_deployments(None)
            .await
            .unwrap()
            .iter()
            .any(|x| x.id == d.id)
    );
    assert!(
        !engine
            .list_deployments(Some(&d.env_id))
            .await
            .unwrap()
            .iter()
            .any(|x| x.id == d.id)
    );
    assert_not_found(engine.get_deployment(&d.id).await);
    assert_not_found(engine.list_events(&d.id, None).await);
    assert_not_found(engine.list_revisions(&d.id).await);
    assert_not_found(engine.loadbalancer(&d.id).await);
    assert_not_found(engine.patch_configs(&d.id, json!({"replicas": 1})).await);
    assert!(
        engine
            .sandbox()
            .history(&release_of(&d))
            .unwrap()
            .is_empty(),
        "the release is uninstalled"
    );

    let again = engine.delete_deployment(&d.id).await.unwrap();
    assert!(again.already_clean);
    assert_not_found(engine.delete_deployment("dep_never_was").await);

    // The name is free again.
    let reborn = deploy(&engine, "gone", "ghcr.io/acme/gone:1.1", json!({})).await;
    assert_ne!(reborn.id, d.id);
    assert_eq!(reborn.status, DeploymentStatus::Active);
    assert_eq!(
        engine.list_revisions(&reborn.id).await.unwrap().len(),
        1,
        "a fresh history"
    );
}

#[tokio::test(start_paused = true)]
async fn deleting_during_a_rollout_stops_the_job_and_writes_nothing_after() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let d = engine
        .create_deployment(image_dep(
            &env.id,
            "midway",
            "ghcr.io/acme/midway:1.0",
            json!({"replicas": 20}),
        ))
        .await
        .unwrap();
    wait_for("a pod or two ready", || async {
        let events = engine.list_events(&d.id, None).await.unwrap();
        events
            .iter()
            .any(|e| e.status == EventStatus::Progress && meta_u64(e, "ready") >= 1)
            .then_some(())
    })
    .await;
    let mut sub = engine.subscribe();
    let report = engine.delete_deployment(&d.id).await.unwrap();
    assert!(!report.already_clean);
    collect_changes(&mut sub, &d.id, |c| {
        matches!(c, Change::DeploymentDeleted { .. })
    })
    .await;

    // Nothing more is said about the deleted deployment, and its job is over.
    let later = tokio::time::timeout(sim(60.0), async {
        loop {
            match sub.next().await {
                Some(zopdeck::backend::Update::Change(c)) if c.deployment_id() == d.id => {
                    return c;
                }
                Some(_) => {}
                None => std::future::pending::<()>().await,
            }
        }
    })
    .await;
    assert!(later.is_err(), "a change after the delete: {later:?}");
    idle(&engine).await;
    assert!(
        engine
            .sandbox()
            .history(&release_of(&d))
            .unwrap()
            .is_empty()
    );
    assert!(engine.delete_deployment(&d.id).await.unwrap().already_clean);
}

#[tokio::test(start_paused = true)]
async fn deleting_during_the_build_stops_the_job_and_writes_nothing_after() {
    let mut settings = fast_settings();
    settings.sandbox.image_check_secs = 20.0; // a longer image check: 1 s of tokio time
    let engine = engine_with(settings).await;
    let env = demo_env(&engine).await;
    let d = engine
        .create_deployment(image_dep(
            &env.id,
            "early",
            "ghcr.io/acme/early:1.0",
            json!({}),
        ))
        .await
        .unwrap();
    wait_status(&engine, &d.id, DeploymentStatus::Building).await;
    let mut sub = engine.subscribe();
    engine.delete_deployment(&d.id).await.unwrap();
    collect_changes(&mut sub, &d.id, |c| {
        matches!(c, Change::DeploymentDeleted { .. })
    })
    .await;
    idle(&engine).await;
    let later = tokio::time::timeout(sim(60.0), async {
        loop {
            match sub.next().await {
                Some(zopdeck::backend::Update::Change(c)) if c.deployment_id() == d.id => {
                    return c;
                }
                Some(_) => {}
                None => std::future::pending::<()>().await,
            }
        }
    })
    .await;
    assert!(later.is_err(), "a change after the delete: {later:?}");
    assert!(
        engine
            .sandbox()
            .history(&release_of(&d))
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(start_paused = true)]
async fn a_patch_right_after_a_new_image_keeps_the_new_image() {
    let engine = engine().await;
    let d = deploy(
        &engine,
        "race",
        "ghcr.io/acme/race:1.0",
        json!({"replicas": 1}),
    )
    .await;
    let pushed = engine
        .create_revision(
            &d.id,
            NewRevision {
                image: Some("ghcr.io/acme/race:2.0".into()),
                delivery_id: Some("push-2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Before the pushed revision has even started, the configs change.
    let patched = engine
        .patch_configs(&d.id, json!({"replicas": 2}))
        .await
        .unwrap();
    let revisions = engine.list_revisions(&d.id).await.unwrap();
    assert_eq!(revisions.len(), 3);
    assert_eq!(revisions[0].trigger, Trigger::Config);
    assert_eq!(
        revisions[0].image.as_deref(),
        Some("ghcr.io/acme/race:2.0"),
        "the config revision builds on the newest image, not the running one"
    );
    let d = settle(&engine, &patched.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    assert_eq!(
        d.current_revision_id.as_deref(),
        Some(revisions[0].id.as_str())
    );
    let events = engine.list_events(&d.id, None).await.unwrap();
    let last: Vec<Event> = of_revision(&events, &revisions[0].id)
        .into_iter()
        .cloned()
        .collect();
    let active = find(&last, Stage::Active, EventStatus::Succeeded);
    assert_eq!(meta_str(&active, "image"), "ghcr.io/acme/race:2.0");
    assert_eq!(meta_u64(&active, "replicas"), 2);
    let pushed = engine
        .get_revision(&d.id, &pushed.revision.id)
        .await
        .unwrap();
    assert_eq!(pushed.status, RevisionStatus::Superseded);
}

#[tokio::test(start_paused = true)]
async fn events_after_returns_only_newer_events() {
    let engine = engine().await;
    let d = deploy(
        &engine,
        "paged",
        "ghcr.io/acme/paged:1.0",
        json!({"replicas": 2}),
    )
    .await;
    let all = engine.list_events(&d.id, None).await.unwrap();
    assert!(all.len() >= 7);

    for cut in [0, 2, all.len() - 1] {
        let after = engine.list_events(&d.id, Some(&all[cut].id)).await.unwrap();
        assert_eq!(after, all[cut + 1..].to_vec(), "after {}", all[cut].id);
    }
    assert_eq!(engine.list_events(&d.id, Some("")).await.unwrap(), all);
    assert_eq!(engine.list_events(&d.id, Some("ev_0")).await.unwrap(), all);

    // New events of a new revision show up after the last one seen.
    let last_seen = all.last().unwrap().id.clone();
    engine
        .patch_configs(&d.id, json!({"replicas": 1}))
        .await
        .unwrap();
    settle(&engine, &d.id).await;
    let newer = engine.list_events(&d.id, Some(&last_seen)).await.unwrap();
    assert_eq!(boundaries(&newer), HAPPY_PATH);
    assert!(newer.iter().all(|e| seq(e) > seq(all.last().unwrap())));

    for bad in ["ev_x", "12", "ev_", "ev_-1", "rev_1", "ev_1.5"] {
        assert_validation(engine.list_events(&d.id, Some(bad)).await, "after");
    }
    assert_not_found(engine.list_events("dep_nope", None).await);
}

#[tokio::test(start_paused = true)]
async fn events_of_deployments_do_not_mix() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let a = engine
        .create_deployment(image_dep(
            &env.id,
            "a",
            "ghcr.io/acme/a:1.0",
            json!({"replicas": 2}),
        ))
        .await
        .unwrap();
    let b = engine
        .create_deployment(image_dep(
            &env.id,
            "b",
            "ghcr.io/acme/b:1.0",
            json!({"replicas": 3}),
        ))
        .await
        .unwrap();
    settle(&engine, &a.id).await;
    settle(&engine, &b.id).await;
    let ea = engine.list_events(&a.id, None).await.unwrap();
    let eb = engine.list_events(&b.id, None).await.unwrap();
    assert_eq!(boundaries(&ea), HAPPY_PATH);
    assert_eq!(boundaries(&eb), HAPPY_PATH);
    let ids_a: HashSet<&str> = ea.iter().map(|e| e.id.as_str()).collect();
    assert!(eb.iter().all(|e| !ids_a.contains(e.id.as_str())));
    let rev_a = a.current_revision_id.unwrap();
    assert!(ea.iter().all(|e| e.revision_id.as_deref() == Some(&rev_a)));
    // `after` an event of another deployment still filters by position.
    let mid = &eb[eb.len() / 2];
    let tail = engine.list_events(&a.id, Some(&mid.id)).await.unwrap();
    assert!(tail.iter().all(|e| seq(e) > seq(mid)));
}

#[tokio::test(start_paused = true)]
async fn demo_seeding_rolls_out_four_deployments_and_web_has_three_revisions() {
    let engine = Engine::in_memory(
        fast_settings(),
        OpenOptions {
            demo: true,
            workers: true,
            viewer: false,
        },
    )
    .await
    .unwrap();
    let env = demo_env(&engine).await;
    let deployments = engine.list_deployments(Some(&env.id)).await.unwrap();
    let mut names: Vec<&str> = deployments.iter().map(|d| d.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["api", "postgres", "web", "worker"]);
    let positions: Vec<(u64, u64)> = deployments
        .iter()
        .map(|d| {
            let p = d.canvas_position.expect("every demo card has a position");
            assert!(p.x.is_finite() && p.y.is_finite());
            (p.x.to_bits(), p.y.to_bits())
        })
        .collect();
    let distinct: HashSet<_> = positions.iter().collect();
    assert_eq!(distinct.len(), 4, "distinct canvas positions");

    let web = deployments.iter().find(|d| d.name == "web").unwrap();
    let revs = engine.list_revisions(&web.id).await.unwrap();
    assert_eq!(revs.iter().map(|r| r.number).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(
        revs.iter().map(|r| r.trigger).collect::<Vec<_>>(),
        [Trigger::Manual, Trigger::Config, Trigger::Create]
    );

    idle(&engine).await;
    for d in engine.list_deployments(Some(&env.id)).await.unwrap() {
        assert_eq!(d.status, DeploymentStatus::Active, "{}", d.name);
        let revs = engine.list_revisions(&d.id).await.unwrap();
        assert_eq!(d.current_revision_id.as_deref(), Some(revs[0].id.as_str()));
        assert_eq!(revs[0].status, RevisionStatus::Active, "{}", d.name);
        assert!(
            revs[1..]
                .iter()
                .all(|r| r.status == RevisionStatus::Superseded),
            "{}: {revs:#?}",
            d.name
        );
        let events = engine.list_events(&d.id, None).await.unwrap();
        let current: Vec<Event> = of_revision(&events, &revs[0].id)
            .into_iter()
            .cloned()
            .collect();
        assert_eq!(boundaries(&current), HAPPY_PATH, "{}", d.name);
    }
    let web = engine.get_deployment(&web.id).await.unwrap();
    assert_eq!(configs_of(&web)["replicas"], 3);
    let current = engine
        .get_revision(&web.id, web.current_revision_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(
        current.image.as_deref(),
        Some("ghcr.io/zopdeck-demo/web:2.3.1")
    );

    // The exposed ones get addresses; the worker exposes nothing.
    for d in engine.list_deployments(Some(&env.id)).await.unwrap() {
        let lb = wait_for("a settled LoadBalancer", || async {
            let lb = engine.loadbalancer(&d.id).await.unwrap();
            (lb.status != LbStatus::Pending).then_some(lb)
        })
        .await;
        if d.name == "worker" {
            assert_eq!(lb, LoadBalancer::none());
        } else {
            assert_eq!(lb.status, LbStatus::Ready, "{}", d.name);
            assert!(lb.address.is_some());
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_data_dir_is_locked_by_one_engine_and_keeps_its_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let opts = OpenOptions {
        demo: false,
        ..Default::default()
    };
    let first = Engine::open(dir.path(), fast_settings(), opts)
        .await
        .unwrap();
    let d = deploy(&first, "kept", "ghcr.io/acme/kept:1.0", json!({})).await;

    match Engine::open(dir.path(), fast_settings(), opts).await {
        Err(BackendError::Conflict(message)) => {
            assert!(message.contains("data directory"), "{message}");
        }
        Err(other) => panic!("expected a conflict, got {other:?}"),
        Ok(_) => panic!("a second engine opened a locked data dir"),
    }

    // A reader without workers may share it, and sees the same catalog.
    let reader = Engine::open(
        dir.path(),
        fast_settings(),
        OpenOptions {
            demo: false,
            workers: false,
            viewer: false,
        },
    )
    .await
    .unwrap();
    let seen = reader.get_deployment(&d.id).await.unwrap();
    assert_eq!(seen.status, DeploymentStatus::Active);
    assert_eq!(
        reader.list_events(&d.id, None).await.unwrap(),
        first.list_events(&d.id, None).await.unwrap()
    );

    // Once the first engine has stopped, the directory can be opened again, unchanged.
    first.shutdown();
    drop(first);
    let reopened = wait_for("the lock to be released", || async {
        Engine::open(dir.path(), fast_settings(), opts).await.ok()
    })
    .await;
    let envs = reopened.list_environments().await.unwrap();
    assert_eq!(envs.len(), 1, "seeding ran once: {envs:#?}");
    let again = reopened.get_deployment(&d.id).await.unwrap();
    assert_eq!(again.status, DeploymentStatus::Active);
    assert_eq!(again.current_revision_id, d.current_revision_id);
}

#[tokio::test(start_paused = true)]
async fn stopping_hands_jobs_in_flight_back_at_once() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let d = engine
        .create_deployment(image_dep(
            &env.id,
            "slow",
            "ghcr.io/acme/slow:1",
            json!({"replicas": 3}),
        ))
        .await
        .unwrap();
    wait_status(&engine, &d.id, DeploymentStatus::RollingOut).await;
    let leased = |engine: &Engine| {
        engine
            .store()
            .read(|c| {
                Ok(c.query_row(
                    "SELECT state, lease_expires_at FROM jobs ORDER BY id DESC LIMIT 1",
                    [],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
                )?)
            })
            .unwrap()
    };
    let (state, lease) = leased(&engine);
    assert_eq!(state, "running");
    assert!(lease > 0, "a running job is leased");
    assert_eq!(
        engine.stop(std::time::Duration::from_secs(5)).await,
        0,
        "every worker stopped in time"
    );
    assert_eq!(
        leased(&engine),
        ("running".to_string(), 0),
        "the job is handed back: the next run takes it without waiting out the lease"
    );
}

#[tokio::test(start_paused = true)]
async fn rollouts_waiting_for_pods_hold_no_slot() {
    // Four slots (the default `engine.workers`), 200 deployments created at once, each
    // waiting 10 simulated seconds for its pod: they all wait at the same time.
    let mut settings = settings_with_capacity(1000);
    settings.sandbox.pod_start_secs = 10.0;
    settings.sandbox.progress_deadline_secs = 600.0;
    assert_eq!(settings.workers, 4);
    let engine = engine_with(settings).await;
    let env = demo_env(&engine).await;
    for i in 0..200 {
        engine
            .create_deployment(image_dep(
                &env.id,
                &format!("svc-{i}"),
                "ghcr.io/acme/svc:1",
                json!({"replicas": 1}),
            ))
            .await
            .unwrap();
    }
    let most = wait_for("200 rollouts waiting together", || async {
        let rolling = engine
            .list_deployments(Some(&env.id))
            .await
            .unwrap()
            .iter()
            .filter(|d| d.status == DeploymentStatus::RollingOut)
            .count();
        (rolling == 200).then_some(rolling)
    })
    .await;
    assert_eq!(most, 200);
    idle(&engine).await;
    let deps = engine.list_deployments(Some(&env.id)).await.unwrap();
    assert!(deps.iter().all(|d| d.status == DeploymentStatus::Active));
}
