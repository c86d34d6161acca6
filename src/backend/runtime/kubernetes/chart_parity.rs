//! `assets/chart` is a real Helm chart: the real `helm template`, given the values zopdeck
//! records as a release's `config`, renders exactly the objects of the renderer — compared
//! object by object as JSON values. Without `helm` on PATH the test says it skipped and why;
//! under `CI=true` that is a failure instead.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use super::manifest::parse_documents;
use super::render::tests::spec;
use crate::backend::runtime::chart;

fn helm_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("helm"))
        .find(|p| p.is_file())
}

/// The helm binary, or `None` after saying why the test is skipped (a failure under CI=true).
fn helm_or_skip(test: &str) -> Option<PathBuf> {
    let found = helm_on_path();
    if found.is_none() {
        let why = "`helm` is not on PATH (the test cluster's `up` puts helm 4.1.4 there)";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: {why}, and CI=true requires this test to run"
        );
        eprintln!("{test}: skipped: {why}");
    }
    found
}

fn helm_template(helm: &Path, name: &str, namespace: &str, values: &Value) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("values.json");
    std::fs::write(&file, serde_json::to_vec(values).unwrap()).unwrap();
    let chart_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/chart");
    let out = Command::new(helm)
        .arg("template")
        .arg(name)
        .arg(&chart_dir)
        .args(["--namespace", namespace, "--values"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "helm template failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_documents(&String::from_utf8_lossy(&out.stdout)).unwrap()
}

fn key(o: &Value) -> String {
    format!(
        "{}/{}",
        o["kind"].as_str().unwrap_or("?"),
        o["metadata"]["name"].as_str().unwrap_or("?")
    )
}

#[test]
fn helm_template_renders_the_renderers_objects() {
    let Some(helm) = helm_or_skip("helm_template_renders_the_renderers_objects") else {
        return;
    };
    let cases = [
        ("bare", "nginx:1.25", json!({})),
        (
            "checkout",
            "ghcr.io/acme/checkout:1.4",
            json!({"port": 8080, "replicas": 3,
                   "liveness": {"path": "/healthz", "initialDelaySeconds": 5, "periodSeconds": 20},
                   "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": 2, "memory": "1Gi"}},
                   "expose": [{"port": 443, "protocol": "http"}, {"port": 9000, "protocol": "tcp"}],
                   "rootPath": "/api",
                   "envVars": {"LOG_LEVEL": "info", "FLAG": "yes", "NUM": "0123", "EMPTY": "", "QUOTE": "say \"hi\"\n"},
                   "secretRefs": ["secret://checkout-db-password", "secret://stripe.v2"]}),
        ),
        (
            "db",
            "registry.local:5000/team/db@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            json!({"replicas": 0, "expose": [{"port": 5432, "protocol": "tcp"}],
                   "liveness": {"path": "/ready", "port": 8081}, "resources": {"limits": {"memory": "2Gi"}},
                   "secretRefs": ["secret://db-password"]}),
        ),
        (
            "api",
            "ghcr.io/acme/api:2",
            json!({"port": 65535, "replicas": 1000, "envVars": {"A": "1"}, "resources": {}}),
        ),
    ];
    for (name, image, configs) in cases {
        let mut s = spec(name, image, configs);
        s.revision_number = 1_000_007;
        let theirs = helm_template(&helm, name, &s.release.namespace, &chart::values(&s));
        let ours = chart::render(&s).unwrap();
        assert_eq!(
            theirs.iter().map(key).collect::<Vec<_>>(),
            ours.iter().map(key).collect::<Vec<_>>(),
            "{name}: the same objects, in the same order"
        );
        for (t, o) in theirs.iter().zip(&ours) {
            assert_eq!(
                t,
                o,
                "{name}: {} differs\nhelm template:\n{}\nrenderer:\n{}",
                key(o),
                serde_json::to_string_pretty(t).unwrap_or_default(),
                serde_json::to_string_pretty(o).unwrap_or_default()
            );
        }
    }
}

#[test]
fn helm_template_refuses_a_probe_without_a_port_like_the_renderer() {
    let Some(helm) = helm_or_skip("helm_template_refuses_a_probe_without_a_port_like_the_renderer")
    else {
        return;
    };
    let s = spec("np", "nginx:1.25", json!({"liveness": {"path": "/"}}));
    assert!(chart::render(&s).is_err());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("values.json");
    std::fs::write(&file, serde_json::to_vec(&chart::values(&s)).unwrap()).unwrap();
    let out = Command::new(helm)
        .arg("template")
        .arg("np")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/chart"))
        .arg("--values")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("liveness.port is required"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
