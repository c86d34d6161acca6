//! The sandbox cluster's behaviour as the engine reports it: crash loops and missing capacity
//! fail at the progress deadline with a reason, LoadBalancers go from pending to ready.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "engine_support.rs"]
mod support;

use serde_json::json;
use support::*;
use zopdeck::backend::model::*;
use zopdeck::backend::{Backend, Update};

fn progress(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|e| e.status == EventStatus::Progress)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_crashlooping_image_fails_as_soon_as_it_crash_loops_with_the_reason() {
    let engine = engine().await;
    let d = deploy(
        &engine,
        "crashy",
        "ghcr.io/acme/crashy:1.0-crashloop",
        json!({"port": 8080, "replicas": 2, "expose": [{"port": 80, "protocol": "http"}]}),
    )
    .await;
    assert_eq!(d.status, DeploymentStatus::Failed);
    let rev1 = d.current_revision_id.clone().unwrap();
    assert_eq!(
        engine.get_revision(&d.id, &rev1).await.unwrap().status,
        RevisionStatus::Failed
    );

    let events = engine.list_events(&d.id, None).await.unwrap();
    assert_eq!(
        boundaries(&events),
        [
            (Stage::Building, EventStatus::Started),
            (Stage::Building, EventStatus::Succeeded),
            (Stage::Deploying, EventStatus::Started),
            (Stage::Deploying, EventStatus::Succeeded),
            (Stage::RollingOut, EventStatus::Started),
            (Stage::RollingOut, EventStatus::Failed),
        ]
    );
    let waiting = progress(&events);
    assert!(!waiting.is_empty());
    for e in &waiting {
        assert_eq!(
            meta_u64(e, "ready"),
            0,
            "a crash-looping pod is never ready"
        );
        assert_eq!(meta_u64(e, "desired"), 2);
        assert!(
            meta_str(e, "message").contains("exited with code 1"),
            "{e:?}"
        );
    }
    let (stage, reason) = failure_reason(&events);
    assert_eq!(stage, Stage::RollingOut);
    assert!(reason.contains("CrashLoopBackOff"), "{reason}");
    assert!(
        !reason.contains("ProgressDeadlineExceeded"),
        "failed before the deadline: {reason}"
    );
    let started = events
        .iter()
        .find(|e| e.stage == Stage::RollingOut)
        .map(|e| e.created_at)
        .unwrap();
    let failed = events.last().map(|e| e.created_at).unwrap();
    assert!(
        (failed - started).num_seconds() < 30,
        "red as soon as the reason is known, not at the 120 s deadline: {started} → {failed}"
    );
    assert!(
        reason.contains("1.0-crashloop"),
        "names the image: {reason}"
    );

    // Nothing is served, and the failure holds.
    let lb = engine.loadbalancer(&d.id).await.unwrap();
    assert_ne!(lb.status, LbStatus::Ready);
    tokio::time::sleep(sim(60.0)).await;
    assert_eq!(engine.list_events(&d.id, None).await.unwrap(), events);

    // A fixed image rolls forward; the failed revision stays failed in the history.
    let fix = engine
        .create_revision(
            &d.id,
            NewRevision {
                image: Some("ghcr.io/acme/crashy:1.1".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    assert_eq!(
        d.current_revision_id.as_deref(),
        Some(fix.revision.id.as_str())
    );
    assert_eq!(
        engine.get_revision(&d.id, &rev1).await.unwrap().status,
        RevisionStatus::Failed
    );
}

#[tokio::test(start_paused = true)]
async fn a_fix_pushed_during_a_stuck_rollout_takes_over_without_waiting_for_the_deadline() {
    let mut settings = settings_with_capacity(1);
    // A deadline far beyond any wait of this test: the fix must not queue behind it.
    settings.sandbox.progress_deadline_secs = 100_000.0;
    let engine = engine_with(settings).await;
    let env = demo_env(&engine).await;
    let d = engine
        .create_deployment(image_dep(
            &env.id,
            "stuck",
            "ghcr.io/acme/stuck:2.0",
            json!({"replicas": 3}),
        ))
        .await
        .unwrap();
    let rev1 = d.current_revision_id.clone().unwrap();
    wait_for("the pods left Pending to show", || async {
        let events = engine.list_events(&d.id, None).await.unwrap();
        events
            .iter()
            .any(|e| e.meta.get("message").is_some())
            .then_some(())
    })
    .await;

    engine
        .patch_configs(&d.id, json!({"replicas": 1}))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    let newest = engine.list_revisions(&d.id).await.unwrap().remove(0);
    assert_eq!(d.current_revision_id.as_deref(), Some(newest.id.as_str()));
    assert_ne!(newest.id, rev1);
    let old = engine.get_revision(&d.id, &rev1).await.unwrap();
    assert_eq!(old.status, RevisionStatus::Superseded);
    let events = engine.list_events(&d.id, None).await.unwrap();
    assert!(
        of_revision(&events, &rev1)
            .iter()
            .all(|e| e.status != EventStatus::Failed),
        "the superseded rollout is not reported as failed: {events:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_fix_after_a_crash_loop_rolls_out_and_the_crash_stays_on_record() {
    let engine = engine().await;
    let d = deploy(
        &engine,
        "loop",
        "ghcr.io/acme/loop:2.0-crashloop",
        json!({"replicas": 1}),
    )
    .await;
    assert_eq!(d.status, DeploymentStatus::Failed);
    let rev1 = d.current_revision_id.clone().unwrap();
    let rb = engine
        .create_revision(
            &d.id,
            NewRevision {
                image: Some("ghcr.io/acme/loop:1.9".into()),
                note: Some("back to the last good image".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    assert_eq!(
        d.current_revision_id.as_deref(),
        Some(rb.revision.id.as_str())
    );
    let old = engine.get_revision(&d.id, &rev1).await.unwrap();
    assert_eq!(
        old.status,
        RevisionStatus::Failed,
        "history is not rewritten"
    );
}

#[tokio::test(start_paused = true)]
async fn replicas_beyond_the_capacity_stay_pending_then_fail() {
    let engine = engine_with(settings_with_capacity(2)).await;
    let d = deploy(
        &engine,
        "greedy",
        "ghcr.io/acme/greedy:1.0",
        json!({"replicas": 3}),
    )
    .await;
    assert_eq!(d.status, DeploymentStatus::Failed);
    let events = engine.list_events(&d.id, None).await.unwrap();
    let waiting = progress(&events);
    assert!(!waiting.is_empty());
    for e in &waiting {
        assert!(meta_u64(e, "ready") <= 2, "{e:?}");
        assert_eq!(meta_u64(e, "desired"), 3);
        let message = meta_str(e, "message");
        assert!(message.contains("Pending"), "{message}");
        assert!(message.contains("Insufficient capacity"), "{message}");
    }
    assert!(
        waiting.iter().any(|e| meta_u64(e, "ready") == 2),
        "what fits does start: {waiting:#?}"
    );
    let (stage, reason) = failure_reason(&events);
    assert_eq!(stage, Stage::RollingOut);
    assert!(reason.contains("Insufficient capacity"), "{reason}");
    assert!(reason.contains("ProgressDeadlineExceeded"), "{reason}");
    assert!(
        !events.iter().any(|e| e.stage == Stage::Active),
        "never active"
    );
    let rev = engine
        .get_revision(&d.id, d.current_revision_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(rev.status, RevisionStatus::Failed);

    // Scaling down to what fits recovers it.
    engine
        .patch_configs(&d.id, json!({"replicas": 2}))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
}

#[tokio::test(start_paused = true)]
async fn capacity_is_shared_by_the_releases_of_the_cluster() {
    let engine = engine().await; // 24 replicas
    let big = deploy(
        &engine,
        "big",
        "ghcr.io/acme/big:1.0",
        json!({"replicas": 20}),
    )
    .await;
    assert_eq!(big.status, DeploymentStatus::Active);
    let more = deploy(
        &engine,
        "more",
        "ghcr.io/acme/more:1.0",
        json!({"replicas": 6}),
    )
    .await;
    assert_eq!(more.status, DeploymentStatus::Failed);
    let events = engine.list_events(&more.id, None).await.unwrap();
    let (_, reason) = failure_reason(&events);
    assert!(reason.contains("2 pod(s) Pending"), "{reason}");
    assert!(reason.contains("20 used by other releases"), "{reason}");

    // A failed release holds nothing; a deleted one frees its share.
    let small = deploy(
        &engine,
        "small",
        "ghcr.io/acme/small:1.0",
        json!({"replicas": 4}),
    )
    .await;
    assert_eq!(small.status, DeploymentStatus::Active);
    tear_down(&engine, &big.id).await;
    engine
        .create_revision(&more.id, NewRevision::default())
        .await
        .unwrap();
    let more = settle(&engine, &more.id).await;
    assert_eq!(more.status, DeploymentStatus::Active);
}

#[tokio::test(start_paused = true)]
async fn the_loadbalancer_goes_from_pending_to_ready_with_an_address() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let mut sub = engine.subscribe();
    let ports = json!([{"port": 443, "protocol": "http"}, {"port": 5432, "protocol": "tcp"}]);
    let d = engine
        .create_deployment(image_dep(
            &env.id,
            "front",
            "ghcr.io/acme/front:1.0",
            json!({"port": 8080, "replicas": 2, "expose": ports}),
        ))
        .await
        .unwrap();
    let expected_ports = vec![
        Listener {
            port: 443,
            protocol: Protocol::Http,
        },
        Listener {
            port: 5432,
            protocol: Protocol::Tcp,
        },
    ];
    // Exposed but not yet applied: the Service is on its way.
    let lb = engine.loadbalancer(&d.id).await.unwrap();
    assert_eq!(lb.status, LbStatus::Pending);
    assert_eq!(lb.address, None);
    assert_eq!(lb.ports, expected_ports);

    let changes = collect_changes(
        &mut sub,
        &d.id,
        |c| matches!(c, Change::Loadbalancer { data, .. } if data.status == LbStatus::Ready),
    )
    .await;
    let lbs: Vec<&LoadBalancer> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Loadbalancer { data, .. } => Some(data),
            _ => None,
        })
        .collect();
    assert_eq!(lbs.len(), 2, "pending at activation, then ready: {lbs:#?}");
    assert_eq!(lbs[0].status, LbStatus::Pending);
    assert_eq!(lbs[0].address, None);
    let ready = lbs[1].clone();
    assert_eq!(
        ready.address.as_deref(),
        Some("front.demo.sandbox.zopdeck.test")
    );
    assert_eq!(ready.ports, expected_ports);
    let tls = ready
        .tls
        .clone()
        .expect("an http listener gets a certificate");
    assert!(!tls.issuer.is_empty());
    assert!(tls.expires_at > chrono::Utc::now());
    // The pending one came with the activation, before the address.
    let active_at = changes.iter().position(is_active_event).unwrap();
    let ready_at = changes
        .iter()
        .position(
            |c| matches!(c, Change::Loadbalancer { data, .. } if data.status == LbStatus::Ready),
        )
        .unwrap();
    assert!(active_at < ready_at);
    assert_eq!(engine.loadbalancer(&d.id).await.unwrap(), ready);
    // The address arriving is an event of its own on the timeline, once.
    let address_events: Vec<Event> = engine
        .list_events(&d.id, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.meta.contains_key("address") && e.status == EventStatus::Progress)
        .collect();
    assert_eq!(address_events.len(), 1, "{address_events:#?}");
    assert_eq!(address_events[0].stage, Stage::Active);
    assert_eq!(
        address_events[0].meta["address"],
        "front.demo.sandbox.zopdeck.test"
    );

    // The next revision finds the address at activation, and keeps it.
    engine
        .patch_configs(&d.id, json!({"replicas": 3}))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    let events = engine.list_events(&d.id, None).await.unwrap();
    let current: Vec<Event> = of_revision(&events, d.current_revision_id.as_deref().unwrap())
        .into_iter()
        .cloned()
        .collect();
    let active = find(&current, Stage::Active, EventStatus::Succeeded);
    assert_eq!(
        meta_str(&active, "address"),
        "front.demo.sandbox.zopdeck.test"
    );
    assert_eq!(engine.loadbalancer(&d.id).await.unwrap(), ready);

    // No more LoadBalancer news once it is ready.
    let quiet = tokio::time::timeout(sim(20.0), async {
        loop {
            if let Some(Update::Change(Change::Loadbalancer {
                deployment_id,
                data,
            })) = sub.next().await
                && deployment_id == d.id
            {
                return data;
            }
        }
    })
    .await;
    assert!(
        quiet.is_err() || quiet.as_ref().is_ok_and(|lb| *lb == ready),
        "{quiet:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn tcp_only_and_unexposed_deployments() {
    let engine = engine().await;
    let db = deploy(
        &engine,
        "db",
        "postgres:16.4",
        json!({"port": 5432, "expose": [{"port": 5432, "protocol": "tcp"}]}),
    )
    .await;
    let lb = wait_for("the address", || async {
        let lb = engine.loadbalancer(&db.id).await.unwrap();
        (lb.status == LbStatus::Ready).then_some(lb)
    })
    .await;
    assert_eq!(lb.address.as_deref(), Some("db.demo.sandbox.zopdeck.test"));
    assert_eq!(lb.tls, None, "no certificate for plain tcp");

    let worker = deploy(&engine, "worker", "ghcr.io/acme/worker:1.0", json!({})).await;
    assert_eq!(worker.status, DeploymentStatus::Active);
    assert_eq!(
        engine.loadbalancer(&worker.id).await.unwrap(),
        LoadBalancer::none()
    );
    let events = engine.list_events(&worker.id, None).await.unwrap();
    let active = find(&events, Stage::Active, EventStatus::Succeeded);
    assert!(active.meta.get("address").is_none());
    assert_eq!(meta_u64(&active, "replicas"), 1, "one replica by default");

    // Un-exposing removes the LoadBalancer.
    engine
        .patch_configs(&db.id, json!({"expose": null}))
        .await
        .unwrap();
    settle(&engine, &db.id).await;
    assert_eq!(
        engine.loadbalancer(&db.id).await.unwrap(),
        LoadBalancer::none()
    );
    assert_not_found(engine.loadbalancer("dep_nope").await);
}

#[tokio::test(start_paused = true)]
async fn zero_replicas_roll_out_at_once() {
    let engine = engine().await;
    let d = deploy(
        &engine,
        "idle",
        "ghcr.io/acme/idle:1.0",
        json!({"replicas": 0}),
    )
    .await;
    assert_eq!(d.status, DeploymentStatus::Active);
    let events = engine.list_events(&d.id, None).await.unwrap();
    assert_eq!(boundaries(&events), HAPPY_PATH);
    let rolled = find(&events, Stage::RollingOut, EventStatus::Succeeded);
    assert_eq!(
        (meta_u64(&rolled, "ready"), meta_u64(&rolled, "desired")),
        (0, 0)
    );
}
