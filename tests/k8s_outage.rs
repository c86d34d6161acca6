//! The apiserver stops answering in the middle of a rollout (frozen with SIGSTOP: every call
//! times out, as on a network partition), then comes back: the rollout is retried, not failed,
//! and completes. In a file of its own: the freeze would stall any test running beside it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/k8s.rs"]
mod k8s;

use std::time::Duration;

use k8s::test_cluster;
use serde_json::json;
use zopdeck::backend::Backend;
use zopdeck::backend::engine::{Engine, EngineSettings, OpenOptions};
use zopdeck::backend::model::*;

/// The test cluster's apiserver process (its state folder holds the kubeconfig and the pids).
fn apiserver_pid(kubeconfig: &std::path::Path) -> i32 {
    let pid_file = kubeconfig.with_file_name("pids").join("kube-apiserver.pid");
    std::fs::read_to_string(&pid_file)
        .unwrap_or_else(|e| panic!("{}: {e}", pid_file.display()))
        .trim()
        .parse()
        .unwrap()
}

fn signal(pid: i32, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

/// Resumes the apiserver even when the test fails half way.
struct Thaw(i32);

impl Drop for Thaw {
    fn drop(&mut self) {
        signal(self.0, "-CONT");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollout_outlives_an_apiserver_outage() {
    let Some(c) = test_cluster("a_rollout_outlives_an_apiserver_outage") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(
        dir.path(),
        EngineSettings::default(),
        OpenOptions {
            demo: false,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let ns = format!("ko-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let env = k8s::kube_environment(&engine, &c, "kube-test", "outage", &ns).await;
    let d = engine
        .create_deployment(NewDeployment {
            name: "steady".into(),
            env_id: Some(env.id),
            image: Some("nginx:1.27".into()),
            configs: Some(json!({"replicas": 3})),
            ..Default::default()
        })
        .await
        .unwrap();
    // Freeze the apiserver as soon as the rollout starts, for longer than a call may take.
    for _ in 0..2000 {
        if engine.get_deployment(&d.id).await.unwrap().status == DeploymentStatus::RollingOut {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = apiserver_pid(&c.kubeconfig);
    signal(pid, "-STOP");
    let thaw = Thaw(pid);
    tokio::time::sleep(Duration::from_secs(15)).await;
    let during = engine.get_deployment(&d.id).await.unwrap();
    assert_eq!(
        during.status,
        DeploymentStatus::RollingOut,
        "the outage came mid-rollout, and is no failure"
    );
    drop(thaw);

    let mut status = during.status;
    for _ in 0..1800 {
        status = engine.get_deployment(&d.id).await.unwrap().status;
        if !status.is_in_progress() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let events = engine.list_events(&d.id, None).await.unwrap();
    assert_eq!(status, DeploymentStatus::Active, "{events:#?}");
    assert!(
        !events.iter().any(|e| e.status == EventStatus::Failed),
        "{events:#?}"
    );
    engine.delete_deployment(&d.id).await.unwrap();
    for _ in 0..1200 {
        if engine.get_deployment(&d.id).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = std::process::Command::new("kubectl")
        .args(["delete", "namespace", &ns, "--wait=false"])
        .output();
}
