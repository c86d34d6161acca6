//! The PostgreSQL store when things go wrong: a wrong password or an unreachable server is
//! said at start with what to do; a database that goes away mid-work makes requests answer
//! 503 saying so, writes leave nothing half done, and requests work again once it is back.
//! The outage is made by a TCP relay between the engine and the test PostgreSQL that drops
//! every connection and refuses new ones, then lets them through again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/http.rs"]
mod http;
#[path = "support/pg.rs"]
mod pg;
#[path = "support/real_serve.rs"]
mod real_serve;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use zopdeck::backend::engine::store::Store;
use zopdeck::backend::engine::{Engine, OpenOptions};
use zopdeck::backend::serve::ServeOptions;

/// A relay to `target` that can be cut (every connection dropped, new ones refused) and
/// restored.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    cut: Arc<tokio::sync::Notify>,
}

impl Relay {
    /// Runs on a runtime of its own: the engine's store calls block the test runtime's
    /// threads while they wait for PostgreSQL, whose bytes this relay carries.
    fn to(target: String) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(tokio::sync::Notify::new());
        let (up2, cut2) = (up.clone(), cut.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((mut inbound, _)) = listener.accept().await else {
                        return;
                    };
                    if !up2.load(Ordering::SeqCst) {
                        drop(inbound);
                        continue;
                    }
                    let (target, cut) = (target.clone(), cut2.clone());
                    tokio::spawn(async move {
                        let Ok(mut outbound) = TcpStream::connect(&target).await else {
                            return;
                        };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            () = cut.notified() => {}
                        }
                    });
                }
            });
        });
        Self { port, up, cut }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// `url` going through `port` on loopback instead of its own host and port.
fn through(url: &str, port: u16) -> String {
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let (_, db) = rest.split_once('/').unwrap();
    format!("{scheme_user}@127.0.0.1:{port}/{db}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_away_gives_503s_then_requests_recover_with_nothing_half_written() {
    let Some(url) = pg::fresh_database("a_database_that_goes_away") else {
        return;
    };
    let target = url
        .split_once('@')
        .unwrap()
        .1
        .split_once('/')
        .unwrap()
        .0
        .to_string();
    let relay = Relay::to(target);
    let store = Store::open_pg(&through(&url, relay.port)).unwrap();
    let engine = Engine::on_store(
        store,
        http::fast_settings(),
        OpenOptions {
            demo: false,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let s = http::serve_engine(engine, ServeOptions::default()).await;
    let call = |method: Method, path: String, body: Option<serde_json::Value>| {
        let s = &s;
        async move { s.call(&s.admin, method, &path, body).await }
    };
    let (_, envs) = call(Method::GET, "/environments".into(), None).await;
    let env = envs["data"][0]["id"].as_str().unwrap().to_string();
    let (status, dep) = call(
        Method::POST,
        "/deployments".into(),
        Some(
            json!({"name": "api", "envId": env, "sourceType": "image", "image": "nginx:1.27",
                    "configs": {"replicas": 1}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{dep}");
    let id = dep["data"]["id"].as_str().unwrap().to_string();

    relay.cut();
    for (method, path, body) in [
        (Method::GET, "/deployments".to_string(), None),
        (
            Method::PATCH,
            format!("/deployments/{id}/configs"),
            Some(json!({"configs": {"replicas": 5}})),
        ),
        (
            Method::PUT,
            format!("/deployments/{id}/canvas-position"),
            Some(json!({"x": 9, "y": 9})),
        ),
    ] {
        let (status, body) = call(method.clone(), path.clone(), body).await;
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{method} {path}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("cannot be reached") && message.contains("once it is back"),
            "{message}"
        );
        assert_eq!(body["error"]["code"], "unavailable");
    }

    relay.restore();
    let mut back = None;
    for _ in 0..100 {
        let (status, list) = call(Method::GET, "/deployments".into(), None).await;
        if status == StatusCode::OK {
            back = Some(list);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let list = back.expect("requests work again once the database is back");
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    // Nothing of the refused writes was kept: no revision #2, configs and position as before.
    let (_, revs) = call(Method::GET, format!("/deployments/{id}/revisions"), None).await;
    assert_eq!(revs["data"].as_array().unwrap().len(), 1, "{revs}");
    let (_, d) = call(Method::GET, format!("/deployments/{id}"), None).await;
    let configs: serde_json::Value =
        serde_json::from_str(d["data"]["configs"].as_str().unwrap()).unwrap();
    assert_eq!(configs["replicas"], 1, "{d}");
    assert_ne!(d["data"]["canvasPosition"], json!({"x": 9.0, "y": 9.0}));
    // And writes work again.
    let (status, _) = call(
        Method::PATCH,
        format!("/deployments/{id}/configs"),
        Some(json!({"configs": {"replicas": 2}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn a_wrong_password_or_an_unreachable_server_is_said_at_start() {
    let Some(url) = pg::fresh_database("a_wrong_password_or_an_unreachable_server") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (user, rest) = url.split_once('@').unwrap();
    let (scheme_user, _password) = user.rsplit_once(':').unwrap();
    let wrong_password = format!("{scheme_user}:not-the-password@{rest}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nobody_there = through(&url, port);
    let missing_db = pg::with_database(&url, "no_such_database");
    for (url, says) in [
        (wrong_password.as_str(), "check the user and password"),
        (nobody_there.as_str(), "check the host and port"),
        (missing_db.as_str(), "create it (createdb)"),
        (
            "postgres://db.example:port/x",
            "write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE",
        ),
    ] {
        let out = std::process::Command::new(real_serve::BIN)
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--database", url, "serve", "--listen", "127.0.0.1:0"])
            .env_remove("ZOPDECK_DATABASE_URL")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url}: {stderr}");
        assert!(stderr.contains(says), "{url}: {stderr}");
        assert!(
            !stderr.contains("not-the-password") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}
