//! Hardening of `zopdeck serve` (issue 10): read-only servers, secrets hidden from viewers,
//! strict bodies, the error envelope on every answer, remote-only repositories, and the
//! memory of WebSocket connections.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/http.rs"]
mod http;
#[path = "support/real_serve.rs"]
mod real_serve;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use http::{Ws, fast_settings, server, server_with, ws_connect};
use real_serve::{RealServe, admin_token};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use zopdeck::backend::Backend;
use zopdeck::backend::engine::EngineSettings;
use zopdeck::backend::model::*;
use zopdeck::backend::serve::ServeOptions;

/// Text frames received until `done` says enough (or 20 s pass).
async fn frames_until(ws: &mut Ws, done: impl Fn(&[String]) -> bool) -> Vec<String> {
    let mut frames = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done(&frames) {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => frames.push(t.to_string()),
            Ok(Some(Ok(_))) => {}
            _ => break,
        }
    }
    frames
}

fn assert_envelope(what: &str, status: StatusCode, want: StatusCode, body: &Value) {
    assert_eq!(status, want, "{what}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
            && body["error"]["code"].is_string(),
        "{what}: no error envelope in {body}"
    );
}

/// A route and a body for it.
fn r(method: &str, path: impl Into<String>, body: Value) -> (Method, String, Value) {
    (method.parse().unwrap(), path.into(), body)
}

const ACCESS: &str = "/cloud-accounts/ca_sandbox/clusters/local/sandbox/access";

// ---- 3. read-only ----

#[tokio::test]
async fn a_read_only_server_refuses_every_change_before_any_lookup() {
    let opts = ServeOptions {
        read_only: true,
        ..ServeOptions::default()
    };
    let s = server_with(fast_settings(), opts).await;
    let env = s.env_id().await;
    let dep = s
        .engine
        .create_deployment(NewDeployment {
            name: "shop".into(),
            env_id: Some(env.clone()),
            image: Some("nginx:1.27".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = dep.id.clone();
    let rev = dep.current_revision_id.clone().unwrap();
    let space = dep.space_id.clone();
    #[rustfmt::skip]
    let changes = [
        r("POST", "/deployments", json!({"name": "x", "envId": env, "image": "nginx:1"})),
        r("POST", format!("/environments/{env}/deployments"), json!({"name": "y", "image": "n:1"})),
        r("PATCH", format!("/deployments/{id}/configs"), json!({"configs": {"replicas": 2}})),
        r("PUT", format!("/deployments/{id}/canvas-position"), json!({"x": 1, "y": 2})),
        r("POST", format!("/deployments/{id}/revisions"), json!({"image": "nginx:2"})),
        r("POST", format!("/deployments/{id}/rollback"), json!({"toRevisionID": rev})),
        r("DELETE", format!("/deployments/{id}"), Value::Null),
        r("DELETE", "/deployments/dep_unknown", Value::Null),
        r("POST", "/environments", json!({"name": "qa", "spaceId": space, "namespace": "qa"})),
        r("POST", "/spaces", json!({"name": "s", "provider": "aws", "cloudAccountId": "ca_x"})),
        r("PUT", format!("/spaces/{space}/status"), json!({"status": "inactive"})),
        r("DELETE", format!("/spaces/{space}"), Value::Null),
        r("POST", format!("/space-discovery/{space}/namespaces"), json!({"name": "team"})),
        r("PUT", ACCESS, Value::Null),
        r("DELETE", ACCESS, Value::Null),
    ];
    for (method, path, body) in changes {
        let body = (!body.is_null()).then_some(body);
        let (status, err) = s.call(&s.admin, method.clone(), &path, body).await;
        assert_envelope(
            &format!("{method} {path}"),
            status,
            StatusCode::FORBIDDEN,
            &err,
        );
        assert_eq!(err["error"]["code"], "read_only", "{method} {path}: {err}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap()
                .contains("started read-only"),
            "{err}"
        );
    }
    // A keyed POST is refused too, not replayed or remembered.
    let keyed = s
        .http
        .post(format!("{}/deployments", s.base))
        .bearer_auth(&s.admin)
        .header("Idempotency-Key", "5b8f4c3e-0000-4000-8000-00000000000a")
        .json(&json!({"name": "z", "envId": env, "image": "nginx:1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(keyed.status(), StatusCode::FORBIDDEN);

    // Reads keep working, and show that nothing changed.
    let (status, list) = s.call(&s.viewer, Method::GET, "/deployments", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (_, revs) = s
        .call(
            &s.admin,
            Method::GET,
            &format!("/deployments/{id}/revisions"),
            None,
        )
        .await;
    assert_eq!(revs["data"].as_array().unwrap().len(), 1);
    let (status, _) = s.call(&s.admin, Method::GET, "/spaces", None).await;
    assert_eq!(status, StatusCode::OK);
    // Analyze changes nothing: a read-only server still answers it (as the read-only TUI does).
    let (status, a) = s
        .call(
            &s.admin,
            Method::POST,
            &format!("/deployments/{id}/analyze"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(
        s.engine.list_spaces().await.unwrap()[0].status,
        SpaceStatus::Active
    );
}

#[tokio::test]
async fn the_stream_of_a_read_only_server_works_and_changes_nothing() {
    let opts = ServeOptions {
        read_only: true,
        ..ServeOptions::default()
    };
    let s = server_with(fast_settings(), opts).await;
    let mut ws = ws_connect(&s.base, &s.admin).await;
    for text in [
        r#"{"type":"deployment","data":{"name":"evil"}}"#,
        r#"{"method":"DELETE","path":"/deployments/x"}"#,
    ] {
        ws.send(Message::Text(text.into())).await.unwrap();
    }
    let env = s.env_id().await;
    let dep = s
        .engine
        .create_deployment(NewDeployment {
            name: "live".into(),
            env_id: Some(env),
            image: Some("nginx:1.27".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let frames = frames_until(&mut ws, |f| f.iter().any(|t| t.contains(&dep.id))).await;
    assert!(
        frames.iter().any(|t| t.contains(&dep.id)),
        "the stream still pushes changes: {frames:?}"
    );
    let names: Vec<String> = s
        .engine
        .list_deployments(None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(
        names,
        ["live"],
        "nothing sent on the stream changed anything"
    );
}

// ---- 6. secrets hidden from viewers ----

const SECRET: &str = "hunter2-s3cr3t";

#[tokio::test]
async fn a_read_only_server_runs_beside_the_one_that_runs_the_workers_and_follows_it() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let fast = [("ZOPDECK_SANDBOX_SPEED", "50")];
    // The writable server holds the data dir's workers; a read-only one starts beside it
    // (it used to be refused: another zopdeck runs the workers there).
    let rw = RealServe::start(dir.path(), &[], &fast);
    let ro = RealServe::start(dir.path(), &["--read-only"], &fast);
    let http = reqwest::Client::new();
    let (status, envs) = get(&http, &ro.base, &token, "/environments").await;
    assert_eq!(status, StatusCode::OK, "{envs}");
    let env = envs["data"][0]["id"].as_str().unwrap().to_string();
    let (_, deps) = get(&http, &ro.base, &token, "/deployments").await;
    assert_eq!(deps["data"].as_array().map(Vec::len), Some(0), "{deps}");
    // A deployment made through the writable server rolls out there and is seen here.
    let made = http
        .post(format!("{}/deployments", rw.base))
        .bearer_auth(&token)
        .json(&json!({"name": "web", "envId": env, "sourceType": "image", "image": "nginx:1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (_, deps) = get(&http, &ro.base, &token, "/deployments").await;
        if deps["data"][0]["status"] == "active" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the read-only server never saw it active: {deps}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Still read-only.
    let refused = http
        .post(format!("{}/deployments", ro.base))
        .bearer_auth(&token)
        .json(&json!({"name": "api", "envId": env, "sourceType": "image", "image": "nginx:1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

fn secret_configs() -> Value {
    json!({"port": 80, "envVars": {
        "LOG_LEVEL": "info", "DB_PASSWORD": SECRET, "stripe_api_key": SECRET,
        "GithubToken": SECRET, "CLIENT_SECRET": SECRET
    }})
}

fn env_vars_of(configs: &Value) -> Value {
    let text = configs.as_str().expect("configs is a JSON string");
    serde_json::from_str::<Value>(text).unwrap()["envVars"].clone()
}

#[tokio::test]
async fn viewers_never_receive_secret_env_values() {
    let s = server().await;
    let dep = s.create_with("shop", secret_configs()).await;
    let id = dep["id"].as_str().unwrap().to_string();
    let env = dep["envId"].as_str().unwrap().to_string();
    let mut viewer_ws = ws_connect(&s.base, &s.viewer).await;
    let mut admin_ws = ws_connect(&s.base, &s.admin).await;
    let (status, patched) = s
        .call(
            &s.deployer,
            Method::PATCH,
            &format!("/deployments/{id}/configs"),
            Some(json!({"configs": {"replicas": 2}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let (_, revs) = s
        .call(
            &s.admin,
            Method::GET,
            &format!("/deployments/{id}/revisions"),
            None,
        )
        .await;
    let rev = revs["data"][0]["id"].as_str().unwrap().to_string();

    let reads = [
        (format!("/deployments/{id}"), "/data/configs"),
        ("/deployments".to_string(), "/data/0/configs"),
        (
            format!("/environments/{env}/deployments"),
            "/data/0/configs",
        ),
        (format!("/deployments/{id}/revisions"), "/data/0/configs"),
        (format!("/deployments/{id}/revisions"), "/data/1/configs"),
        (
            format!("/deployments/{id}/revisions/{rev}"),
            "/data/configs",
        ),
    ];
    for (path, pointer) in &reads {
        let (status, body) = s.call(&s.viewer, Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert!(
            !body.to_string().contains(SECRET),
            "a viewer got a secret from {path}: {body}"
        );
        let vars = env_vars_of(body.pointer(pointer).unwrap());
        assert_eq!(vars["LOG_LEVEL"], "info", "{path}");
        for name in [
            "DB_PASSWORD",
            "stripe_api_key",
            "GithubToken",
            "CLIENT_SECRET",
        ] {
            assert_eq!(vars[name], "<redacted>", "{path} {name}");
        }
        for token in [&s.admin, &s.deployer] {
            let (_, body) = s.call(token, Method::GET, path, None).await;
            assert_eq!(
                env_vars_of(body.pointer(pointer).unwrap())["DB_PASSWORD"],
                SECRET
            );
        }
    }

    let seen = |f: &[String]| {
        f.iter()
            .filter(|t| t.contains(r#""type":"deployment""#))
            .count()
            >= 2
    };
    let viewer_frames = frames_until(&mut viewer_ws, seen).await;
    let admin_frames = frames_until(&mut admin_ws, seen).await;
    assert!(seen(&viewer_frames), "{viewer_frames:?}");
    for frame in &viewer_frames {
        assert!(
            !frame.contains(SECRET),
            "a viewer's frame carries a secret: {frame}"
        );
    }
    assert!(viewer_frames.iter().any(|f| f.contains("<redacted>")));
    assert!(
        admin_frames.iter().any(|f| f.contains(SECRET)),
        "an admin sees the values: {admin_frames:?}"
    );
}

/// The hex form of a text (how frame dumps print payloads).
fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn no_log_line_prints_configs_values_even_at_trace_level() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let srv = RealServe::start(dir.path(), &[], &[("ZOPDECK_LOG", "trace")]);
    let http = reqwest::Client::new();
    let (_, envs) = get(&http, &srv.base, &token, "/environments").await;
    let env = envs["data"][0]["id"].as_str().unwrap().to_string();
    let mut ws = ws_connect(&srv.base, &token).await;
    let res = http
        .post(format!("{}/deployments", srv.base))
        .bearer_auth(&token)
        .json(&json!({"name": "shop", "envId": env, "image": "nginx:1.27",
                      "configs": secret_configs()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let frames = frames_until(&mut ws, |f| f.iter().any(|t| t.contains(SECRET))).await;
    assert!(
        frames.iter().any(|t| t.contains(SECRET)),
        "the admin's stream got the configs"
    );
    get(&http, &srv.base, &token, "/deployments").await;
    drop(ws);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = std::fs::read_to_string(dir.path().join("zopdeck.log")).unwrap();
    assert!(log.contains("serving"), "the log is written: {log}");
    assert!(
        !log.contains(SECRET) && !log.contains(&hex(SECRET)),
        "a log line prints an env value"
    );
}

async fn get(http: &reqwest::Client, base: &str, token: &str, path: &str) -> (StatusCode, Value) {
    let res = http
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

// ---- 7. strict bodies ----

#[tokio::test]
async fn bodies_are_one_object_of_known_fields() {
    let s = server().await;
    let dep = s.create("shop").await;
    let id = dep["id"].as_str().unwrap();
    let env = dep["envId"].as_str().unwrap();
    let space = dep["spaceId"].as_str().unwrap();
    let rev = dep["currentRevisionId"].as_str().unwrap();
    // Each route with a body, a good body for it, and a field it does not know.
    let space_body = json!({"name": "s2", "provider": "aws", "cloudAccountId": "ca_sandbox",
                            "config": {"clusterName": "sandbox", "region": "local"}});
    #[rustfmt::skip]
    let routes = [
        r("POST", "/deployments", json!({"name": "a1", "envId": env, "image": "nginx:1"})),
        r("POST", format!("/environments/{env}/deployments"), json!({"name": "b", "image": "n:1"})),
        r("PATCH", format!("/deployments/{id}/configs"), json!({"configs": {"replicas": 2}})),
        r("PUT", format!("/deployments/{id}/canvas-position"), json!({"x": 1, "y": 2})),
        r("POST", format!("/deployments/{id}/revisions"), json!({"image": "n:2", "note": "n"})),
        r("POST", format!("/deployments/{id}/rollback"), json!({"toRevisionID": rev})),
        r("POST", "/environments", json!({"name": "qa", "spaceId": space, "namespace": "qa"})),
        r("POST", "/spaces", space_body),
        r("PUT", format!("/spaces/{space}/status"), json!({"status": "active"})),
        r("POST", format!("/space-discovery/{space}/namespaces"), json!({"name": "team"})),
    ];
    for (method, path, good) in &routes {
        let what = format!("{method} {path}");
        let text = good.to_string();
        let mut unknown = good.clone();
        unknown["bogusField"] = json!(1);
        let array = Value::Array(good.as_object().unwrap().values().cloned().collect());
        let cases = [
            (format!("{text} {{}}"), None, "trailing data"),
            (format!("{text}x"), None, "trailing data"),
            (array.to_string(), None, "an array"),
            ("[]".to_string(), None, "an array"),
            (unknown.to_string(), Some("bogusField"), "an unknown field"),
        ];
        for (body, field, case) in cases {
            let (status, err) = s.raw(&s.admin, method.clone(), path, &body).await;
            assert_envelope(
                &format!("{what} with {case}: {body}"),
                status,
                StatusCode::BAD_REQUEST,
                &err,
            );
            if let Some(f) = field {
                assert_eq!(err["error"]["field"], f, "{what}: {err}");
                assert!(
                    err["error"]["message"].as_str().unwrap().contains(f),
                    "{err}"
                );
            }
        }
        // Trailing whitespace is no data: the body is read (whatever the engine says of it).
        let (status, ok) = s
            .raw(&s.admin, method.clone(), path, &format!("{text} \n"))
            .await;
        assert_ne!(
            status,
            StatusCode::BAD_REQUEST,
            "{what} with a good body: {ok}"
        );
    }
    // Nested objects are strict too.
    for (position, field) in [
        (json!([1, 2]), "canvasPosition"),
        (json!({"x": 1, "y": 2, "z": 3}), "canvasPosition.z"),
    ] {
        let body =
            json!({"name": "a3", "envId": env, "image": "nginx:1", "canvasPosition": position});
        let (status, err) = s
            .raw(&s.admin, Method::POST, "/deployments", &body.to_string())
            .await;
        assert_envelope("a nested array", status, StatusCode::BAD_REQUEST, &err);
        assert_eq!(err["error"]["field"], field, "{err}");
    }
}

#[tokio::test]
async fn an_image_with_surrounding_whitespace_is_refused_not_trimmed() {
    let s = server().await;
    let dep = s.create("shop").await;
    let id = dep["id"].as_str().unwrap();
    let env = dep["envId"].as_str().unwrap();
    for image in [" nginx:1.27", "nginx:1.27 ", "\tnginx:1.27\n"] {
        let (status, err) = s
            .call(
                &s.deployer,
                Method::POST,
                "/deployments",
                Some(json!({"name": "padded", "envId": env, "image": image})),
            )
            .await;
        assert_envelope(
            &format!("create {image:?}"),
            status,
            StatusCode::BAD_REQUEST,
            &err,
        );
        assert_eq!(err["error"]["field"], "image", "{err}");
        // A tab or newline is a control character, refused as such before the padding.
        let message = err["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("whitespace") || message.contains("control characters"),
            "{err}"
        );
        let (status, err) = s
            .call(
                &s.deployer,
                Method::POST,
                &format!("/deployments/{id}/revisions"),
                Some(json!({"image": image})),
            )
            .await;
        assert_envelope(
            &format!("revision {image:?}"),
            status,
            StatusCode::BAD_REQUEST,
            &err,
        );
        assert_eq!(err["error"]["field"], "image", "{err}");
    }
    let (_, list) = s.call(&s.viewer, Method::GET, "/deployments", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "nothing created");
}

// ---- 8. the envelope on every error ----

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_envelope() {
    let s = server().await;
    let dep = s.create("shop").await;
    let id = dep["id"].as_str().unwrap();
    for path in ["/api/nope", "/api/deployments/x/y/z", "/nope", "/", "/api"] {
        let res = s
            .http
            .get(format!("http://{}{path}", s.addr))
            .bearer_auth(&s.admin)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_envelope(&format!("GET {path}"), status, StatusCode::NOT_FOUND, &body);
        assert_eq!(
            body["error"]["code"], "no_route",
            "not an unknown id: {body}"
        );
    }
    for (method, path) in [
        (Method::POST, format!("/deployments/{id}/events")),
        (Method::DELETE, "/environments".to_string()),
        (Method::PATCH, format!("/deployments/{id}")),
        (Method::PUT, "/ws".to_string()),
    ] {
        let res = s
            .http
            .request(method.clone(), format!("{}{path}", s.base))
            .bearer_auth(&s.admin)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let allow = res.headers().get("allow").cloned();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert_envelope(
            &format!("{method} {path}"),
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            &body,
        );
        assert!(
            allow.is_some(),
            "{method} {path} says which methods it takes"
        );
    }
}

#[tokio::test]
async fn oversized_requests_answer_in_the_envelope() {
    let s = server().await;
    let long = format!("{}/deployments?pad={}", s.base, "a".repeat(10 * 1024));
    let res = s.http.get(long).bearer_auth(&s.admin).send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_envelope("a long URI", status, StatusCode::URI_TOO_LONG, &body);

    let res = s
        .http
        .get(format!("{}/deployments", s.base))
        .bearer_auth(&s.admin)
        .header("x-big", "b".repeat(40 * 1024))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_envelope(
        "a large header",
        status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        &body,
    );

    let mut req = s
        .http
        .get(format!("{}/deployments", s.base))
        .bearer_auth(&s.admin);
    for i in 0..80 {
        req = req.header(format!("x-h{i}"), "v");
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_envelope(
        "many headers",
        status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        &body,
    );
}

#[tokio::test]
async fn bad_paths_queries_and_handshakes_answer_in_the_envelope() {
    let s = server().await;
    let dep = s.create("shop").await;
    let id = dep["id"].as_str().unwrap();
    for path in [
        "/deployments/%FF".to_string(),
        "/deployments/dep_%C3%28/events".to_string(),
        format!("/deployments/{id}/revisions/%80"),
        "/spaces/%FE%FF".to_string(),
    ] {
        let (status, body) = s.call(&s.admin, Method::GET, &path, None).await;
        assert_envelope(
            &format!("GET {path}"),
            status,
            StatusCode::BAD_REQUEST,
            &body,
        );
    }
    for path in [
        format!("/deployments/{id}/events?after=ev_1&after=ev_2"),
        "/deployments?after=1&after=2".to_string(),
        format!("/deployments/{id}/events?aft%65r=ev_1&after=ev_2"),
    ] {
        let (status, body) = s.call(&s.viewer, Method::GET, &path, None).await;
        assert_envelope(
            &format!("GET {path}"),
            status,
            StatusCode::BAD_REQUEST,
            &body,
        );
        assert_eq!(body["error"]["field"], "after", "{body}");
    }
    // A plain GET of the stream, and one with a broken handshake.
    let res = s
        .http
        .get(format!("{}/ws", s.base))
        .bearer_auth(&s.viewer)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_envelope("a plain GET /ws", status, StatusCode::BAD_REQUEST, &body);
    let res = s
        .http
        .get(format!("{}/ws", s.base))
        .bearer_auth(&s.viewer)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "12")
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_envelope(
        "a bad websocket version",
        status,
        StatusCode::BAD_REQUEST,
        &body,
    );
}

// ---- 12. remote repositories only ----

fn git_body(env: &str, name: &str, repo: &str) -> Value {
    json!({"name": name, "envId": env, "sourceType": "git", "repoUrl": repo, "branch": "main"})
}

#[tokio::test]
async fn a_server_refuses_local_repositories_at_create_time() {
    let mut settings = fast_settings();
    settings.local_repos = false;
    let s = server_with(settings, ServeOptions::default()).await;
    let env = s.env_id().await;
    let repo = tempfile::tempdir().unwrap();
    let path = repo.path().display().to_string();
    for url in [
        format!("file://{path}"),
        path.clone(),
        "./repo".into(),
        "ext::sh -c id".into(),
    ] {
        let (status, err) = s
            .call(
                &s.deployer,
                Method::POST,
                "/deployments",
                Some(git_body(&env, "local", &url)),
            )
            .await;
        assert_envelope(
            &format!("repoUrl {url}"),
            status,
            StatusCode::BAD_REQUEST,
            &err,
        );
        assert_eq!(err["error"]["field"], "repoUrl", "{err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("does not clone local repositories")
                && message.contains("--allow-local-repos"),
            "{message}"
        );
    }
    for url in [
        "https://git.invalid/acme/shop",
        "git@git.invalid:acme/shop.git",
    ] {
        let name = if url.starts_with("https") {
            "remote-a"
        } else {
            "remote-b"
        };
        let (status, dep) = s
            .call(
                &s.deployer,
                Method::POST,
                "/deployments",
                Some(git_body(&env, name, url)),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{url}: {dep}");
    }
}

/// Runs git in `dir` with a throwaway identity.
fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@zopdeck.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_local_repository_queued_before_is_not_cloned_by_a_server() {
    use zopdeck::backend::engine::{Engine, OpenOptions};
    let repo = tempfile::tempdir().unwrap();
    git(repo.path(), &["init", "--quiet", "-b", "main"]);
    std::fs::write(repo.path().join("go.mod"), "module x").unwrap();
    git(repo.path(), &["add", "."]);
    git(repo.path(), &["commit", "--quiet", "-m", "first"]);
    let data = tempfile::tempdir().unwrap();
    let fast = |local_repos| EngineSettings {
        local_repos,
        ..fast_settings()
    };
    // A CLI with --no-wait queues it (no workers), then a server's workers pick it up.
    let cli = Engine::open(
        data.path(),
        fast(true),
        OpenOptions {
            demo: false,
            workers: false,
            viewer: false,
        },
    )
    .await
    .unwrap();
    let env = cli.list_environments().await.unwrap()[0].id.clone();
    let dep = cli
        .create_deployment(NewDeployment {
            name: "local".into(),
            env_id: Some(env),
            source_type: Some(SourceType::Git),
            repo_url: Some(format!("file://{}", repo.path().display())),
            branch: Some("main".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    drop(cli);
    let server = Engine::open(
        data.path(),
        fast(false),
        OpenOptions {
            demo: false,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut reason = String::new();
    for _ in 0..600 {
        let events = server.list_events(&dep.id, None).await.unwrap();
        if let Some(e) = events.iter().find(|e| e.status == EventStatus::Failed) {
            reason = e.meta["reason"].as_str().unwrap_or_default().to_string();
            break;
        }
        assert!(
            !events.iter().any(|e| e.stage == Stage::Deploying),
            "the local repository was cloned and built: {events:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        reason.contains("does not clone local repositories"),
        "{reason:?}"
    );
    server.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn the_real_server_takes_its_flags_from_the_command_line_and_config() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let http = reqwest::Client::new();
    let post = |base: String, body: Value| {
        let req = http
            .post(format!("{base}/deployments"))
            .bearer_auth(&token)
            .json(&body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let local = format!("file://{}", dir.path().join("no-repo").display());
    let id;
    {
        let srv = RealServe::start(dir.path(), &[], &[]);
        let (_, envs) = get(&http, &srv.base, &token, "/environments").await;
        let env = envs["data"][0]["id"].as_str().unwrap().to_string();
        let (status, err) = post(srv.base.clone(), git_body(&env, "local", &local)).await;
        assert_envelope("a local repo", status, StatusCode::BAD_REQUEST, &err);
        assert_eq!(err["error"]["field"], "repoUrl");
        drop(srv);
        let srv = RealServe::start(dir.path(), &["--allow-local-repos"], &[]);
        let (status, dep) = post(srv.base.clone(), git_body(&env, "local", &local)).await;
        assert_eq!(status, StatusCode::CREATED, "{dep}");
        id = dep["data"]["id"].as_str().unwrap().to_string();
    }
    let config = dir.path().join("read-only.toml");
    std::fs::write(&config, "read_only = true\n").unwrap();
    let config_arg = config.display().to_string();
    for args in [vec!["--read-only"], vec!["--config", config_arg.as_str()]] {
        let srv = RealServe::start(dir.path(), &args, &[]);
        let res = http
            .put(format!("{}/deployments/{id}/canvas-position", srv.base))
            .bearer_auth(&token)
            .json(&json!({"x": 5, "y": 5}))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_envelope(&format!("{args:?}"), status, StatusCode::FORBIDDEN, &body);
        assert_eq!(body["error"]["code"], "read_only");
        let (status, _) = get(&http, &srv.base, &token, &format!("/deployments/{id}")).await;
        assert_eq!(status, StatusCode::OK);
    }
}

// ---- 13. WebSocket memory ----

const CONNECTIONS: usize = 500;
const CYCLES: usize = 5;

/// Opens `CONNECTIONS` streams at once, checks that each is live, then closes them all.
async fn ws_cycle(base: &str, token: &str) {
    let opened = futures::future::join_all((0..CONNECTIONS).map(|_| ws_connect(base, token))).await;
    assert_eq!(opened.len(), CONNECTIONS);
    futures::future::join_all(opened.into_iter().map(|mut ws| async move {
        let _ = ws.close(None).await;
        // Wait for the server's close reply, so the server side is gone too.
        while let Some(Ok(_)) = ws.next().await {}
    }))
    .await;
}

/// RSS once the server has settled (it stays the same for half a second, or 5 s pass).
async fn settled_rss(srv: &RealServe) -> u64 {
    let mut last = srv.rss_kib();
    let mut same = 0;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = srv.rss_kib();
        same = if now == last { same + 1 } else { 0 };
        if same == 5 {
            break;
        }
        last = now;
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_cycles_leave_the_servers_memory_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let token = admin_token(dir.path());
    let srv = RealServe::start(dir.path(), &[], &[]);
    let url = srv.base.clone();
    // Warm up: one connection, so that the first-use allocations are not counted.
    ws_cycle_of(&url, &token, 1).await;
    let before = settled_rss(&srv).await;
    let mut after = Vec::new();
    for _ in 0..CYCLES {
        ws_cycle(&url, &token).await;
        after.push(settled_rss(&srv).await);
    }
    let mib = |kib: u64| kib as f64 / 1024.0;
    let figures: Vec<String> = after.iter().map(|k| format!("{:.1}", mib(*k))).collect();
    eprintln!(
        "zopdeck serve RSS: {:.1} MiB before, after each cycle of {CONNECTIONS} WebSockets: {} MiB",
        mib(before),
        figures.join(", ")
    );
    // Before the fix one cycle left about 68 MiB behind (tungstenite's 128 KiB read buffer,
    // allocated up front for each of 500 connections, then kept by malloc); after it a few
    // MiB, which malloc_trim(0) hands back: allocator retention, not live memory.
    let worst = after.iter().copied().max().unwrap_or_default();
    assert!(
        worst <= before + 24 * 1024,
        "RSS went from {before} KiB to {worst} KiB over {CYCLES} cycles: {after:?}"
    );
}

async fn ws_cycle_of(base: &str, token: &str, n: usize) {
    for _ in 0..n {
        let mut ws = ws_connect(base, token).await;
        let _ = ws.close(None).await;
        while let Some(Ok(_)) = ws.next().await {}
    }
}
