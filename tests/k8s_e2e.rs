//! The embedded engine on a real cluster (the test cluster's kube-apiserver, pods played by
//! its node double), from a kubeconfig space to teardown, with the real `helm` agreeing:
//! create → active with pods ready and an address; configs patch → Helm revision 2; rollback
//! → revision 3 "Rollback to 1"; a `helm rollback` by hand noticed and continued; broken
//! revisions failing with the pod's reason; teardown leaving nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/k8s.rs"]
mod k8s;

use std::sync::Arc;
use std::time::Duration;

use k8s::{TestCluster, test_cluster, tool};
use serde_json::{Value, json};
use zopdeck::backend::Backend;
use zopdeck::backend::engine::{Engine, EngineSettings, OpenOptions};
use zopdeck::backend::model::*;

struct Env {
    engine: Arc<Engine>,
    env: Environment,
    _dir: tempfile::TempDir,
    namespace: String,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kubectl")
            .args(["delete", "namespace", &self.namespace, "--wait=false"])
            .output();
    }
}

/// An engine with a space on the test cluster's context and an environment on a fresh namespace.
async fn on_cluster(c: &TestCluster) -> Env {
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
    let namespace = format!("ke-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let env = k8s::kube_environment(&engine, c, "kube-test", "staging", &namespace).await;
    Env {
        engine,
        env,
        _dir: dir,
        namespace,
    }
}

async fn wait_for<T>(what: &str, secs: u64, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the deployment's newest revision is active or failed; returns it.
async fn settle(e: &Env, id: &str) -> Revision {
    wait_for("the rollout to end", 90, async || {
        let rev = e.engine.list_revisions(id).await.unwrap().remove(0);
        matches!(rev.status, RevisionStatus::Active | RevisionStatus::Failed).then_some(rev)
    })
    .await
}

fn failure(events: &[Event]) -> String {
    events
        .iter()
        .rev()
        .find_map(|e| e.meta.get("reason").and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

fn helm_json(c: &TestCluster, args: &[&str]) -> Value {
    serde_json::from_str(&tool(c, "helm", args)).unwrap()
}

async fn create(e: &Env, name: &str, image: &str, configs: Value) -> Deployment {
    e.engine
        .create_deployment(NewDeployment {
            name: name.into(),
            env_id: Some(e.env.id.clone()),
            image: Some(image.into()),
            configs: Some(configs),
            ..Default::default()
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_lifecycle_on_a_real_cluster_agrees_with_helm() {
    let Some(c) = test_cluster("the_whole_lifecycle_on_a_real_cluster_agrees_with_helm") else {
        return;
    };
    let e = on_cluster(&c).await;
    let ns = e.namespace.clone();
    let d = create(
        &e,
        "web",
        "nginx:1.27",
        json!({"port": 80, "replicas": 2,
        "envVars": {"LOG_LEVEL": "info"}, "expose": [{"port": 80, "protocol": "http"}]}),
    )
    .await;
    let rev1 = settle(&e, &d.id).await;
    assert_eq!(rev1.status, RevisionStatus::Active);
    let pods = tool(
        &c,
        "kubectl",
        &[
            "get",
            "pods",
            "-n",
            &ns,
            "-l",
            "app.kubernetes.io/instance=web",
            "-o",
            "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}",
        ],
    );
    assert_eq!(pods.lines().filter(|l| *l == "True").count(), 2, "{pods}");
    let lb = wait_for("the address", 30, async || {
        let lb = e.engine.loadbalancer(&d.id).await.unwrap();
        (lb.status == LbStatus::Ready).then_some(lb)
    })
    .await;
    assert!(lb.address.is_some());

    // Configs patch → Helm revision 2.
    e.engine
        .patch_configs(&d.id, json!({"replicas": 3}))
        .await
        .unwrap();
    assert_eq!(settle(&e, &d.id).await.status, RevisionStatus::Active);
    let list = helm_json(&c, &["list", "-n", &ns, "-o", "json"]);
    assert_eq!(
        (list[0]["revision"].as_str(), list[0]["status"].as_str()),
        (Some("2"), Some("deployed"))
    );

    // Rollback → revision 3, "Rollback to 1", with revision 1's image and replicas.
    let rb = e.engine.rollback(&d.id, &rev1.id).await.unwrap();
    assert_eq!(settle(&e, &d.id).await.id, rb.id);
    let history = helm_json(&c, &["history", "web", "-n", &ns, "-o", "json"]);
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[2]["description"], "Rollback to 1");
    assert_eq!(history[2]["status"], "deployed");
    assert_eq!(history[1]["status"], "superseded");
    let status = helm_json(&c, &["status", "web", "-n", &ns, "-o", "json"]);
    assert_eq!(status["version"], 3);
    let replicas = tool(
        &c,
        "kubectl",
        &[
            "get",
            "deployment",
            "web",
            "-n",
            &ns,
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    );
    assert_eq!(replicas, "2");

    // A rollback by hand is noticed…
    tool(
        &c,
        "helm",
        &[
            "rollback",
            "web",
            "2",
            "-n",
            &ns,
            "--wait",
            "--timeout",
            "60s",
        ],
    );
    let drift = wait_for("the drift to be noticed", 30, async || {
        e.engine.get_deployment(&d.id).await.unwrap().drift
    })
    .await;
    assert_eq!(drift.helm_revision, 4);
    assert_eq!(drift.description, "Rollback to 2");
    // …and zopdeck's next revision continues Helm's numbering and takes the release back.
    e.engine
        .patch_configs(&d.id, json!({"replicas": 1}))
        .await
        .unwrap();
    assert_eq!(settle(&e, &d.id).await.status, RevisionStatus::Active);
    let after = e.engine.get_deployment(&d.id).await.unwrap();
    assert!(after.drift.is_none());
    let list = helm_json(&c, &["list", "-n", &ns, "-o", "json"]);
    assert_eq!(list[0]["revision"], "5");
    // A rollback to that revision (zopdeck's #4, Helm's 5) names Helm's number.
    let helm_five = e.engine.list_revisions(&d.id).await.unwrap().remove(0);
    assert_eq!(helm_five.number, 4);
    e.engine
        .patch_configs(&d.id, json!({"replicas": 2}))
        .await
        .unwrap();
    assert_eq!(settle(&e, &d.id).await.status, RevisionStatus::Active);
    e.engine.rollback(&d.id, &helm_five.id).await.unwrap();
    assert_eq!(settle(&e, &d.id).await.status, RevisionStatus::Active);
    let history = helm_json(&c, &["history", "web", "-n", &ns, "-o", "json"]);
    let newest = history.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (newest["revision"].as_u64(), newest["description"].as_str()),
        (Some(7), Some("Rollback to 5")),
        "{history}"
    );

    // Teardown: nothing left, not even Helm's records.
    e.engine.delete_deployment(&d.id).await.unwrap();
    wait_for("the teardown", 120, async || {
        e.engine.get_deployment(&d.id).await.is_err().then_some(())
    })
    .await;
    let left = tool(
        &c,
        "kubectl",
        &[
            "get",
            "deployments,services,configmaps,secrets,pods",
            "-n",
            &ns,
            "-l",
            "app.kubernetes.io/instance=web",
            "-o",
            "name",
        ],
    );
    assert_eq!(left.trim(), "");
    assert_eq!(helm_json(&c, &["list", "-n", &ns, "-o", "json"]), json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_revisions_fail_with_the_pods_reason() {
    let Some(c) = test_cluster("broken_revisions_fail_with_the_pods_reason") else {
        return;
    };
    let e = on_cluster(&c).await;
    let cases = [
        (
            "pull",
            "ghcr.io/acme/does-not-exist:1.0",
            json!({}),
            "ErrImagePull",
        ),
        (
            "crash",
            "ghcr.io/acme/crashloop:1.0",
            json!({}),
            "CrashLoopBackOff",
        ),
        (
            "secret",
            "nginx:1.27",
            json!({"secretRefs": ["secret://db-password"]}),
            "secret \"db-password\" not found",
        ),
        (
            "big",
            "nginx:1.27",
            json!({"resources": {"requests": {"cpu": "500"}}}),
            "Insufficient cpu",
        ),
    ];
    let mut ids = Vec::new();
    for (name, image, configs, _) in &cases {
        ids.push(create(&e, name, image, configs.clone()).await.id);
    }
    for ((name, _, _, want), id) in cases.iter().zip(&ids) {
        let rev = settle(&e, id).await;
        assert_eq!(rev.status, RevisionStatus::Failed, "{name}");
        let d = e.engine.get_deployment(id).await.unwrap();
        assert_eq!(d.status, DeploymentStatus::Failed);
        let reason = failure(&e.engine.list_events(id, None).await.unwrap());
        assert!(reason.contains(want), "{name}: {reason}");
        let list = helm_json(&c, &["list", "-n", &e.namespace, "--failed", "-o", "json"]);
        assert!(
            list.as_array().unwrap().iter().any(|l| l["name"] == *name),
            "{name}: {list}"
        );
    }
    // A fix rolls out over the failure.
    e.engine
        .create_revision(
            &ids[0],
            NewRevision {
                image: Some("nginx:1.27".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(settle(&e, &ids[0]).await.status, RevisionStatus::Active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_kubeconfig_is_a_clear_403() {
    let Some(c) = test_cluster("a_forbidden_kubeconfig_is_a_clear_403") else {
        return;
    };
    let forbidden = c.kubeconfig.with_file_name("kubeconfig-forbidden");
    if !forbidden.exists() {
        panic!("the test cluster has no {}", forbidden.display());
    }
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
    let account = engine.register_kubeconfig(&forbidden).unwrap();
    let cluster = account.clusters[0].clone();
    engine
        .register_cluster_access(&account.id, &cluster.region, &cluster.name)
        .await
        .unwrap();
    let space = engine
        .create_space(NewSpace {
            name: "forbidden".into(),
            provider: cluster.provider.clone().unwrap(),
            space_type: None,
            cloud_account_id: account.id.clone(),
            config: json!({"context": cluster.name}),
        })
        .await
        .unwrap();
    let err = engine
        .create_environment(NewEnvironment {
            name: "nope".into(),
            space_id: space.id,
            namespace: "kf-nope".into(),
            registry_url: None,
        })
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("forbids") && message.contains("namespaces"),
        "{message}"
    );
}
