//! Load on `zopdeck serve`, loopback only and bounded in count: requests/s and p99 latency of
//! `GET /api/deployments` with 1,000 deployments, and of canvas-position PUTs from 50
//! concurrent clients — then every accepted write is read back; and how long the TUI takes
//! to load an environment of 1,000 cards over HTTP. On the SQLite store (one server), and —
//! when `ZOPDECK_TEST_DATABASE_URL` names a PostgreSQL server (`.ci/postgres up`) — on the
//! PostgreSQL store with one replica and with two (clients alternating between them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zopdeck::app::run::load_snapshot;
use zopdeck::backend::Backend;
use zopdeck::backend::engine::store::Store;
use zopdeck::backend::engine::store::tokens::{self, Role};
use zopdeck::backend::engine::{Engine, EngineSettings, OpenOptions};
use zopdeck::backend::model::NewDeployment;
use zopdeck::backend::remote::RemoteBackend;

const DEPLOYMENTS: usize = 1_000;
const LIST_REQUESTS: usize = 400;
const LIST_CLIENTS: usize = 8;
const PUT_CLIENTS: usize = 50;
const PUTS_PER_CLIENT: usize = 40;

fn report(name: &str, mut latencies: Vec<Duration>, took: Duration) {
    latencies.sort();
    let n = latencies.len();
    let pct = |p: f64| {
        latencies[((n as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(n - 1)]
    };
    println!(
        "{name}: {n} requests in {took:.2?} = {:.0} req/s; p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        n as f64 / took.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        latencies[n - 1]
    );
}

/// An engine on `store` without workers: the jobs of 1,000 creations would otherwise run
/// during the measurement.
async fn engine_on(store: Store) -> Arc<Engine> {
    Engine::on_store(
        store,
        EngineSettings::default(),
        OpenOptions {
            demo: false,
            workers: false,
            viewer: false,
        },
    )
    .await
    .unwrap()
}

#[tokio::main]
async fn main() {
    println!("== SQLite store, one server");
    run(vec![engine_on(Store::open_in_memory().unwrap()).await]).await;
    let Some(url) = std::env::var("ZOPDECK_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        println!(
            "(no PostgreSQL: ZOPDECK_TEST_DATABASE_URL is unset; `.ci/postgres up` starts one)"
        );
        return;
    };
    for replicas in [1, 2] {
        println!("== PostgreSQL store, {replicas} replica(s)");
        let db = fresh_database(&url).await;
        let mut engines = Vec::new();
        for _ in 0..replicas {
            engines.push(engine_on(Store::open_pg(&db).unwrap()).await);
        }
        run(engines).await;
    }
}

/// A new database on the server of `url`; its URL.
async fn fresh_database(url: &str) -> String {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let name = format!("zb_{}", uuid::Uuid::new_v4().simple());
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// The measurements against one server per engine (replicas of one store when several).
async fn run(engines: Vec<Arc<Engine>>) {
    let engine = Arc::clone(&engines[0]);
    let env = engine.list_environments().await.unwrap().remove(0);
    let mut ids = Vec::new();
    for i in 0..DEPLOYMENTS {
        let req = NewDeployment {
            name: format!("svc-{i}"),
            env_id: Some(env.id.clone()),
            image: Some(format!("ghcr.io/acme/svc:{i}")),
            configs: Some(json!({"port": 8080, "replicas": 2})),
            ..Default::default()
        };
        ids.push(engine.create_deployment(req).await.unwrap().id);
    }
    let now = engine.clock().now();
    let token = engine
        .store()
        .write(|c| tokens::create(c, "load", Role::Admin, &now))
        .unwrap()
        .1;
    let mut bases = Vec::new();
    for e in &engines {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        bases.push(format!("http://{}/api", listener.local_addr().unwrap()));
        let app = zopdeck::backend::serve::router(Arc::clone(e));
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    let base = bases[0].clone();
    let http = reqwest::Client::new();

    // GET /api/deployments, 1,000 items per answer: the first answer after a change is read
    // from the store (cold); the next ones, while nothing changes, are kept answers.
    let cold = Instant::now();
    let res = http
        .get(format!("{base}/deployments"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    res.bytes().await.unwrap();
    println!(
        "GET /api/deployments, the first after a change: {:.2?}",
        cold.elapsed()
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..LIST_CLIENTS {
        let (http, base, token) = (http.clone(), bases[c % bases.len()].clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            // Each client's connection is opened first, untimed (kept alive after).
            let first = http
                .get(format!("{base}/environments"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            first.bytes().await.unwrap();
            let mut lat = Vec::new();
            for i in 0..LIST_REQUESTS / LIST_CLIENTS {
                let t = Instant::now();
                let res = http
                    .get(format!("{base}/deployments"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success());
                let bytes = res.bytes().await.unwrap();
                lat.push(t.elapsed());
                // Checked once per client (outside the timing), so the client's JSON parsing
                // does not count as server latency.
                if i == 0 {
                    let body: Value = serde_json::from_slice(&bytes).unwrap();
                    assert_eq!(body["data"].as_array().map(Vec::len), Some(DEPLOYMENTS));
                }
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    report(
        &format!("GET /api/deployments ({DEPLOYMENTS} deployments, {LIST_CLIENTS} clients)"),
        lat,
        started.elapsed(),
    );

    // PUT canvas-position: 50 clients, each moving its own card step by step.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, id) in ids.iter().take(PUT_CLIENTS).enumerate() {
        let (http, base, token, id) = (
            http.clone(),
            bases[c % bases.len()].clone(),
            token.clone(),
            id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut last = (0.0, 0.0);
            for step in 0..PUTS_PER_CLIENT {
                let pos = (c as f64 * 240.0, step as f64 * 16.0);
                let t = Instant::now();
                let res = http
                    .put(format!("{base}/deployments/{id}/canvas-position"))
                    .bearer_auth(&token)
                    .json(&json!({"x": pos.0, "y": pos.1}))
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success(), "{}", res.status());
                lat.push(t.elapsed());
                last = pos;
            }
            (id, last, lat)
        }));
    }
    let mut lat = Vec::new();
    let mut expected = Vec::new();
    for t in tasks {
        let (id, last, l) = t.await.unwrap();
        lat.extend(l);
        expected.push((id, last));
    }
    report(
        &format!("PUT canvas-position ({PUT_CLIENTS} concurrent clients)"),
        lat,
        started.elapsed(),
    );

    // Nothing lost: every client's last accepted write is what the server returns.
    let mut lost = 0;
    for (id, (x, y)) in &expected {
        let d: Value = http
            .get(format!("{base}/deployments/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if d["data"]["canvasPosition"] != json!({"x": x, "y": y}) {
            lost += 1;
        }
    }
    println!("read back {} positions: {lost} lost", expected.len());
    assert_eq!(lost, 0);

    // What the TUI does on start over HTTP: the environment and every card's details.
    let remote = RemoteBackend::connect(&base, &token).unwrap();
    let started = Instant::now();
    let first = load_snapshot(remote.as_ref(), Some(&env.id), &HashSet::new())
        .await
        .unwrap();
    let first_took = started.elapsed();
    assert_eq!(first.deployments.len(), DEPLOYMENTS);
    assert_eq!(first.revision_numbers.len(), DEPLOYMENTS);
    let known: HashSet<String> = first.revision_numbers.into_iter().map(|(r, _)| r).collect();
    let started = Instant::now();
    let again = load_snapshot(remote.as_ref(), Some(&env.id), &known)
        .await
        .unwrap();
    assert_eq!(again.deployments.len(), DEPLOYMENTS);
    println!(
        "TUI load over HTTP ({DEPLOYMENTS} cards): first {first_took:.2?}, reload {:.2?}",
        started.elapsed()
    );
}
