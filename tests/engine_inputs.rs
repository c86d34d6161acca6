//! What the engine accepts and refuses: validation errors name the field at fault and write
//! nothing; canvas positions round-trip; analyze advises without creating a revision.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "engine_support.rs"]
mod support;

use serde_json::{Value, json};
use support::*;
use zopdeck::backend::Backend;
use zopdeck::backend::model::*;

#[tokio::test(start_paused = true)]
async fn create_refuses_invalid_input_naming_the_field_and_writes_nothing() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let good = || image_dep(&env.id, "ok", "ghcr.io/acme/ok:1.0", json!({"port": 8080}));
    let with = |f: &dyn Fn(&mut NewDeployment)| {
        let mut d = good();
        f(&mut d);
        d
    };
    let cases: Vec<(NewDeployment, &str)> = vec![
        (with(&|d| d.name = "Checkout".into()), "name"),
        (with(&|d| d.name = "check_out".into()), "name"),
        (with(&|d| d.name = "-checkout".into()), "name"),
        (with(&|d| d.name = "checkout-".into()), "name"),
        (with(&|d| d.name = String::new()), "name"),
        (with(&|d| d.name = "a".repeat(54)), "name"),
        (with(&|d| d.env_id = None), "envId"),
        (with(&|d| d.env_id = Some("env_nope".into())), "envId"),
        (with(&|d| d.image = None), "image"),
        (with(&|d| d.image = Some("   ".into())), "image"),
        (with(&|d| d.image = Some("bad image".into())), "image"),
        (with(&|d| d.image = Some("app:".into())), "image"),
        (
            with(&|d| {
                d.source_type = None;
                d.image = None;
            }),
            "sourceType",
        ),
        (
            with(&|d| {
                d.source_type = Some(SourceType::Git);
                d.image = None;
            }),
            "repoUrl",
        ),
        (
            with(&|d| d.configs = Some(json!({"port": 70000}))),
            "configs.port",
        ),
        (
            with(&|d| d.configs = Some(json!({"port": 0}))),
            "configs.port",
        ),
        (
            with(&|d| d.configs = Some(json!({"port": "80"}))),
            "configs.port",
        ),
        (
            with(&|d| d.configs = Some(json!({"replicas": -1}))),
            "configs.replicas",
        ),
        (with(&|d| d.configs = Some(json!([1, 2]))), "configs"),
        (with(&|d| d.configs = Some(json!("{not json"))), "configs"),
        (
            with(&|d| d.configs = Some(json!({"expose": [{"port": 80, "protocol": "udp"}]}))),
            "configs.expose[0].protocol",
        ),
        (
            with(&|d| d.configs = Some(json!({"envVars": {"LOG_LEVEL": 3}}))),
            "configs.envVars.LOG_LEVEL",
        ),
        (
            with(&|d| d.configs = Some(json!({"secretRefs": ["db-password"]}))),
            "configs.secretRefs[0]",
        ),
        (
            with(&|d| {
                d.canvas_position = Some(CanvasPosition {
                    x: f64::NAN,
                    y: 0.0,
                });
            }),
            "canvasPosition.x",
        ),
        (
            with(&|d| {
                d.canvas_position = Some(CanvasPosition {
                    x: 0.0,
                    y: f64::NEG_INFINITY,
                });
            }),
            "canvasPosition.y",
        ),
    ];
    for (req, field) in cases {
        let shown = format!("{req:?}");
        let r = engine.create_deployment(req).await;
        match r {
            Err(zopdeck::backend::BackendError::Validation { field: f, .. }) => {
                assert_eq!(f.as_deref(), Some(field), "{shown}");
            }
            other => panic!("{shown}: expected a validation error on {field}, got {other:?}"),
        }
    }
    assert!(engine.list_deployments(None).await.unwrap().is_empty());
    assert_eq!(engine.open_jobs().unwrap(), 0, "no job was queued");

    // Configs given as a string holding an object are the same as the object.
    let mut as_string = good();
    as_string.configs = Some(json!(r#"{"port": 8080}"#));
    let d = engine.create_deployment(as_string).await.unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&d.configs).unwrap(),
        json!({"port": 8080})
    );

    // The same name twice in one environment is a conflict, and writes nothing either.
    let mut dup = good();
    dup.image = Some("ghcr.io/acme/ok:2.0".into());
    assert_conflict(engine.create_deployment(dup).await);
    assert_eq!(engine.list_deployments(None).await.unwrap().len(), 1);
    assert_eq!(engine.list_revisions(&d.id).await.unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn invalid_config_patches_are_refused_and_change_nothing() {
    let engine = engine().await;
    let d = deploy(
        &engine,
        "strict",
        "ghcr.io/acme/strict:1.0",
        json!({"port": 8080, "replicas": 2}),
    )
    .await;
    let events = engine.list_events(&d.id, None).await.unwrap();
    for (patch, field) in [
        (json!({"port": 70000}), "configs.port"),
        (json!({"replicas": 1.5}), "configs.replicas"),
        (
            json!({"liveness": {"path": "healthz"}}),
            "configs.liveness.path",
        ),
        (
            json!({"resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}),
            "configs.resources.requests.cpu",
        ),
        (
            json!({"resources": {"limits": {"memory": "lots"}}}),
            "configs.resources.limits.memory",
        ),
        (
            json!({"expose": [{"port": 80, "protocol": "http"}, {"port": 80, "protocol": "tcp"}]}),
            "configs.expose[1].port",
        ),
        (json!({"rootPath": "app"}), "configs.rootPath"),
        (json!("replicas=3"), "configs"),
    ] {
        assert_validation(engine.patch_configs(&d.id, patch.clone()).await, field);
        let now = engine.get_deployment(&d.id).await.unwrap();
        assert_eq!(now.configs, d.configs, "{patch}");
        assert_eq!(now.status, DeploymentStatus::Active, "{patch}");
    }
    assert_eq!(engine.list_revisions(&d.id).await.unwrap().len(), 1);
    assert_eq!(engine.open_jobs().unwrap(), 0);
    assert_eq!(engine.list_events(&d.id, None).await.unwrap(), events);
}

#[tokio::test(start_paused = true)]
async fn canvas_positions_round_trip_and_must_be_finite() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let mut req = image_dep(&env.id, "card", "ghcr.io/acme/card:1.0", json!({}));
    req.canvas_position = Some(CanvasPosition { x: 10.5, y: -20.0 });
    let d = engine.create_deployment(req).await.unwrap();
    assert_eq!(
        engine.get_deployment(&d.id).await.unwrap().canvas_position,
        Some(CanvasPosition { x: 10.5, y: -20.0 })
    );
    let d = settle(&engine, &d.id).await;

    let mut sub = engine.subscribe();
    let pos = CanvasPosition {
        x: 320.0,
        y: 180.25,
    };
    assert_eq!(engine.set_canvas_position(&d.id, pos).await.unwrap(), pos);
    let got = engine.get_deployment(&d.id).await.unwrap();
    assert_eq!(got.canvas_position, Some(pos));
    assert_eq!(got.status, DeploymentStatus::Active);
    assert_eq!(got.current_revision_id, d.current_revision_id);
    let listed = engine.list_deployments(Some(&env.id)).await.unwrap();
    assert_eq!(listed[0].canvas_position, Some(pos));
    let changes =
        collect_changes(&mut sub, &d.id, |c| matches!(c, Change::Deployment { .. })).await;
    match changes.last() {
        Some(Change::Deployment { data }) => assert_eq!(data.canvas_position, Some(pos)),
        other => panic!("expected the moved deployment, got {other:?}"),
    }

    // The limits are inclusive.
    let edge = CanvasPosition {
        x: -1.0e7,
        y: 1.0e7,
    };
    assert_eq!(engine.set_canvas_position(&d.id, edge).await.unwrap(), edge);
    for (bad, field) in [
        (
            CanvasPosition {
                x: f64::NAN,
                y: 0.0,
            },
            "x",
        ),
        (
            CanvasPosition {
                x: f64::INFINITY,
                y: 0.0,
            },
            "x",
        ),
        (
            CanvasPosition {
                x: 0.0,
                y: f64::NAN,
            },
            "y",
        ),
        (
            CanvasPosition {
                x: 0.0,
                y: f64::NEG_INFINITY,
            },
            "y",
        ),
        (CanvasPosition { x: 2.0e7, y: 0.0 }, "x"),
        (
            CanvasPosition {
                x: 0.0,
                y: -1.0e7 - 1.0,
            },
            "y",
        ),
    ] {
        assert_validation(engine.set_canvas_position(&d.id, bad).await, field);
    }
    assert_eq!(
        engine.get_deployment(&d.id).await.unwrap().canvas_position,
        Some(edge),
        "a refused move changes nothing"
    );
    assert_not_found(engine.set_canvas_position("dep_nope", pos).await);
    assert_eq!(engine.list_revisions(&d.id).await.unwrap().len(), 1);
    assert_eq!(engine.open_jobs().unwrap(), 0);
}

fn codes(report: &AnalyzeReport) -> Vec<&str> {
    report.warnings.iter().map(|w| w.code.as_str()).collect()
}

#[tokio::test(start_paused = true)]
async fn analyze_flags_a_poor_config_without_creating_a_revision() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let d = engine
        .create_deployment(image_dep(
            &env.id,
            "sloppy",
            "nginx:latest",
            json!({"replicas": 1, "expose": [{"port": 80, "protocol": "http"}],
                   "envVars": {"DB_PASSWORD": "hunter2", "LOG_LEVEL": "info"},
                   "replcas": 3}),
        ))
        .await
        .unwrap();
    let report = engine.analyze(&d.id).await.unwrap();
    let found = codes(&report);
    for code in [
        "no_liveness_probe",
        "no_resource_requests",
        "no_resource_limits",
        "single_replica",
        "expose_without_port",
        "literal_secret_env",
        "image_latest_tag",
        "unknown_config_key",
    ] {
        assert_eq!(
            found.iter().filter(|c| **c == code).count(),
            1,
            "{code} once in {found:?}"
        );
    }
    assert_eq!(found.len(), 8, "{report:#?}");
    let by_code = |code: &str| report.warnings.iter().find(|w| w.code == code).unwrap();
    assert_eq!(
        by_code("literal_secret_env").field.as_deref(),
        Some("configs.envVars.DB_PASSWORD")
    );
    assert_eq!(by_code("literal_secret_env").severity, Severity::Error);
    assert!(
        by_code("literal_secret_env")
            .message
            .contains("secret://db-password")
    );
    assert_eq!(
        by_code("unknown_config_key").field.as_deref(),
        Some("configs.replcas")
    );
    assert!(by_code("unknown_config_key").message.contains("replicas"));
    assert_eq!(
        by_code("expose_without_port").field.as_deref(),
        Some("configs.port")
    );
    assert_eq!(
        by_code("single_replica").field.as_deref(),
        Some("configs.replicas")
    );
    assert_eq!(by_code("image_latest_tag").field.as_deref(), Some("image"));
    assert!(report.warnings.iter().all(|w| !w.message.is_empty()));

    // Advice is not a change.
    assert_eq!(engine.list_revisions(&d.id).await.unwrap().len(), 1);
    assert_eq!(engine.analyze(&d.id).await.unwrap(), report, "stable");
    let d = settle(&engine, &d.id).await;
    assert_eq!(
        d.status,
        DeploymentStatus::Active,
        "warnings do not block a deploy"
    );
    let events = engine.list_events(&d.id, None).await.unwrap();
    assert_eq!(engine.analyze(&d.id).await.unwrap(), report);
    assert_eq!(engine.list_revisions(&d.id).await.unwrap().len(), 1);
    assert_eq!(engine.list_events(&d.id, None).await.unwrap(), events);
    assert_eq!(engine.open_jobs().unwrap(), 0);

    // Fixing the configs clears the matching warnings.
    engine
        .patch_configs(
            &d.id,
            json!({"port": 8080, "replicas": 2, "replcas": null,
                   "liveness": {"path": "/healthz"},
                   "envVars": {"DB_PASSWORD": null},
                   "secretRefs": ["secret://db-password"],
                   "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                                 "limits": {"cpu": "500m", "memory": "256Mi"}}}),
        )
        .await
        .unwrap();
    assert_eq!(
        codes(&engine.analyze(&d.id).await.unwrap()),
        ["image_latest_tag"]
    );
    assert_not_found(engine.analyze("dep_nope").await);
}

#[tokio::test(start_paused = true)]
async fn analyze_judges_the_image_reference() {
    let engine = engine().await;
    let clean = json!({"port": 8080, "replicas": 2, "liveness": {"path": "/healthz"},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                      "limits": {"cpu": "500m", "memory": "256Mi"}}});
    let env = demo_env(&engine).await;
    for (name, image, expected) in [
        ("pinned", "ghcr.io/acme/app:1.4", vec![]),
        ("digest", "ghcr.io/acme/app@sha256:0123abcd", vec![]),
        ("untagged", "nginx", vec!["image_untagged"]),
        ("port-only", "registry:5000/app", vec!["image_untagged"]),
        (
            "latest",
            "docker.io/library/nginx:latest",
            vec!["image_latest_tag"],
        ),
    ] {
        let d = engine
            .create_deployment(image_dep(&env.id, name, image, clean.clone()))
            .await
            .unwrap();
        assert_eq!(
            codes(&engine.analyze(&d.id).await.unwrap()),
            expected,
            "{image}"
        );
    }
}

/// Asserts a refusal for control characters (or bidi overrides) naming `field`.
fn assert_refused_text<T: std::fmt::Debug>(
    r: Result<T, zopdeck::backend::BackendError>,
    field: &str,
) {
    match r {
        Err(zopdeck::backend::BackendError::Validation { field: f, message }) => {
            assert_eq!(f.as_deref(), Some(field), "{message}");
            assert!(message.contains("control characters"), "{field}: {message}");
        }
        other => panic!("expected {field} to be refused for its control characters, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn free_text_with_control_characters_is_refused_naming_the_field() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let esc = "\x1b]0;pwned\x07\x1b[2J";
    let good = || image_dep(&env.id, "ok", "ghcr.io/acme/ok:1.0", json!({"port": 8080}));
    let git = |f: &dyn Fn(&mut NewDeployment)| {
        let mut d = NewDeployment {
            name: "src".into(),
            env_id: Some(env.id.clone()),
            source_type: Some(SourceType::Git),
            repo_url: Some("https://github.com/acme/src".into()),
            branch: Some("main".into()),
            ..Default::default()
        };
        f(&mut d);
        d
    };
    let with = |f: &dyn Fn(&mut NewDeployment)| {
        let mut d = good();
        f(&mut d);
        d
    };
    let cases: Vec<(NewDeployment, &str)> = vec![
        (
            git(&|d| d.repo_url = Some(format!("https://x.io/a{esc}"))),
            "repoUrl",
        ),
        (git(&|d| d.branch = Some(format!("main{esc}"))), "branch"),
        (
            with(&|d| d.integration_id = Some("int_\u{202e}1".into())),
            "integrationId",
        ),
        (with(&|d| d.image = Some("nginx:1\u{9b}2J".into())), "image"),
        (
            with(&|d| d.env_id = Some(format!("{}\x07", env.id))),
            "envId",
        ),
        (
            with(&|d| d.configs = Some(json!({"envVars": {"LOG_LEVEL": esc}}))),
            "configs.envVars.LOG_LEVEL",
        ),
        (
            with(&|d| d.configs = Some(json!(r#"{"envVars": {"A": "\u001b[2J"}}"#))),
            "configs.envVars.A",
        ),
        (
            with(&|d| d.configs = Some(json!({"rootPath": "/\u{2066}x"}))),
            "configs.rootPath",
        ),
    ];
    for (req, field) in cases {
        assert_refused_text(engine.create_deployment(req).await, field);
    }
    assert!(engine.list_deployments(None).await.unwrap().is_empty());

    let d = engine.create_deployment(good()).await.unwrap();
    let rev = |f: &dyn Fn(&mut NewRevision)| {
        let mut r = NewRevision {
            image: Some("ghcr.io/acme/ok:1.1".into()),
            ..Default::default()
        };
        f(&mut r);
        r
    };
    for (req, field) in [
        (rev(&|r| r.note = Some(format!("fix{esc}"))), "note"),
        (rev(&|r| r.build_id = Some(format!("b-1{esc}"))), "buildID"),
        (
            rev(&|r| r.delivery_id = Some(format!("d-1{esc}"))),
            "deliveryId",
        ),
        (
            rev(&|r| r.image = Some("ghcr.io/a/b:1\u{7f}".into())),
            "image",
        ),
    ] {
        assert_refused_text(engine.create_revision(&d.id, req).await, field);
    }
    assert_refused_text(
        engine
            .patch_configs(&d.id, json!({"envVars": {"A": "\u{85}"}}))
            .await,
        "configs.envVars.A",
    );
    assert_refused_text(engine.rollback(&d.id, "rev_\x1b[2J").await, "toRevisionID");
    assert_eq!(
        engine.list_revisions(&d.id).await.unwrap().len(),
        1,
        "nothing was written"
    );

    let env_req = NewEnvironment {
        name: "staging".into(),
        space_id: env.space_id.clone(),
        namespace: "staging".into(),
        registry_url: Some(format!("registry.example.com/{esc}")),
    };
    assert_refused_text(engine.create_environment(env_req).await, "registryUrl");
    let space_req = NewSpace {
        name: "other".into(),
        provider: "aws".into(),
        space_type: None,
        cloud_account_id: zopdeck::backend::engine::SANDBOX_ACCOUNT.into(),
        config: json!({"clusterName": format!("sandbox{esc}"), "region": "local"}),
    };
    assert_refused_text(engine.create_space(space_req).await, "config.clusterName");
    assert_refused_text(
        engine
            .register_cluster_access(
                zopdeck::backend::engine::SANDBOX_ACCOUNT,
                "local\x1b",
                "sandbox",
            )
            .await,
        "region",
    );
    assert_eq!(engine.list_environments().await.unwrap().len(), 1);
    assert_eq!(engine.list_spaces().await.unwrap().len(), 1);

    // Ordinary text with accents, arrows and emoji is fine.
    let ok = engine
        .create_revision(
            &d.id,
            rev(&|r| r.note = Some("déployé → prod 🚀 (fix #12)".into())),
        )
        .await
        .unwrap();
    assert_eq!(
        ok.revision.note.as_deref(),
        Some("déployé → prod 🚀 (fix #12)")
    );
}
