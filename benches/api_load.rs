//! Load on real `zopdeck serve` processes, from this process (the clients, on one thread),
//! loopback only and bounded in time: `GET /api/deployments` with 1,000 deployments from 8
//! clients; canvas-position PUTs from 50 clients — at fixed rates (open loop: each request is
//! timed from the moment it was due, so a slow answer also counts against the ones queued
//! behind it) and as fast as answers come (closed loop, saturation) — then every accepted
//! write is read back; and how long the TUI takes to load an environment of 1,000 cards over
//! HTTP. On the SQLite store (one server) and — when `ZOPDECK_TEST_DATABASE_URL` names a
//! PostgreSQL server (`eval "$(.ci/postgres up)"`) — on the PostgreSQL store with one replica
//! and with two (clients alternating between them, both loaded at once).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zopdeck::app::run::load_snapshot;
use zopdeck::backend::remote::RemoteBackend;

const BIN: &str = env!("CARGO_BIN_EXE_zopdeck");
const DEPLOYMENTS: usize = 1_000;
const LIST_CLIENTS: usize = 8;
const LIST_FOR: Duration = Duration::from_secs(5);
const PUT_CLIENTS: usize = 50;
/// PUTs per second per client, each for `RATE_FOR`: 100, 500, 1,000, 2,000 and 3,000 a second
/// in all.
const RATES: [u32; 5] = [2, 10, 20, 40, 60];
const RATE_FOR: Duration = Duration::from_secs(5);
const SATURATE_FOR: Duration = Duration::from_secs(5);

/// A server process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn zopdeck(data: &Path, db: Option<&str>) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--data-dir").arg(data).arg("--no-demo");
    c.arg("--config").arg(data.join("bench.toml"));
    if let Some(url) = db {
        c.arg("--database").arg(url);
    }
    c.env("ZOPDECK_SANDBOX_SPEED", "200")
        .env_remove("ZOPDECK_DATA_DIR")
        .env_remove("ZOPDECK_API_URL")
        .env_remove("ZOPDECK_DATABASE_URL")
        .stdin(Stdio::null());
    c
}

async fn serve(data: &Path, db: Option<&str>) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = zopdeck(data, db)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let base = format!("http://127.0.0.1:{port}/api");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(&base).await.is_err() {
        assert!(Instant::now() < deadline, "serve on {port} did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (server, base)
}

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

fn main() {
    // The clients on one thread: the servers (and PostgreSQL) keep the machine's other cycles.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("== SQLite store, one server");
        run(None, 1).await;
        let Some(url) = std::env::var("ZOPDECK_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            println!(
                "(no PostgreSQL: ZOPDECK_TEST_DATABASE_URL is unset; `eval \"$(.ci/postgres up)\"` starts one)"
            );
            return;
        };
        for replicas in [1, 2] {
            println!("== PostgreSQL store, {replicas} replica(s)");
            run(Some(&fresh_database(&url).await), replicas).await;
        }
    });
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

/// A request's answer, which must be a success.
async fn ok(req: reqwest::RequestBuilder) -> bytes::Bytes {
    let res = req.send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    res.bytes().await.unwrap()
}

/// The measurements against `replicas` servers on one store (SQLite when `db` is `None`).
async fn run(db: Option<&str>, replicas: usize) {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("bench.toml"),
        "[sandbox]\ncapacity_replicas = 5000\n",
    )
    .unwrap();
    let out = zopdeck(data.path(), db)
        .args(["token", "create", "--name", "load", "--role", "admin"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let mut servers = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..replicas {
        let (server, base) = serve(data.path(), db).await;
        servers.push(server);
        bases.push(base);
    }
    let base = bases[0].clone();
    let http = reqwest::Client::new();
    let ids = seed(&http, &base, &token).await;

    // GET /api/deployments, 1,000 items per answer: the first answer after a change is read
    // from the store (cold); the next ones, while nothing changes, are kept answers.
    let cold = Instant::now();
    ok(http.get(format!("{base}/deployments")).bearer_auth(&token)).await;
    println!(
        "GET /api/deployments, the first after a change: {:.2?}",
        cold.elapsed()
    );
    let started = Instant::now();
    let lists = (0..LIST_CLIENTS).map(|c| {
        let (http, base, token) = (http.clone(), bases[c % replicas].clone(), token.clone());
        async move {
            let mut lat = Vec::new();
            while started.elapsed() < LIST_FOR {
                let t = Instant::now();
                let bytes = ok(http.get(format!("{base}/deployments")).bearer_auth(&token)).await;
                lat.push(t.elapsed());
                // Checked once per client (outside the timing), so the client's JSON parsing
                // does not count as server latency.
                if lat.len() == 1 {
                    let body: Value = serde_json::from_slice(&bytes).unwrap();
                    assert_eq!(body["data"].as_array().map(Vec::len), Some(DEPLOYMENTS));
                }
            }
            lat
        }
    });
    let lat = futures::future::join_all(lists).await.concat();
    report(
        &format!("GET /api/deployments ({DEPLOYMENTS} deployments, {LIST_CLIENTS} clients)"),
        lat,
        started.elapsed(),
    );

    // PUT canvas-position: 50 clients, each moving its own card, at fixed rates.
    let mut step = 0;
    for rate in RATES {
        let lat = puts(&http, &bases, &token, &ids, &mut step, Some(rate)).await;
        report(
            &format!(
                "PUT canvas-position, {PUT_CLIENTS} clients × {rate}/s = {}/s (open loop)",
                PUT_CLIENTS as u32 * rate
            ),
            lat,
            RATE_FOR,
        );
    }
    let started = Instant::now();
    let lat = puts(&http, &bases, &token, &ids, &mut step, None).await;
    report(
        &format!("PUT canvas-position, {PUT_CLIENTS} clients as fast as answered (closed loop)"),
        lat,
        started.elapsed(),
    );

    // Nothing lost: every card's last accepted position is what each server returns.
    let mut lost = 0;
    for base in &bases {
        for (c, id) in ids.iter().take(PUT_CLIENTS).enumerate() {
            let d: Value = serde_json::from_slice(
                &ok(http
                    .get(format!("{base}/deployments/{id}"))
                    .bearer_auth(&token))
                .await,
            )
            .unwrap();
            if d["data"]["canvasPosition"] != json!({"x": c as f64 * 240.0, "y": step as f64}) {
                lost += 1;
            }
        }
    }
    println!(
        "read back {} positions on {replicas} server(s): {lost} lost",
        PUT_CLIENTS * replicas
    );
    assert_eq!(lost, 0);

    // What the TUI does on start over HTTP: the environment and every card's details.
    let env = envs(&http, &base, &token).await;
    let remote = RemoteBackend::connect(&base, &token).unwrap();
    let started = Instant::now();
    let first = load_snapshot(remote.as_ref(), Some(&env), &HashSet::new())
        .await
        .unwrap();
    let first_took = started.elapsed();
    assert_eq!(first.deployments.len(), DEPLOYMENTS);
    let known: HashSet<String> = first.revision_numbers.into_iter().map(|(r, _)| r).collect();
    let started = Instant::now();
    let again = load_snapshot(remote.as_ref(), Some(&env), &known)
        .await
        .unwrap();
    assert_eq!(again.deployments.len(), DEPLOYMENTS);
    println!(
        "TUI load over HTTP ({DEPLOYMENTS} cards): first {first_took:.2?}, reload {:.2?}",
        started.elapsed()
    );
    drop(servers);
}

/// The first environment's id.
async fn envs(http: &reqwest::Client, base: &str, token: &str) -> String {
    let body: Value = serde_json::from_slice(
        &ok(http.get(format!("{base}/environments")).bearer_auth(token)).await,
    )
    .unwrap();
    body["data"][0]["id"].as_str().unwrap().to_string()
}

/// 1,000 deployments, created 16 at a time, then waited for until none rolls out (so that
/// the runs measure the requests alone); their ids.
async fn seed(http: &reqwest::Client, base: &str, token: &str) -> Vec<String> {
    let env = envs(http, base, token).await;
    let mut ids = Vec::new();
    for chunk in (0..DEPLOYMENTS).collect::<Vec<_>>().chunks(16) {
        let made = chunk.iter().map(|i| {
            let body = json!({"name": format!("svc-{i}"), "envId": env, "sourceType": "image",
                "image": format!("ghcr.io/acme/svc:{i}"), "configs": {"port": 8080}});
            let req = http
                .post(format!("{base}/deployments"))
                .bearer_auth(token)
                .json(&body);
            async move {
                let d: Value = serde_json::from_slice(&ok(req).await).unwrap();
                d["data"]["id"].as_str().unwrap().to_string()
            }
        });
        ids.extend(futures::future::join_all(made).await);
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let body: Value = serde_json::from_slice(
            &ok(http.get(format!("{base}/deployments")).bearer_auth(token)).await,
        )
        .unwrap();
        let busy = body["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| !matches!(d["status"].as_str(), Some("active" | "failed")))
            .count();
        if busy == 0 {
            return ids;
        }
        assert!(
            Instant::now() < deadline,
            "{busy} rollouts still going after 5 min"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// 50 clients, client `c` moving card `c` to x = 240·c, y = the step: at `rate` a second each
/// for `RATE_FOR` (each client's first request at a random moment of its first interval), or
/// with `None` as fast as answers come for `SATURATE_FOR`, all released together. The
/// latencies: for a fixed rate from when each request was due.
async fn puts(
    http: &reqwest::Client,
    bases: &[String],
    token: &str,
    ids: &[String],
    step: &mut usize,
    rate: Option<u32>,
) -> Vec<Duration> {
    let first = *step;
    let count = rate.map(|r| (r as f64 * RATE_FOR.as_secs_f64()) as usize);
    let start = tokio::time::Instant::now() + Duration::from_millis(100);
    let clients = ids.iter().take(PUT_CLIENTS).enumerate().map(|(c, id)| {
        let url = format!(
            "{}/deployments/{id}/canvas-position",
            bases[c % bases.len()]
        );
        let http = http.clone();
        async move {
            let mut lat = Vec::new();
            let phase = Duration::from_secs_f64(rand::random::<f64>());
            tokio::time::sleep_until(start).await;
            let began = tokio::time::Instant::now();
            let mut k = 0;
            loop {
                let due = match (rate, count) {
                    (Some(r), Some(n)) if k < n => {
                        began + (phase + Duration::from_secs(k as u64)) / r
                    }
                    (None, _) if began.elapsed() < SATURATE_FOR => tokio::time::Instant::now(),
                    _ => return (lat, first + k),
                };
                tokio::time::sleep_until(due).await;
                let y = (first + k + 1) as f64;
                ok(http
                    .put(&url)
                    .bearer_auth(token)
                    .json(&json!({"x": c as f64 * 240.0, "y": y})))
                .await;
                lat.push(due.elapsed());
                k += 1;
            }
        }
    });
    let done = futures::future::join_all(clients).await;
    // Every card ends at the same step: the clients that fell short of the slowest catch up
    // (untimed), so the read-back knows each card's last position.
    let last = done.iter().map(|(_, s)| *s).max().unwrap_or(first);
    for (c, (_, s)) in done.iter().enumerate() {
        if *s < last {
            let url = format!(
                "{}/deployments/{}/canvas-position",
                bases[c % bases.len()],
                ids[c]
            );
            ok(http
                .put(&url)
                .bearer_auth(token)
                .json(&json!({"x": c as f64 * 240.0, "y": last as f64})))
            .await;
        }
    }
    *step = last;
    done.into_iter().flat_map(|(l, _)| l).collect()
}
