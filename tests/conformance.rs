//! One behaviour suite, two backends: the embedded engine called directly, and the remote
//! client talking to `zopdeck serve` on loopback. Passing both is what "the two backends
//! agree" means. The lifecycle runs on the sandbox and on a Kubernetes space (the test
//! cluster; skipped, saying why, when there is none outside CI).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/k8s.rs"]
mod k8s;
#[path = "support/pg.rs"]
mod pg;

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use zopdeck::backend::engine::store::Store;
use zopdeck::backend::engine::store::tokens::{self, Role};
use zopdeck::backend::engine::{Engine, EngineSettings, OpenOptions};
use zopdeck::backend::model::*;
use zopdeck::backend::remote::RemoteBackend;
use zopdeck::backend::{Backend, BackendError, LiveMode, Update};

use k8s::test_cluster;

async fn engine() -> Arc<Engine> {
    engine_on(Store::open_in_memory().unwrap()).await
}

async fn engine_on(store: Store) -> Arc<Engine> {
    let mut settings = EngineSettings::default();
    settings.sandbox.speed = 50.0;
    Engine::on_store(
        store,
        settings,
        OpenOptions {
            demo: false,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

/// The engine on a fresh PostgreSQL database, or `None` (the test says it skipped).
async fn engine_on_postgres(test: &str) -> Option<Arc<Engine>> {
    let url = pg::fresh_database(test)?;
    Some(engine_on(Store::open_pg(&url).unwrap()).await)
}

async fn remote() -> (Arc<RemoteBackend>, Arc<Engine>) {
    remote_with(true).await
}

/// A client of `zopdeck serve` on loopback, the server with or without its live stream.
async fn remote_with(websocket: bool) -> (Arc<RemoteBackend>, Arc<Engine>) {
    serve(engine().await, websocket).await
}

async fn serve(engine: Arc<Engine>, websocket: bool) -> (Arc<RemoteBackend>, Arc<Engine>) {
    let now = engine.clock().now();
    let token = engine
        .store()
        .write(|c| tokens::create(c, "conformance", Role::Admin, &now))
        .unwrap()
        .1;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = zopdeck::backend::serve::router_with(Arc::clone(&engine), websocket);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (
        RemoteBackend::connect(&format!("http://{addr}/api"), &token).unwrap(),
        engine,
    )
}

/// How long the suite waits for a state (a bound, not a measure: a real cluster is slower
/// than the sandbox).
const PATIENCE: Duration = Duration::from_secs(90);

async fn wait_for(
    b: &dyn Backend,
    id: &str,
    what: &str,
    ok: impl Fn(&Deployment) -> bool,
) -> Deployment {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        let d = b.get_deployment(id).await.unwrap();
        if ok(&d) {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{id} never reached: {what}");
}

async fn env_named(b: &dyn Backend, name: &str) -> Environment {
    b.list_environments()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap()
}

async fn demo_env(b: &dyn Backend) -> Environment {
    env_named(b, "demo").await
}

async fn create(b: &dyn Backend, env: &str, name: &str, configs: serde_json::Value) -> Deployment {
    let env = env_named(b, env).await;
    let req = NewDeployment {
        name: name.into(),
        env_id: Some(env.id),
        source_type: Some(SourceType::Image),
        image: Some("ghcr.io/acme/app:1.0".into()),
        configs: Some(configs),
        ..Default::default()
    };
    b.create_deployment(req).await.unwrap()
}

/// The lifecycle in environment `env`, from create to teardown.
async fn lifecycle(b: &dyn Backend, env: &str) {
    let d = create(
        b,
        env,
        "shop",
        json!({"port": 8080, "replicas": 2, "expose": [{"port": 443, "protocol": "http"}]}),
    )
    .await;
    let d = wait_for(b, &d.id, "active", |d| d.status == DeploymentStatus::Active).await;
    let events = b.list_events(&d.id, None).await.unwrap();
    let stages: Vec<(Stage, EventStatus)> = events
        .iter()
        .filter(|e| e.status != EventStatus::Progress)
        .map(|e| (e.stage, e.status))
        .collect();
    assert_eq!(
        stages,
        [
            (Stage::Building, EventStatus::Started),
            (Stage::Building, EventStatus::Succeeded),
            (Stage::Deploying, EventStatus::Started),
            (Stage::Deploying, EventStatus::Succeeded),
            (Stage::RollingOut, EventStatus::Started),
            (Stage::RollingOut, EventStatus::Succeeded),
            (Stage::Active, EventStatus::Succeeded),
        ]
    );
    let after = b.list_events(&d.id, Some(&events[3].id)).await.unwrap();
    assert_eq!(
        after.len(),
        events.len() - 4,
        "after= returns only newer events"
    );
    assert!(matches!(
        b.list_events(&d.id, Some("bogus")).await,
        Err(BackendError::Validation { .. })
    ));

    // LoadBalancer: pending, then ready with an address.
    let mut ready = false;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        let lb = b.loadbalancer(&d.id).await.unwrap();
        assert_ne!(lb.status, LbStatus::None);
        if lb.status == LbStatus::Ready {
            assert!(lb.address.is_some());
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(ready, "the LoadBalancer got an address");

    // Configs patch → revision #2; no-op patch → none; invalid → Validation, nothing written.
    b.patch_configs(&d.id, json!({"replicas": 3}))
        .await
        .unwrap();
    assert_eq!(b.list_revisions(&d.id).await.unwrap().len(), 2);
    b.patch_configs(&d.id, json!({"replicas": 3}))
        .await
        .unwrap();
    assert_eq!(
        b.list_revisions(&d.id).await.unwrap().len(),
        2,
        "a no-op patch creates nothing"
    );
    match b.patch_configs(&d.id, json!({"port": 70000})).await {
        Err(BackendError::Validation { field, .. }) => {
            assert_eq!(field.as_deref(), Some("configs.port"))
        }
        other => panic!("{other:?}"),
    }
    wait_for(b, &d.id, "revision 2 active", |x| {
        x.status == DeploymentStatus::Active
    })
    .await;

    // Rollback: append-only, a clone of the target, refused onto the current revision.
    let revs = b.list_revisions(&d.id).await.unwrap();
    let first = revs.last().unwrap().clone();
    let rb = b.rollback(&d.id, &first.id).await.unwrap();
    assert_eq!(
        (rb.number, rb.trigger, rb.rollback_of.as_deref()),
        (3, Trigger::Rollback, Some(first.id.as_str()))
    );
    assert_eq!(rb.configs, first.configs);
    let after_rb = b.list_revisions(&d.id).await.unwrap();
    assert_eq!(after_rb.len(), 3);
    assert_eq!(
        after_rb[2],
        {
            let mut f = first.clone();
            f.status = after_rb[2].status;
            f
        },
        "history is not rewritten"
    );
    let d = wait_for(b, &d.id, "rollback active", |x| {
        x.status == DeploymentStatus::Active
            && x.current_revision_id.as_deref() == Some(rb.id.as_str())
    })
    .await;
    assert!(matches!(
        b.rollback(&d.id, &rb.id).await,
        Err(BackendError::Conflict(_))
    ));

    // Idempotent revision replay.
    let push = NewRevision {
        image: Some("ghcr.io/acme/app:2.0".into()),
        delivery_id: Some("delivery-7".into()),
        ..Default::default()
    };
    let one = b.create_revision(&d.id, push.clone()).await.unwrap();
    let two = b.create_revision(&d.id, push).await.unwrap();
    assert!(one.created && !two.created);
    assert_eq!(one.revision.id, two.revision.id);
    assert_eq!(one.revision.trigger, Trigger::Push);

    // Canvas position and analyze.
    assert_eq!(
        b.set_canvas_position(&d.id, CanvasPosition { x: 320.0, y: 180.0 })
            .await
            .unwrap(),
        CanvasPosition { x: 320.0, y: 180.0 }
    );
    assert_eq!(
        b.get_deployment(&d.id).await.unwrap().canvas_position,
        Some(CanvasPosition { x: 320.0, y: 180.0 })
    );
    assert!(matches!(
        b.set_canvas_position(&d.id, CanvasPosition { x: 1e9, y: 0.0 })
            .await,
        Err(BackendError::Validation { .. })
    ));
    let before = b.list_revisions(&d.id).await.unwrap().len();
    let report = b.analyze(&d.id).await.unwrap();
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.code == "no_liveness_probe")
    );
    assert_eq!(
        b.list_revisions(&d.id).await.unwrap().len(),
        before,
        "analyze creates no revision"
    );

    // Teardown: queued (the deployment shows tearing_down meanwhile), idempotent, then gone.
    assert!(!b.delete_deployment(&d.id).await.unwrap().already_clean);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        match b.get_deployment(&d.id).await {
            Err(BackendError::NotFound { .. }) => break,
            Ok(d) => assert_eq!(d.status, DeploymentStatus::TearingDown),
            Err(e) => panic!("{e}"),
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(
        b.delete_deployment(&d.id).await.unwrap().already_clean,
        "a repeated teardown reports that nothing was left"
    );
    assert!(matches!(
        b.delete_deployment("dep_unknown").await,
        Err(BackendError::NotFound { .. })
    ));
    assert!(matches!(
        b.get_deployment(&d.id).await,
        Err(BackendError::NotFound { .. })
    ));
    assert!(matches!(
        b.get_deployment("dep_unknown").await,
        Err(BackendError::NotFound { .. })
    ));
}

async fn spaces_and_namespaces(b: &dyn Backend) {
    let clusters = b.list_clusters("ca_sandbox").await.unwrap();
    assert_eq!(clusters.len(), 1);
    let c = &clusters[0];
    let new = |name: &str| NewSpace {
        name: name.into(),
        provider: "aws".into(),
        space_type: None,
        cloud_account_id: "ca_sandbox".into(),
        config: json!({"clusterName": c.name, "region": c.region}),
    };
    let space = b.create_space(new("second")).await.unwrap();
    assert!(matches!(
        b.create_space(new("second")).await,
        Err(BackendError::Conflict(_))
    ));
    let mut bad = new("third");
    bad.config = json!({"clusterName": c.name});
    match b.create_space(bad).await {
        Err(BackendError::Validation { field, .. }) => {
            assert_eq!(field.as_deref(), Some("config.region"))
        }
        other => panic!("{other:?}"),
    }
    let ns = b.create_namespace(&space.id, "team-a").await.unwrap();
    assert!(ns.managed_by_zopnight);
    assert!(matches!(
        b.create_namespace(&space.id, "Team_A").await,
        Err(BackendError::Validation { .. })
    ));
    assert!(
        b.list_namespaces(&space.id)
            .await
            .unwrap()
            .iter()
            .any(|n| n.name == "team-a")
    );
    let env = b
        .create_environment(NewEnvironment {
            name: "staging".into(),
            space_id: space.id.clone(),
            namespace: "staging".into(),
            registry_url: None,
        })
        .await
        .unwrap();
    let dup = NewEnvironment {
        name: "staging-2".into(),
        space_id: space.id.clone(),
        namespace: "staging".into(),
        registry_url: None,
    };
    assert!(
        matches!(
            b.create_environment(dup).await,
            Err(BackendError::Conflict(_))
        ),
        "one namespace per environment"
    );
    let req = NewDeployment {
        name: "api".into(),
        env_id: Some(env.id.clone()),
        image: Some("a:1".into()),
        ..Default::default()
    };
    b.create_deployment(req).await.unwrap();
    assert!(
        matches!(
            b.delete_space(&space.id).await,
            Err(BackendError::Conflict(_))
        ),
        "a space with deployments stays"
    );
    let off = b
        .set_space_status(&space.id, SpaceStatus::Inactive)
        .await
        .unwrap();
    assert_eq!(off.status, SpaceStatus::Inactive);
    let req = NewDeployment {
        name: "web".into(),
        env_id: Some(env.id),
        image: Some("a:1".into()),
        ..Default::default()
    };
    assert!(
        matches!(
            b.create_deployment(req).await,
            Err(BackendError::Conflict(_))
        ),
        "an inactive space refuses deploys"
    );
}

/// Promotion: staging's revision rolls out in prod (the demo environment) with its image and
/// configs, as a `promote` revision noting where it came from; what cannot be promoted says why.
async fn promotion(b: &dyn Backend) {
    let demo = demo_env(b).await;
    let staging = b
        .create_environment(NewEnvironment {
            name: "staging".into(),
            space_id: demo.space_id.clone(),
            namespace: "staging".into(),
            registry_url: None,
        })
        .await
        .unwrap();
    let active = |d: &Deployment| d.status == DeploymentStatus::Active;
    let new = |env: &Environment, image: &str| NewDeployment {
        name: "shop".into(),
        env_id: Some(env.id.clone()),
        source_type: Some(SourceType::Image),
        image: Some(image.into()),
        configs: Some(json!({"port": 8080, "replicas": 1})),
        ..Default::default()
    };
    let prod = b
        .create_deployment(new(&demo, "ghcr.io/acme/shop:1.0"))
        .await
        .unwrap();
    let stage = b
        .create_deployment(new(&staging, "ghcr.io/acme/shop:1.1"))
        .await
        .unwrap();
    b.patch_configs(
        &stage.id,
        json!({"replicas": 2, "envVars": {"MODE": "fast"}}),
    )
    .await
    .unwrap();
    let stage = wait_for(b, &stage.id, "staging #2 active", |d| {
        active(d) && d.configs.contains("fast")
    })
    .await;
    wait_for(b, &prod.id, "prod #1 active", active).await;
    let from = b.list_revisions(&stage.id).await.unwrap().remove(0);
    assert_eq!(from.number, 2);

    let rev = b.promote(&prod.id, &from.id).await.unwrap();
    assert_eq!(rev.trigger, Trigger::Promote);
    assert_eq!(rev.number, 2);
    assert_eq!(rev.note.as_deref(), Some("from staging #2"));
    assert_eq!(rev.image.as_deref(), Some("ghcr.io/acme/shop:1.1"));
    assert_eq!(rev.configs, from.configs);
    assert_eq!(rev.rollback_of, None);
    let prod = wait_for(b, &prod.id, "the promoted revision active", |d| {
        active(d) && d.current_revision_id.as_deref() == Some(rev.id.as_str())
    })
    .await;
    assert_eq!(prod.configs, stage.configs);
    assert_eq!(
        b.get_revision(&prod.id, &rev.id).await.unwrap().status,
        RevisionStatus::Active
    );

    // Nothing to promote twice, nor a deployment's own revision, nor an unknown one.
    match b.promote(&prod.id, &from.id).await {
        Err(BackendError::Conflict(m)) => assert!(m.contains("already runs"), "{m}"),
        other => panic!("{other:?}"),
    }
    match b.promote(&stage.id, &from.id).await {
        Err(BackendError::Conflict(m)) => assert!(m.contains("roll back"), "{m}"),
        other => panic!("{other:?}"),
    }
    match b.promote(&prod.id, "rev_unknown").await {
        Err(e @ BackendError::NotFound { .. }) => {
            assert_eq!(e.to_string(), "revision rev_unknown not found")
        }
        other => panic!("{other:?}"),
    }
    match b.promote("dep_unknown", &from.id).await {
        Err(e @ BackendError::NotFound { .. }) => {
            assert_eq!(e.to_string(), "deployment dep_unknown not found")
        }
        other => panic!("{other:?}"),
    }
    match b.promote(&prod.id, "").await {
        Err(BackendError::Validation { .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn embedded_engine_promotes_between_environments() {
    let e = engine().await;
    promotion(e.as_ref()).await;
}

#[tokio::test]
async fn remote_client_against_serve_promotes_between_environments() {
    let (r, _engine) = remote().await;
    promotion(r.as_ref()).await;
}

/// A server without the promote route (the platform): the client says promotion is not
/// offered there, and no revision is made.
#[tokio::test]
async fn a_server_without_promotion_says_it_is_not_offered() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let platform = axum::Router::new().fallback(|| async {
        (
            axum::http::StatusCode::NOT_FOUND,
            axum::Json(json!({"error": {"message": "Not Found", "code": "no_route"}})),
        )
    });
    tokio::spawn(async move { axum::serve(listener, platform).await });
    let r = RemoteBackend::connect(&format!("http://{addr}/api"), "zn_pat_x").unwrap();
    match r.promote("dep_1", "rev_1").await {
        Err(e @ BackendError::NotOffered(_)) => {
            assert!(e.to_string().contains("promotion is not offered"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn embedded_engine_lifecycle() {
    let e = engine().await;
    lifecycle(e.as_ref(), "demo").await;
}

#[tokio::test]
async fn remote_client_against_serve_lifecycle() {
    let (r, _engine) = remote().await;
    lifecycle(r.as_ref(), "demo").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_engine_lifecycle_on_a_kubernetes_space() {
    let Some(c) = test_cluster("embedded_engine_lifecycle_on_a_kubernetes_space") else {
        return;
    };
    let ns = k8s::Namespace::new(&c, "conf");
    let e = engine().await;
    k8s::kube_environment(&e, &c, "kube-test", "kube", &ns.name).await;
    lifecycle(e.as_ref(), "kube").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_client_against_serve_lifecycle_on_a_kubernetes_space() {
    let Some(c) = test_cluster("remote_client_against_serve_lifecycle_on_a_kubernetes_space")
    else {
        return;
    };
    let ns = k8s::Namespace::new(&c, "conf");
    let (r, engine) = remote().await;
    k8s::kube_environment(&engine, &c, "kube-test", "kube", &ns.name).await;
    lifecycle(r.as_ref(), "kube").await;
}

#[tokio::test]
async fn embedded_engine_spaces_and_namespaces() {
    let e = engine().await;
    spaces_and_namespaces(e.as_ref()).await;
}

#[tokio::test]
async fn remote_client_against_serve_spaces_and_namespaces() {
    let (r, _engine) = remote().await;
    spaces_and_namespaces(r.as_ref()).await;
}

#[tokio::test]
async fn remote_client_receives_live_changes_over_the_websocket() {
    let (r, _engine) = remote().await;
    assert_eq!(
        r.live_mode(),
        LiveMode::Polling,
        "no stream before a subscriber"
    );
    let mut feed = r.subscribe();
    // The stream connecting is announced (subscribers reload, and stop polling).
    let first = tokio::time::timeout(Duration::from_secs(10), feed.next()).await;
    assert_eq!(first.unwrap(), Some(Update::Missed));
    assert_eq!(r.live_mode(), LiveMode::Stream);
    let d = create(r.as_ref(), "demo", "live", json!({})).await;
    let mut saw_event = false;
    for _ in 0..200 {
        match tokio::time::timeout(Duration::from_secs(5), feed.next()).await {
            Ok(Some(Update::Change(Change::Event { deployment_id, .. })))
                if deployment_id == d.id =>
            {
                saw_event = true;
                break;
            }
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    assert!(
        saw_event,
        "events pushed by the server reach the remote client's subscribers"
    );
}

#[tokio::test]
async fn without_a_stream_the_remote_client_says_it_must_be_polled() {
    let (r, _engine) = remote_with(false).await;
    let mut feed = r.subscribe();
    // The upgrade is refused (404): no announcement, the mode stays "polling".
    let nothing = tokio::time::timeout(Duration::from_millis(1500), feed.next()).await;
    assert!(nothing.is_err(), "no update without changes: {nothing:?}");
    assert_eq!(r.live_mode(), LiveMode::Polling);
    // Everything else works as before; a poll sees what changed.
    let env = demo_env(r.as_ref()).await;
    let before = r.list_deployments(Some(&env.id)).await.unwrap().len();
    create(r.as_ref(), "demo", "polled", json!({})).await;
    assert_eq!(
        r.list_deployments(Some(&env.id)).await.unwrap().len(),
        before + 1
    );
}

#[tokio::test]
async fn remote_client_errors_say_what_is_wrong() {
    let (r, engine) = remote().await;
    let d = create(r.as_ref(), "demo", "named", json!({})).await;
    match r.get_revision(&d.id, "rev_unknown").await {
        Err(e @ BackendError::NotFound { .. }) => {
            assert_eq!(e.to_string(), "revision rev_unknown not found")
        }
        other => panic!("{other:?}"),
    }
    match r.list_events("dep_unknown", None).await {
        Err(e @ BackendError::NotFound { .. }) => {
            assert_eq!(e.to_string(), "deployment dep_unknown not found")
        }
        other => panic!("{other:?}"),
    }
    // The server's root instead of its /api: no such route, which is not "that id is gone".
    let root = r.base().trim_end_matches("/api").to_string();
    let token = engine
        .store()
        .write(|c| tokens::create(c, "root", Role::Viewer, &engine.clock().now()))
        .unwrap()
        .1;
    let wrong = RemoteBackend::connect(&root, &token).unwrap();
    match wrong.list_deployments(None).await {
        Err(BackendError::Validation { message, field }) => {
            assert_eq!(field.as_deref(), Some("api_url"));
            assert!(message.contains("ends in /api"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

// ---- the same suite on the PostgreSQL store ------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_engine_lifecycle_on_postgres() {
    let Some(e) = engine_on_postgres("embedded_engine_lifecycle_on_postgres").await else {
        return;
    };
    lifecycle(e.as_ref(), "demo").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_client_against_serve_lifecycle_on_postgres() {
    let Some(e) = engine_on_postgres("remote_client_against_serve_lifecycle_on_postgres").await
    else {
        return;
    };
    let (r, _e) = serve(e, true).await;
    lifecycle(r.as_ref(), "demo").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_engine_spaces_and_namespaces_on_postgres() {
    let Some(e) = engine_on_postgres("embedded_engine_spaces_and_namespaces_on_postgres").await
    else {
        return;
    };
    spaces_and_namespaces(e.as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_client_against_serve_spaces_and_namespaces_on_postgres() {
    let Some(e) =
        engine_on_postgres("remote_client_against_serve_spaces_and_namespaces_on_postgres").await
    else {
        return;
    };
    let (r, _e) = serve(e, true).await;
    spaces_and_namespaces(r.as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_engine_promotes_between_environments_on_postgres() {
    let Some(e) =
        engine_on_postgres("embedded_engine_promotes_between_environments_on_postgres").await
    else {
        return;
    };
    promotion(e.as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_client_against_serve_promotes_between_environments_on_postgres() {
    let Some(e) =
        engine_on_postgres("remote_client_against_serve_promotes_between_environments_on_postgres")
            .await
    else {
        return;
    };
    let (r, _e) = serve(e, true).await;
    promotion(r.as_ref()).await;
}
