//! Many writers at the same moment against `zopdeck serve` on loopback: no acknowledged
//! write is lost, and an `Idempotency-Key` does its work once however many copies race.
//! Every batch is released together (see `support/race.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/race.rs"]
mod race;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use race::{RawRequest, release_together};
use serde_json::{Value, json};
use zopdeck::backend::Backend;
use zopdeck::backend::engine::store::tokens::{self, Role};
use zopdeck::backend::engine::{Engine, EngineSettings, OpenOptions};

const N: usize = 40;

struct Server {
    addr: SocketAddr,
    deployer: String,
    engine: Arc<Engine>,
    env: String,
}

async fn server() -> Server {
    let mut settings = EngineSettings::default();
    settings.sandbox.speed = 50.0;
    let engine = Engine::in_memory(
        settings,
        OpenOptions {
            demo: false,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let now = engine.clock().now();
    let deployer = engine
        .store()
        .write(|c| tokens::create(c, "ci", Role::Deployer, &now))
        .unwrap()
        .1;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = zopdeck::backend::serve::router(Arc::clone(&engine));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let env = engine.list_environments().await.unwrap()[0].id.clone();
    Server {
        addr,
        deployer,
        engine,
        env,
    }
}

impl Server {
    async fn deployment(&self, name: &str) -> String {
        let req = zopdeck::backend::model::NewDeployment {
            name: name.into(),
            env_id: Some(self.env.clone()),
            image: Some("nginx:1.27".into()),
            configs: Some(json!({"port": 80, "envVars": {"BASE": "1"}})),
            ..Default::default()
        };
        self.engine.create_deployment(req).await.unwrap().id
    }

    fn post(&self, path: String, body: Value) -> RawRequest {
        RawRequest::new("POST", format!("/api{path}"), &self.deployer, body)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_configs_patches_keep_every_key() {
    let s = server().await;
    let id = s.deployment("shop").await;
    let requests = (0..N)
        .map(|i| {
            RawRequest::new(
                "PATCH",
                format!("/api/deployments/{id}/configs"),
                &s.deployer,
                json!({"configs": {"envVars": {format!("KEY_{i}"): format!("v{i}")}}}),
            )
        })
        .collect();
    let answers = release_together(s.addr, requests).await;
    for a in &answers {
        assert_eq!(a.status, 200, "{:?}", a.body);
    }
    let d = s.engine.get_deployment(&id).await.unwrap();
    let configs: Value = serde_json::from_str(&d.configs).unwrap();
    let env = configs["envVars"].as_object().unwrap();
    let missing: Vec<String> = (0..N)
        .map(|i| format!("KEY_{i}"))
        .filter(|k| !env.contains_key(k))
        .collect();
    assert!(missing.is_empty(), "acknowledged patches lost: {missing:?}");
    assert_eq!(env["BASE"], "1");
    let revs = s.engine.list_revisions(&id).await.unwrap();
    assert_eq!(revs.len(), N + 1, "one revision per patch");
    // Each revision holds the keys of every patch before it: the history is a chain.
    let newest: Value = serde_json::from_str(&revs[0].configs).unwrap();
    assert_eq!(newest["envVars"].as_object().unwrap().len(), N + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_idempotency_key_creates_one_revision() {
    let s = server().await;
    let id = s.deployment("shop").await;
    let requests = (0..N)
        .map(|_| {
            s.post(
                format!("/deployments/{id}/revisions"),
                json!({"image": "nginx:1.28", "note": "ci build 7"}),
            )
            .header("Idempotency-Key", "key-rev-7")
        })
        .collect();
    let answers = release_together(s.addr, requests).await;
    let ids: HashSet<&str> = answers
        .iter()
        .map(|a| {
            assert_eq!(
                a.status, 201,
                "every copy gets the first answer: {:?}",
                a.body
            );
            a.body["data"]["id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one revision, replayed to every copy");
    assert_eq!(s.engine.list_revisions(&id).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_idempotency_key_creates_one_rollback() {
    let s = server().await;
    let id = s.deployment("shop").await;
    let first = s.engine.list_revisions(&id).await.unwrap()[0].id.clone();
    s.engine
        .patch_configs(&id, json!({"replicas": 2}))
        .await
        .unwrap();
    // Revision #2 becomes the current one once it deploys; #1 is then a rollback target.
    let second = s.engine.list_revisions(&id).await.unwrap()[0].id.clone();
    for _ in 0..2000 {
        let d = s.engine.get_deployment(&id).await.unwrap();
        if d.current_revision_id.as_deref() == Some(second.as_str()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let requests = (0..N)
        .map(|_| {
            s.post(
                format!("/deployments/{id}/rollback"),
                json!({"toRevisionID": first}),
            )
            .header("Idempotency-Key", "key-rollback")
        })
        .collect();
    let answers = release_together(s.addr, requests).await;
    let numbers: HashSet<u64> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, 201, "{:?}", a.body);
            a.body["data"]["number"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(numbers, HashSet::from([3]));
    assert_eq!(s.engine.list_revisions(&id).await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_idempotency_key_creates_one_deployment_and_replays_the_201() {
    let s = server().await;
    let body = json!({"name": "checkout", "envId": s.env, "sourceType": "image",
                      "image": "nginx:1.27"});
    let requests = (0..N)
        .map(|_| {
            s.post("/deployments".into(), body.clone())
                .header("Idempotency-Key", "key-create")
        })
        .collect();
    let answers = release_together(s.addr, requests).await;
    let ids: HashSet<&str> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, 201, "a replay, not a 409: {:?}", a.body);
            a.body["data"]["id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(s.engine.list_deployments(None).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_key_reused_with_another_body_is_refused() {
    let s = server().await;
    let id = s.deployment("shop").await;
    let path = format!("/deployments/{id}/revisions");
    let first = release_together(
        s.addr,
        vec![
            s.post(path.clone(), json!({"image": "nginx:1.28"}))
                .header("Idempotency-Key", "k1"),
        ],
    )
    .await;
    assert_eq!(first[0].status, 201);
    let again = release_together(
        s.addr,
        vec![
            s.post(path.clone(), json!({"image": "nginx:1.29"}))
                .header("Idempotency-Key", "k1"),
            s.post(path.clone(), json!({"image": "nginx:1.28"}))
                .header("Idempotency-Key", "k1"),
        ],
    )
    .await;
    assert_eq!(again[0].status, 400, "{:?}", again[0].body);
    assert_eq!(again[0].body["error"]["code"], "idempotency_key_reused");
    assert_eq!(again[1].status, 201, "the same body still replays");
    assert_eq!(again[1].body, first[0].body);
    assert_eq!(s.engine.list_revisions(&id).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_canvas_moves_and_deliveries_lose_nothing() {
    let s = server().await;
    let ids: Vec<String> = {
        let mut v = Vec::new();
        for i in 0..8 {
            v.push(s.deployment(&format!("svc-{i}")).await);
        }
        v
    };
    // Every deployment moved by 5 writers at once, and the same webhook delivered 5 times.
    let mut requests = Vec::new();
    for id in &ids {
        for k in 0..5 {
            requests.push(RawRequest::new(
                "PUT",
                format!("/api/deployments/{id}/canvas-position"),
                &s.deployer,
                json!({"x": 100 + k, "y": 7}),
            ));
            requests.push(
                s.post(format!("/deployments/{id}/revisions"), json!({}))
                    .header("X-GitHub-Delivery", &format!("delivery-{id}")),
            );
        }
    }
    let answers = release_together(s.addr, requests).await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    let replayed = answers
        .iter()
        .filter(|a| a.status == 200 && a.body["data"]["number"].is_number())
        .count();
    assert_eq!(created, ids.len(), "one revision per delivery");
    assert_eq!(replayed, ids.len() * 4, "the other copies replay it");
    for id in &ids {
        let d = s.engine.get_deployment(id).await.unwrap();
        let pos = d.canvas_position.unwrap();
        assert!((100.0..105.0).contains(&pos.x) && pos.y == 7.0, "{pos:?}");
        assert_eq!(s.engine.list_revisions(id).await.unwrap().len(), 2);
    }
}
