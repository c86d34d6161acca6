//! kill -9 of the real binary mid-deploy on the real test cluster (during the apply, during the
//! rollout), then a restart: a release left `pending-*` in Helm's storage is listed by
//! `doctor`, the resumed job completes it
//! (`deployed`, one Helm revision, one zopdeck revision), and no release is left pending.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/k8s.rs"]
mod k8s;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use k8s::{Namespace, TestCluster, test_cluster, tool};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_zopdeck");

fn zopdeck(c: &TestCluster, dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(dir)
        .arg("--no-demo")
        .env("KUBECONFIG", &c.kubeconfig)
        .env_remove("ZOPDECK_API_URL")
        .stdin(Stdio::null());
    cmd
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Helm's status of the release, `None` when Helm has no record of it.
fn helm_status(c: &TestCluster, ns: &str) -> Option<String> {
    let out = Command::new("helm")
        .env("KUBECONFIG", &c.kubeconfig)
        .args(["status", "crashme", "-n", ns, "-o", "json"])
        .output()
        .unwrap();
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("not found"), "helm status: {said}");
        return None;
    }
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    Some(v["info"]["status"].as_str().unwrap().to_string())
}

/// Creates `crashme` on a space of the test cluster, kills the process once a line containing
/// `kill_at` is printed, then checks what a restart does.
fn crash_and_resume(test: &str, kill_at: &str) {
    let Some(c) = test_cluster(test) else {
        return;
    };
    let ns = Namespace::new(&c, "kc");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        zopdeck(&c, d)
            .args(["spaces", "create", "--name", "kt", "--context", &c.context])
            .output()
            .unwrap(),
        "spaces create",
    );
    ok(
        zopdeck(&c, d)
            .args(["environments", "create", "--name", "crash", "--space", "kt"])
            .args(["--namespace", &ns.name])
            .output()
            .unwrap(),
        "environments create",
    );
    let mut child = zopdeck(&c, d)
        .args([
            "deployments",
            "create",
            "--env",
            "crash",
            "--name",
            "crashme",
        ])
        .args([
            "--image",
            "nginx:1.27",
            "--configs",
            r#"{"replicas": 4, "port": 80}"#,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no {kill_at:?} in {seen:#?}"));
        let hit = line.contains(kill_at);
        seen.push(line);
        if hit {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // Killed before the apply wrote Helm's record, there is none; after, it is pending, and
    // doctor lists it. Once the rollout started, the record is there.
    let left = helm_status(&c, &ns.name);
    eprintln!("killed at {kill_at:?}: Helm status {left:?}");
    if kill_at.contains("rolling_out") {
        assert_eq!(left.as_deref(), Some("pending-install"), "{seen:#?}");
    }
    if left.is_some() {
        assert_eq!(left.as_deref(), Some("pending-install"));
        let doctor = ok(zopdeck(&c, d).arg("doctor").output().unwrap(), "doctor");
        assert!(
            doctor.contains("crashme") && doctor.contains("pending-install"),
            "doctor lists the stuck release: {doctor}"
        );
    }

    ok(
        zopdeck(&c, d)
            .args(["deployments", "wait", "crashme", "--wait-timeout", "120"])
            .output()
            .unwrap(),
        "resume",
    );
    assert_eq!(helm_status(&c, &ns.name).as_deref(), Some("deployed"));
    let history: Value = serde_json::from_str(&tool(
        &c,
        "helm",
        &["history", "crashme", "-n", &ns.name, "-o", "json"],
    ))
    .unwrap();
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    let doctor = ok(zopdeck(&c, d).arg("doctor").output().unwrap(), "doctor");
    assert!(doctor.contains("stuck releases: none"), "{doctor}");
    let revisions: Value = serde_json::from_str(&ok(
        zopdeck(&c, d)
            .args(["revisions", "crashme", "-o", "json"])
            .output()
            .unwrap(),
        "revisions",
    ))
    .unwrap();
    let revisions = revisions.as_array().unwrap();
    assert_eq!(revisions.len(), 1, "{revisions:#?}");
    assert_eq!(revisions[0]["status"], "active");
    let ready = tool(
        &c,
        "kubectl",
        &[
            "get",
            "deployment",
            "crashme",
            "-n",
            &ns.name,
            "-o",
            "jsonpath={.status.readyReplicas}",
        ],
    );
    assert_eq!(ready.trim(), "4");
}

#[test]
fn kill_during_the_apply_then_restart_completes_the_release() {
    crash_and_resume(
        "kill_during_the_apply_then_restart_completes_the_release",
        "deploying   started",
    );
}

#[test]
fn kill_during_the_rollout_then_restart_completes_the_release() {
    crash_and_resume(
        "kill_during_the_rollout_then_restart_completes_the_release",
        "rolling_out started",
    );
}
