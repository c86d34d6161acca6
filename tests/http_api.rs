//! Raw HTTP tests of `zopdeck serve`'s API on loopback: success shapes, error envelope and
//! status codes, auth and roles, idempotency, and the WebSocket stream.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/http.rs"]
mod http;

use std::time::Duration;

use futures::StreamExt;
use http::server;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn tokens_and_roles() {
    let s = server().await;
    let res = s
        .http
        .get(format!("{}/deployments", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = s
        .call("zn_pat_wrong", Method::GET, "/deployments", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = s.call(&s.viewer, Method::GET, "/deployments", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .call(&s.viewer, Method::POST, "/deployments", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Refusals come before lookups: an unknown id is not revealed.
    let (status, _) = s
        .call(&s.viewer, Method::DELETE, "/deployments/dep_nope", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .call(&s.deployer, Method::POST, "/spaces", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .call(
            &s.deployer,
            Method::PUT,
            "/cloud-accounts/ca_sandbox/clusters/local/sandbox/access",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, c) = s
        .call(
            &s.admin,
            Method::PUT,
            "/cloud-accounts/ca_sandbox/clusters/local/sandbox/access",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert!(
        c["data"].get("credentials").is_none(),
        "credentials are never returned"
    );
}

#[tokio::test]
async fn deployment_lifecycle_over_http() {
    let s = server().await;
    let dep = s.create("shop").await;
    let id = dep["id"].as_str().unwrap();
    assert!(id.starts_with("dep_"));
    assert!(
        dep["configs"].is_string(),
        "configs is an opaque JSON string"
    );
    s.wait_active(id).await;
    let (status, list) = s.call(&s.viewer, Method::GET, "/deployments", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let env = s.env_id().await;
    let (_, in_env) = s
        .call(
            &s.viewer,
            Method::GET,
            &format!("/environments/{env}/deployments"),
            None,
        )
        .await;
    assert_eq!(in_env["data"][0]["id"], id);

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
            &s.viewer,
            Method::GET,
            &format!("/deployments/{id}/revisions"),
            None,
        )
        .await;
    let revs = revs["data"].as_array().unwrap().clone();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[0]["number"], 2, "newest first");
    s.wait_active(id).await;
    let first = revs[1]["id"].as_str().unwrap();
    let (status, rb) = s
        .call(
            &s.deployer,
            Method::POST,
            &format!("/deployments/{id}/rollback"),
            Some(json!({"toRevisionID": first})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rb}");
    assert_eq!(rb["data"]["rollbackOf"], first);
    assert_eq!(rb["data"]["number"], 3);

    let (_, events) = s
        .call(
            &s.viewer,
            Method::GET,
            &format!("/deployments/{id}/events"),
            None,
        )
        .await;
    let events = events["data"].as_array().unwrap().clone();
    assert_eq!(events[0]["stage"], "building");
    let third = events[2]["id"].as_str().unwrap();
    let (_, after) = s
        .call(
            &s.viewer,
            Method::GET,
            &format!("/deployments/{id}/events?after={third}"),
            None,
        )
        .await;
    assert_eq!(after["data"].as_array().unwrap().len(), events.len() - 3);
    let (status, _) = s
        .call(
            &s.viewer,
            Method::GET,
            &format!("/deployments/{id}/events?after=nonsense"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, lb) = s
        .call(
            &s.viewer,
            Method::GET,
            &format!("/deployments/{id}/loadbalancer"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(["pending", "ready"].contains(&lb["data"]["status"].as_str().unwrap()));
    let (status, a) = s
        .call(
            &s.deployer,
            Method::POST,
            &format!("/deployments/{id}/analyze"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(a["data"]["warnings"].is_array());

    let (status, _) = s
        .call(
            &s.deployer,
            Method::DELETE,
            &format!("/deployments/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = s
        .call(
            &s.deployer,
            Method::DELETE,
            &format!("/deployments/{id}"),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NO_CONTENT,
        "a repeated delete is 204 again"
    );
    let (status, body) = s
        .call(&s.viewer, Method::GET, &format!("/deployments/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn bad_input_gets_a_4xx_naming_the_field() {
    let s = server().await;
    let dep = s.create("shop").await;
    let id = dep["id"].as_str().unwrap();
    let cases: Vec<(Method, String, &str, StatusCode, Option<&str>)> = vec![
        (
            Method::POST,
            "/deployments".into(),
            "{not json",
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            Method::POST,
            "/deployments".into(),
            r#"{"name": 5}"#,
            StatusCode::BAD_REQUEST,
            Some("name"),
        ),
        (
            Method::POST,
            "/deployments".into(),
            r#"{"name": "Bad_Name", "envId": "x", "image": "a:1"}"#,
            StatusCode::BAD_REQUEST,
            Some("name"),
        ),
        (
            Method::PUT,
            format!("/deployments/{id}/canvas-position"),
            r#"{"x": 1, "y": 2, "z": 3}"#,
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            Method::PUT,
            format!("/deployments/{id}/canvas-position"),
            r#"{"x": 1e999, "y": 2}"#,
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            Method::PUT,
            format!("/deployments/{id}/canvas-position"),
            r#"{"x": 2e7, "y": 2}"#,
            StatusCode::BAD_REQUEST,
            Some("x"),
        ),
        (
            Method::PUT,
            format!("/deployments/{id}/canvas-position"),
            r#"{"x": "1", "y": 2}"#,
            StatusCode::BAD_REQUEST,
            Some("x"),
        ),
        (
            Method::PATCH,
            format!("/deployments/{id}/configs"),
            r#"{"configs": {"port": 70000}}"#,
            StatusCode::BAD_REQUEST,
            Some("configs.port"),
        ),
        (
            Method::PUT,
            "/deployments/dep_nope/canvas-position".into(),
            r#"{"x": 1, "y": 2}"#,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::POST,
            format!("/deployments/{id}/rollback"),
            r#"{"toRevisionID": "rev_nope"}"#,
            StatusCode::NOT_FOUND,
            None,
        ),
    ];
    for (method, path, body, want, field) in cases {
        let (status, err) = s.raw(&s.deployer, method.clone(), &path, body).await;
        assert_eq!(status, want, "{method} {path} {body}: {err}");
        assert!(err["error"]["message"].is_string(), "{err}");
        if let Some(f) = field {
            assert_eq!(err["error"]["field"], f, "{method} {path} {body}: {err}");
        }
    }
    let huge = format!(r#"{{"name": "x", "note": "{}"}}"#, "a".repeat(400 * 1024));
    let (status, _) = s
        .raw(&s.deployer, Method::POST, "/deployments", &huge)
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (_, list) = s.call(&s.viewer, Method::GET, "/deployments", None).await;
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        1,
        "nothing half-written"
    );
}

#[tokio::test]
async fn idempotent_posts_and_webhook_replays() {
    let s = server().await;
    let env = s.env_id().await;
    let body = json!({"name": "once", "envId": env, "image": "nginx:1"});
    let send = || {
        s.http
            .post(format!("{}/deployments", s.base))
            .bearer_auth(&s.deployer)
            .header("Idempotency-Key", "5b8f4c3e-0000-4000-8000-000000000001")
            .json(&body)
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    let again = send().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(
        first["data"]["id"], again["data"]["id"],
        "the first result, nothing done twice"
    );
    let (_, list) = s.call(&s.viewer, Method::GET, "/deployments", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);

    let id = first["data"]["id"].as_str().unwrap();
    let push = || {
        s.http
            .post(format!("{}/deployments/{id}/revisions", s.base))
            .bearer_auth(&s.deployer)
            .header("X-GitHub-Delivery", "delivery-42")
            .json(&json!({"image": "nginx:2", "buildID": "b1"}))
            .send()
    };
    let r1 = push().await.unwrap();
    assert_eq!(r1.status(), StatusCode::CREATED);
    let r1: Value = r1.json().await.unwrap();
    let r2 = push().await.unwrap();
    assert_eq!(r2.status(), StatusCode::OK, "a replayed delivery is 200");
    let r2: Value = r2.json().await.unwrap();
    assert_eq!(r1["data"]["id"], r2["data"]["id"]);
    assert_eq!(r1["data"]["trigger"], "push");
}

#[tokio::test]
async fn the_websocket_pushes_events_and_deployments() {
    let s = server().await;
    let mut ws = http::ws_connect(&s.base, &s.viewer).await;
    let dep = s.create("live").await;
    let mut kinds = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while kinds.len() < 3 && tokio::time::Instant::now() < deadline {
        let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await
        else {
            break;
        };
        let Ok(text) = msg.into_text() else { continue };
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["type"] == "event" {
            assert_eq!(frame["deploymentId"], dep["id"]);
        }
        kinds.insert(frame["type"].as_str().unwrap_or_default().to_string());
    }
    assert!(
        kinds.contains("event") && kinds.contains("deployment") && kinds.contains("loadbalancer"),
        "{kinds:?}"
    );
    let res = s.http.get(format!("{}/ws", s.base)).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the stream needs a token too"
    );
}

/// The keys of a contract object that must all be there.
fn has_keys(what: &str, v: &Value, keys: &[&str]) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {v}"));
    for k in keys {
        assert!(obj.contains_key(*k), "{what} lacks {k}: {v}");
    }
}

fn is_utc_timestamp(v: &Value) -> bool {
    v.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .is_some_and(|t| t.offset().local_minus_utc() == 0)
        && v.as_str().is_some_and(|s| s.ends_with('Z'))
}

const DEPLOYMENT_KEYS: &[&str] = &[
    "id",
    "name",
    "orgId",
    "envId",
    "sourceType",
    "repoUrl",
    "branch",
    "integrationId",
    "autoDeploy",
    "spaceId",
    "namespace",
    "registryUrl",
    "currentRevisionId",
    "status",
    "configs",
    "canvasPosition",
    "lastDeployAt",
    "createdAt",
    "updatedAt",
];
const REVISION_KEYS: &[&str] = &[
    "id",
    "deploymentId",
    "number",
    "image",
    "buildId",
    "note",
    "configs",
    "trigger",
    "rollbackOf",
    "status",
    "createdAt",
];
const SPACE_KEYS: &[&str] = &[
    "id",
    "name",
    "provider",
    "spaceType",
    "cloudAccountId",
    "status",
    "config",
    "createdAt",
];
const ENVIRONMENT_KEYS: &[&str] = &[
    "id",
    "name",
    "spaceId",
    "namespace",
    "registryUrl",
    "createdAt",
];

#[tokio::test]
async fn every_route_answers_in_the_contracts_shape() {
    let s = server().await;
    let a = s.admin.as_str();
    let get = |path: String| {
        let s = &s;
        async move {
            let (status, body) = s.call(&s.viewer, Method::GET, &path, None).await;
            assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
            body["data"].clone()
        }
    };

    // Deployments.
    let dep = s.create("shop").await;
    has_keys("deployment", &dep, DEPLOYMENT_KEYS);
    let id = dep["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("dep_"));
    assert!(dep["configs"].is_string());
    assert!(is_utc_timestamp(&dep["createdAt"]), "{}", dep["createdAt"]);
    s.wait_active(&id).await;
    let one = get(format!("/deployments/{id}")).await;
    has_keys("deployment", &one, DEPLOYMENT_KEYS);
    assert!(
        one["currentRevisionId"]
            .as_str()
            .unwrap()
            .starts_with("rev_")
    );
    for list in [
        get("/deployments".into()).await,
        get(format!(
            "/environments/{}/deployments",
            dep["envId"].as_str().unwrap()
        ))
        .await,
    ] {
        has_keys("listed deployment", &list[0], DEPLOYMENT_KEYS);
    }
    let env = dep["envId"].as_str().unwrap();
    let (status, in_env) = s
        .call(
            a,
            Method::POST,
            &format!("/environments/{env}/deployments"),
            Some(json!({"name": "cart", "sourceType": "image", "image": "nginx:1.27"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{in_env}");
    assert_eq!(in_env["data"]["envId"], env, "the env comes from the path");
    let (status, pos) = s
        .call(
            a,
            Method::PUT,
            &format!("/deployments/{id}/canvas-position"),
            Some(json!({"x": 320, "y": 180.5})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pos["data"], json!({"x": 320.0, "y": 180.5}));
    let (status, analyzed) = s
        .call(a, Method::POST, &format!("/deployments/{id}/analyze"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    for w in analyzed["data"]["warnings"].as_array().unwrap() {
        has_keys("warning", w, &["code", "severity", "message", "field"]);
    }

    // Revisions.
    let (status, created) = s
        .call(
            a,
            Method::POST,
            &format!("/deployments/{id}/revisions"),
            Some(json!({"image": "nginx:1.28", "buildID": "b-42", "note": "CI"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    has_keys("revision", &created["data"], REVISION_KEYS);
    assert_eq!(created["data"]["buildId"], "b-42");
    let rev = created["data"]["id"].as_str().unwrap().to_string();
    let listed = get(format!("/deployments/{id}/revisions")).await;
    assert_eq!(listed[0]["id"], rev.as_str(), "newest first");
    let one = get(format!("/deployments/{id}/revisions/{rev}")).await;
    has_keys("revision", &one, REVISION_KEYS);
    assert_eq!(one["trigger"], "manual");
    s.wait_active(&id).await;
    let first = listed.as_array().unwrap().last().unwrap()["id"].clone();
    let (status, rb) = s
        .call(
            a,
            Method::POST,
            &format!("/deployments/{id}/rollback"),
            Some(json!({"toRevisionID": first})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rb}");
    has_keys("revision", &rb["data"], REVISION_KEYS);
    assert_eq!(rb["data"]["trigger"], "rollback");

    // Events and LoadBalancer.
    let events = get(format!("/deployments/{id}/events")).await;
    for e in events.as_array().unwrap() {
        has_keys("event", e, &["id", "stage", "status", "meta", "createdAt"]);
        assert!(e["id"].as_str().unwrap().starts_with("ev_"));
    }
    let lb = get(format!("/deployments/{id}/loadbalancer")).await;
    has_keys("loadbalancer", &lb, &["status", "address", "ports", "tls"]);

    // Environments.
    let envs = get("/environments".into()).await;
    has_keys("environment", &envs[0], ENVIRONMENT_KEYS);
    let space_id = envs[0]["spaceId"].as_str().unwrap().to_string();
    has_keys(
        "environment",
        &get(format!("/environments/{env}")).await,
        ENVIRONMENT_KEYS,
    );
    let (status, new_env) = s
        .call(
            a,
            Method::POST,
            "/environments",
            Some(json!({"name": "qa", "spaceId": space_id, "namespace": "qa"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{new_env}");
    has_keys("environment", &new_env["data"], ENVIRONMENT_KEYS);

    // Spaces, namespaces, clusters.
    let spaces = get("/spaces".into()).await;
    for sp in spaces.as_array().unwrap() {
        has_keys("space", sp, SPACE_KEYS);
        assert!(sp["config"].is_string(), "config is a JSON string");
        assert!(sp.get("caCert").is_none() && sp.get("serviceAccountToken").is_none());
    }
    has_keys(
        "space",
        &get(format!("/spaces/{space_id}")).await,
        SPACE_KEYS,
    );
    let clusters = get("/cloud-accounts/ca_sandbox/clusters".into()).await;
    let cluster = clusters[0].clone();
    let (region, name) = (
        cluster["region"].as_str().unwrap(),
        cluster["name"].as_str().unwrap(),
    );
    let access = format!("/cloud-accounts/ca_sandbox/clusters/{region}/{name}/access");
    let (status, _) = s.call(a, Method::DELETE, &access, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, registered) = s.call(a, Method::PUT, &access, None).await;
    assert_eq!(status, StatusCode::OK, "{registered}");
    assert_eq!(registered["data"]["accessRegistered"], true);
    let (status, extra) = s
        .call(
            a,
            Method::POST,
            "/spaces",
            Some(
                json!({"name": "extra", "provider": "gcp", "cloudAccountId": "ca_sandbox",
                        "config": {"clusterName": name, "region": region}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{extra}");
    has_keys("space", &extra["data"], SPACE_KEYS);
    assert_eq!(extra["data"]["spaceType"], "kubernetes", "the default");
    let extra_id = extra["data"]["id"].as_str().unwrap().to_string();
    assert!(extra_id.starts_with("spc_"));
    let (status, off) = s
        .call(
            a,
            Method::PUT,
            &format!("/spaces/{extra_id}/status"),
            Some(json!({"status": "inactive"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(off["data"]["status"], "inactive");
    let (status, ns) = s
        .call(
            a,
            Method::POST,
            &format!("/space-discovery/{extra_id}/namespaces"),
            Some(json!({"name": "team-a"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ns}");
    for n in get(format!("/space-discovery/{extra_id}/namespaces"))
        .await
        .as_array()
        .unwrap()
    {
        has_keys("namespace", n, &["name", "managedByZopnight"]);
    }
    for _ in 0..2 {
        let (status, _) = s
            .call(a, Method::DELETE, &format!("/spaces/{extra_id}"), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "delete, then again");
    }
}

#[tokio::test]
async fn control_characters_in_free_text_get_a_400_naming_the_field() {
    let s = server().await;
    let dep = s.create("shop").await;
    let id = dep["id"].as_str().unwrap();
    let env = dep["envId"].as_str().unwrap();
    let cases = [
        (
            Method::POST,
            "/deployments".to_string(),
            json!({"name": "src", "envId": env, "sourceType": "git",
                   "repoUrl": "https://x.io/a\u{1b}]0;pwned\u{7}", "branch": "main"}),
            "repoUrl",
        ),
        (
            Method::POST,
            format!("/deployments/{id}/revisions"),
            json!({"image": "nginx:1.28", "note": "ship \u{1b}[2J"}),
            "note",
        ),
        (
            Method::POST,
            format!("/deployments/{id}/revisions"),
            json!({"image": "nginx:1.28", "buildID": "b\u{202e}1"}),
            "buildID",
        ),
        (
            Method::PATCH,
            format!("/deployments/{id}/configs"),
            json!({"configs": {"envVars": {"A": "\u{9b}31m"}}}),
            "configs.envVars.A",
        ),
    ];
    for (method, path, body, field) in cases {
        let (status, err) = s
            .raw(&s.deployer, method.clone(), &path, &body.to_string())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path}: {err}");
        assert_eq!(err["error"]["field"], field, "{method} {path}: {err}");
        assert_eq!(err["error"]["code"], "validation_failed", "{err}");
    }
    let (_, revs) = s
        .call(
            &s.viewer,
            Method::GET,
            &format!("/deployments/{id}/revisions"),
            None,
        )
        .await;
    assert_eq!(
        revs["data"].as_array().unwrap().len(),
        1,
        "nothing was written"
    );
}
