//! Issue 15 over HTTP: `ETag`/`If-None-Match` on every GET, lists in pages with cursors (and
//! the remote client following them, polling with 304s), and the audit log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/http.rs"]
mod http;

use http::{Server, server, server_without_workers};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use zopdeck::backend::Backend;

use zopdeck::backend::engine::store::tokens::Role;
use zopdeck::backend::model::{AuditFilter, NewDeployment, SourceType};
use zopdeck::backend::remote::RemoteBackend;

async fn get_with(s: &Server, path: &str, if_none_match: Option<&str>) -> reqwest::Response {
    let mut req = s
        .http
        .get(format!("{}{path}", s.base))
        .bearer_auth(&s.deployer);
    if let Some(tag) = if_none_match {
        req = req.header("If-None-Match", tag);
    }
    req.send().await.unwrap()
}

fn etag(res: &reqwest::Response) -> String {
    res.headers()
        .get("etag")
        .expect("an ETag")
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn gets_carry_an_etag_and_an_unchanged_list_answers_304_without_a_body() {
    let s = server().await;
    let a = s.create("etag-a").await;
    s.create("etag-b").await;
    let env = s.env_id().await;
    for path in [
        "/deployments".to_string(),
        format!("/environments/{env}/deployments"),
        format!("/deployments/{}", a["id"].as_str().unwrap()),
        "/spaces".to_string(),
    ] {
        let first = get_with(&s, &path, None).await;
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        let tag = etag(&first);
        assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
        assert_eq!(
            first.headers()["cache-control"],
            "private, no-cache",
            "answers depend on the token"
        );
        let again = get_with(&s, &path, Some(&tag)).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(etag(&again), tag);
        assert!(again.bytes().await.unwrap().is_empty(), "no body on 304");
        // Weak and listed tags match too; another does not.
        let weak = get_with(&s, &path, Some(&format!("\"x\", W/{tag}"))).await;
        assert_eq!(weak.status(), StatusCode::NOT_MODIFIED);
        let other = get_with(&s, &path, Some("\"0000\"")).await;
        assert_eq!(other.status(), StatusCode::OK);
        assert!(!other.bytes().await.unwrap().is_empty());
    }
    // A change gives the list another tag: the old one no longer matches.
    let tag = etag(&get_with(&s, "/deployments", None).await);
    let (status, _) = s
        .call(
            &s.deployer,
            Method::PUT,
            &format!("/deployments/{}/canvas-position", a["id"].as_str().unwrap()),
            Some(json!({"x": 7, "y": 9})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let changed = get_with(&s, "/deployments", Some(&tag)).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(etag(&changed), tag);
    // Errors carry none.
    let missing = get_with(&s, "/deployments/dep_nope", None).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers().get("etag").is_none());
}

#[tokio::test]
async fn lists_come_in_pages_that_follow_their_cursor() {
    let s = server().await;
    for i in 0..5 {
        s.create(&format!("page-{i}")).await;
    }
    let (_, all) = s.call(&s.viewer, Method::GET, "/deployments", None).await;
    assert!(all.get("metadata").is_none(), "without limit: everything");
    let all: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(all.len(), 5);
    let mut seen = Vec::new();
    let mut path = "/deployments?limit=2".to_string();
    let mut pages = 0;
    loop {
        let (status, page) = s.call(&s.viewer, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_string()),
        );
        match page["metadata"]["nextCursor"].as_str() {
            Some(c) => path = format!("/deployments?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all);

    // Refusals name the parameter.
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=two", "limit"),
        ("limit=2&cursor=%21%21", "cursor"),
        ("cursor=MQpkZXBfeA", "cursor"),
    ] {
        let (status, body) = s
            .call(
                &s.viewer,
                Method::GET,
                &format!("/deployments?{query}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }

    // Events page too, after `after`.
    let id = &all[0];
    s.wait_active(id).await;
    let (_, events) = s
        .call(
            &s.viewer,
            Method::GET,
            &format!("/deployments/{id}/events"),
            None,
        )
        .await;
    let events = events["data"].as_array().unwrap().clone();
    assert!(events.len() > 3, "{events:?}");
    let after = events[0]["id"].as_str().unwrap();
    let (_, first) = s
        .call(
            &s.viewer,
            Method::GET,
            &format!("/deployments/{id}/events?after={after}&limit=2"),
            None,
        )
        .await;
    assert_eq!(first["data"][0]["id"], events[1]["id"]);
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert!(first["metadata"]["nextCursor"].is_string());
}

/// A server whose store holds `n` deployments (no workers: nothing rolls out).
async fn server_of(n: usize) -> (Server, Vec<String>) {
    let s = server_without_workers().await;
    let env = s.env_id().await;
    let mut ids = Vec::new();
    for i in 0..n {
        let d = s
            .engine
            .create_deployment(NewDeployment {
                name: format!("svc-{i:04}"),
                env_id: Some(env.clone()),
                source_type: Some(SourceType::Image),
                image: Some("nginx:1.27".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        ids.push(d.id);
    }
    (s, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_remote_client_follows_cursors_and_polls_with_304s() {
    let (s, ids) = server_of(1201).await;
    let remote = RemoteBackend::connect(&s.base, &s.deployer).unwrap();
    let listed = remote.list_deployments(None).await.unwrap();
    let listed: Vec<String> = listed.into_iter().map(|d| d.id).collect();
    assert_eq!(listed, ids, "three pages of 500, in the server's order");
    assert_eq!(remote.not_modified_count(), 0);
    // Polling an unchanged list: every page answers 304 and costs no body.
    let again = remote.list_deployments(None).await.unwrap();
    assert_eq!(again.len(), 1201);
    assert_eq!(remote.not_modified_count(), 3);
    // A change shows at the next poll.
    s.engine
        .set_canvas_position(
            &ids[0],
            zopdeck::backend::model::CanvasPosition { x: 3.0, y: 4.0 },
        )
        .await
        .unwrap();
    let after = remote.list_deployments(None).await.unwrap();
    assert_eq!(
        after[0].canvas_position,
        Some(zopdeck::backend::model::CanvasPosition { x: 3.0, y: 4.0 })
    );
    assert_eq!(
        remote.not_modified_count(),
        5,
        "only the first page changed"
    );
}

#[tokio::test]
async fn every_changing_request_of_a_token_is_in_the_audit_log_and_no_secret() {
    let s = server().await;
    let alice = http::token(&s.engine, "alice", Role::Deployer);
    let val = http::token(&s.engine, "val", Role::Viewer);
    let root = http::token(&s.engine, "root", Role::Admin);
    let env = s.env_id().await;
    let body = json!({"name": "audited", "envId": env, "sourceType": "image", "image": "nginx:1.27",
                      "configs": {"envVars": {"DB_PASSWORD": "s3cr3t-value"}}});
    let (status, created) = s
        .call(&alice, Method::POST, "/deployments", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_string();
    let patch = json!({"configs": {"envVars": {"API_TOKEN": "another-s3cr3t"}}});
    let path = format!("/deployments/{id}/configs");
    assert_eq!(
        s.call(&alice, Method::PATCH, &path, Some(patch.clone()))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        s.call(&val, Method::PATCH, &path, Some(patch)).await.0,
        StatusCode::FORBIDDEN
    );
    // Not recorded: reads, analyze (changes nothing), and requests without a valid token.
    s.call(&alice, Method::GET, &format!("/deployments/{id}"), None)
        .await;
    s.call(
        &alice,
        Method::POST,
        &format!("/deployments/{id}/analyze"),
        None,
    )
    .await;
    assert_eq!(
        s.call(
            "zn_pat_wrong",
            Method::DELETE,
            &format!("/deployments/{id}"),
            None
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );
    let pos = format!("/deployments/{id}/canvas-position");
    assert_eq!(
        s.call(&alice, Method::PUT, &pos, Some(json!({"x": 1, "y": 2})))
            .await
            .0,
        StatusCode::OK
    );
    // A refused body (NaN is no JSON number) is recorded with its 400.
    assert_eq!(
        s.raw(&alice, Method::PUT, &pos, r#"{"x": NaN, "y": 2}"#)
            .await
            .0,
        StatusCode::BAD_REQUEST
    );

    let (status, log) = s.call(&root, Method::GET, "/audit", None).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    let text = log.to_string();
    for secret in ["s3cr3t-value", "another-s3cr3t", &alice, &val, &root] {
        assert!(!text.contains(secret), "the log holds a secret: {text}");
    }
    let rows: Vec<(String, String, String, String, Value, u64)> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(e["at"].as_str().unwrap().ends_with('Z'), "{e}");
            (
                e["tokenName"].as_str().unwrap().to_string(),
                e["role"].as_str().unwrap().to_string(),
                e["method"].as_str().unwrap().to_string(),
                e["route"].as_str().unwrap().to_string(),
                e["target"].clone(),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect();
    let r = |t: &str, role: &str, m: &str, route: &str, target: &str, status: u64| {
        (
            t.to_string(),
            role.to_string(),
            m.to_string(),
            route.to_string(),
            json!(target),
            status,
        )
    };
    assert_eq!(
        rows,
        vec![
            r(
                "alice",
                "deployer",
                "PUT",
                "/deployments/{id}/canvas-position",
                &id,
                400
            ),
            r(
                "alice",
                "deployer",
                "PUT",
                "/deployments/{id}/canvas-position",
                &id,
                200
            ),
            r(
                "val",
                "viewer",
                "PATCH",
                "/deployments/{id}/configs",
                &id,
                403
            ),
            r(
                "alice",
                "deployer",
                "PATCH",
                "/deployments/{id}/configs",
                &id,
                200
            ),
            r("alice", "deployer", "POST", "/deployments", &id, 201),
        ]
    );

    // Filters: by deployment, by token, since a time.
    let (_, of_val) = s.call(&root, Method::GET, "/audit?token=val", None).await;
    assert_eq!(of_val["data"].as_array().unwrap().len(), 1);
    let (_, of_dep) = s
        .call(
            &root,
            Method::GET,
            &format!("/audit?deploymentId={id}"),
            None,
        )
        .await;
    assert_eq!(of_dep["data"].as_array().unwrap().len(), 5, "{of_dep}");
    let (_, later) = s
        .call(
            &root,
            Method::GET,
            "/audit?since=2999-01-01T00:00:00Z",
            None,
        )
        .await;
    assert_eq!(later["data"], json!([]));
    let (status, bad) = s
        .call(&root, Method::GET, "/audit?since=yesterday", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["field"], "since");
    // Admins only.
    assert_eq!(
        s.call(&alice, Method::GET, "/audit", None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.call(&val, Method::GET, "/audit", None).await.0,
        StatusCode::FORBIDDEN
    );

    // Through the client, as the TUI's detail panel and `zopdeck audit` read it.
    let remote = RemoteBackend::connect(&s.base, &root).unwrap();
    let entries = remote
        .audit(AuditFilter {
            deployment_id: Some(id.clone()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 5);
    assert_eq!(entries[0].deployment_id.as_deref(), Some(id.as_str()));
    let as_deployer = RemoteBackend::connect(&s.base, &alice).unwrap();
    let err = as_deployer.audit(AuditFilter::default()).await.unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
}
