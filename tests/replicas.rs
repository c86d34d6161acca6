//! Several `zopdeck serve` replicas on one PostgreSQL store (issue 15): a rollout started
//! through one is followed on the other's WebSocket; one replica is killed with SIGKILL
//! mid-rollout and the other finishes it — one revision, every stage event exactly once; 50
//! clients writing canvas positions across both replicas lose nothing. Real binaries, a real
//! PostgreSQL (`.ci/postgres up`); skipped, saying why, without one outside CI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/http.rs"]
mod http;
#[path = "support/pg.rs"]
mod pg;
#[path = "support/real_serve.rs"]
mod real_serve;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use real_serve::RealServe;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// Two replicas on one fresh database, sharing a data dir (and so the sandbox's simulated
/// cluster), with short leases so that a dead replica's job is taken over soon.
struct Team {
    replicas: Vec<Option<RealServe>>,
    token: String,
    http: Client,
    url: String,
    _dir: tempfile::TempDir,
}

fn team(test: &str) -> Option<Team> {
    let url = pg::fresh_database(test)?;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[engine]\nlease_seconds = 3\n").unwrap();
    let config = config.to_str().unwrap().to_string();
    let db = ["--database", url.as_str(), "--config", config.as_str()];
    let token = real_serve::zopdeck(
        &data,
        &[
            &db[..],
            &["token", "create", "--name", "team", "--role", "admin"],
        ]
        .concat(),
    )
    .trim()
    .to_string();
    // The sandbox at 4 simulated seconds per second: a rollout lasts a few real seconds.
    let env = [("ZOPDECK_SANDBOX_SPEED", "4")];
    let replicas = (0..2)
        .map(|_| Some(RealServe::start(&data, &db, &env)))
        .collect();
    Some(Team {
        replicas,
        token,
        http: Client::new(),
        url,
        _dir: dir,
    })
}

impl Team {
    fn base(&self, i: usize) -> String {
        self.replicas[i]
            .as_ref()
            .expect("the replica runs")
            .base
            .clone()
    }

    /// Which replica holds the lease of `deployment`'s running job (by its process id).
    async fn job_holder(&self, deployment: &str) -> Option<usize> {
        let (client, conn) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let row = client
            .query_opt(
                "SELECT lease_owner FROM jobs WHERE deployment_id = $1 AND state = 'running'",
                &[&deployment],
            )
            .await
            .unwrap()?;
        let owner: Option<String> = row.get(0);
        let pid: u32 = owner?.split('-').nth(1)?.parse().ok()?;
        self.replicas
            .iter()
            .position(|r| r.as_ref().is_some_and(|r| r.pid() == pid))
    }

    async fn call(
        &self,
        base: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{base}{path}"))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// The deployment `id` as the replica at `base` answers it (the whole envelope).
    async fn deployment(&self, base: &str, id: &str) -> Value {
        let path = format!("/deployments/{id}");
        self.call(base, reqwest::Method::GET, &path, None).await.1
    }

    async fn demo_env(&self, base: &str) -> String {
        let (_, envs) = self
            .call(base, reqwest::Method::GET, "/environments", None)
            .await;
        envs["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "demo")
            .expect("the demo environment")["id"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollout_survives_its_replica_and_is_followed_on_the_other() {
    let Some(mut t) = team("a_rollout_survives_its_replica_and_is_followed_on_the_other") else {
        return;
    };
    let (a, b) = (t.base(0), t.base(1));
    let env = t.demo_env(&a).await;
    assert_eq!(t.demo_env(&b).await, env, "one catalog");
    let mut feed = http::ws_connect(&b, &t.token).await;

    // Started through a.
    let (status, dep) = t
        .call(
            &a,
            reqwest::Method::POST,
            "/deployments",
            Some(json!({"name": "shop", "envId": env, "sourceType": "image",
                        "image": "nginx:1.27", "configs": {"port": 80, "replicas": 3}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dep}");
    let id = dep["data"]["id"].as_str().unwrap().to_string();

    // What only a writes (a card moved through it) reaches b's WebSocket clients.
    let mut delays = Vec::new();
    for step in 0..20 {
        let x = 5000.0 + f64::from(step);
        let sent = Instant::now();
        let (status, _) = t
            .call(
                &a,
                reqwest::Method::PUT,
                &format!("/deployments/{id}/canvas-position"),
                Some(json!({"x": x, "y": 1.0})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), feed.next())
                .await
                .expect("b's WebSocket shows the move made through a")
                .unwrap()
                .unwrap();
            let Ok(text) = msg.into_text() else { continue };
            let frame: Value = serde_json::from_str(&text).unwrap_or_default();
            if frame["type"] == "deployment" && frame["data"]["canvasPosition"]["x"] == json!(x) {
                delays.push(sent.elapsed());
                break;
            }
        }
    }
    delays.sort();
    eprintln!(
        "a change written through a reached b's WebSocket in {:?} (median of 20), {:?} at most",
        delays[10], delays[19]
    );

    // The replica running the rollout is killed (SIGKILL) mid-way: the other finishes it
    // once the lease (3 s) runs out.
    let started = Instant::now();
    let holder = loop {
        let d = t.deployment(&b, &id).await;
        let status = d["data"]["status"].as_str().unwrap_or_default().to_string();
        if (status == "deploying" || status == "rolling_out")
            && let Some(holder) = t.job_holder(&id).await
        {
            break holder;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never got under way: {d}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let other = t.base(1 - holder);
    let killed = Instant::now();
    drop(t.replicas[holder].take());
    let active_after = loop {
        let d = t.deployment(&other, &id).await;
        if d["data"]["status"] == "active" {
            break killed.elapsed();
        }
        assert_ne!(d["data"]["status"], "failed", "{d}");
        assert!(
            killed.elapsed() < Duration::from_secs(90),
            "never finished: {d}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    eprintln!(
        "the replica running the rollout was killed; the other had it active {active_after:?} later (lease 3 s)"
    );
    let b = other;

    let (_, revs) = t
        .call(
            &b,
            reqwest::Method::GET,
            &format!("/deployments/{id}/revisions"),
            None,
        )
        .await;
    assert_eq!(
        revs["data"].as_array().unwrap().len(),
        1,
        "one revision: {revs}"
    );
    let (_, events) = t
        .call(
            &b,
            reqwest::Method::GET,
            &format!("/deployments/{id}/events"),
            None,
        )
        .await;
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in events["data"].as_array().unwrap() {
        if e["status"] == "progress" {
            continue;
        }
        *counts
            .entry((
                e["stage"].as_str().unwrap().to_string(),
                e["status"].as_str().unwrap().to_string(),
            ))
            .or_default() += 1;
    }
    for stage in ["building", "deploying", "rolling_out", "active"] {
        assert!(
            counts.keys().any(|(s, _)| s == stage),
            "no {stage} event: {counts:?}"
        );
    }
    for (key, n) in &counts {
        assert_eq!(*n, 1, "{key:?} written {n} times: {counts:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_writing_positions_across_two_replicas_lose_nothing() {
    let Some(t) = team("fifty_clients_writing_positions_across_two_replicas_lose_nothing") else {
        return;
    };
    let (a, b) = (t.base(0), t.base(1));
    let env = t.demo_env(&a).await;
    let mut ids = Vec::new();
    for i in 0..50 {
        let (status, dep) = t
            .call(
                if i % 2 == 0 { &a } else { &b },
                reqwest::Method::POST,
                "/deployments",
                Some(
                    json!({"name": format!("svc-{i}"), "envId": env, "sourceType": "image",
                            "image": "nginx:1.27"}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{dep}");
        ids.push(dep["data"]["id"].as_str().unwrap().to_string());
    }
    // Released together: each client moves its own card, through one replica or the other.
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(50));
    let writes: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let base = if i % 2 == 0 { b.clone() } else { a.clone() };
            let (http, token, id, barrier) =
                (t.http.clone(), t.token.clone(), id.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let res = http
                    .put(format!("{base}/deployments/{id}/canvas-position"))
                    .bearer_auth(token)
                    .json(&json!({"x": 1000 + i, "y": 2000 + i}))
                    .send()
                    .await
                    .unwrap();
                res.status()
            })
        })
        .collect();
    for w in writes {
        assert_eq!(w.await.unwrap(), StatusCode::OK);
    }
    for base in [&a, &b] {
        let (_, list) = t
            .call(base, reqwest::Method::GET, "/deployments", None)
            .await;
        let by_id: BTreeMap<&str, &Value> = list["data"]
            .as_array()
            .unwrap_or_else(|| panic!("{base}: {list}"))
            .iter()
            .map(|d| (d["id"].as_str().unwrap(), &d["canvasPosition"]))
            .collect();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                by_id[id.as_str()],
                &json!({"x": (1000 + i) as f64, "y": (2000 + i) as f64}),
                "{id} through {base}"
            );
        }
    }
}
