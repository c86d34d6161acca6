//! The Kubernetes runtime against the real test cluster (a real kube-apiserver; pods played
//! by its node double), with the real `helm` reading what it records: apply → rollout →
//! deployed, upgrades numbered after Helm's history, early failures with the pod's reason,
//! the LoadBalancer's address, a `helm rollback` by hand, and uninstall leaving nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/k8s.rs"]
mod k8s;

use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s::{Namespace, TestCluster, release, test_cluster, tool};
use serde_json::{Value, json};
use zopdeck::backend::model::LbStatus;
use zopdeck::backend::model::configs::TypedConfigs;
use zopdeck::backend::runtime::kubernetes::KubeRuntime;
use zopdeck::backend::runtime::{
    ReleaseOutcome, ReleaseRef, ReleaseSpec, RolloutPhase, RolloutProgress, Runtime,
};

fn spec(r: &ReleaseRef, number: u32, image: &str, configs: Value) -> ReleaseSpec {
    ReleaseSpec {
        release: r.clone(),
        deployment_id: format!("dep_{}", r.name),
        revision_id: format!("rev_{}_{number}", r.name),
        revision_number: number,
        image: image.into(),
        configs: TypedConfigs::parse(&configs).unwrap(),
        rollback_to: None,
    }
}

/// Follows the rollout to its end; returns the last observation and how long it took.
async fn follow(rt: &KubeRuntime, r: &ReleaseRef, version: u32) -> (RolloutProgress, Duration) {
    let started = Instant::now();
    let mut watch = rt.watch_rollout(r, version);
    let mut last = None;
    let ended = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(p) = watch.next().await {
            let p = p.unwrap();
            let done = p.phase != RolloutPhase::Progressing;
            last = Some(p);
            if done {
                break;
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the rollout never ended: {last:?}");
    (last.unwrap(), started.elapsed())
}

fn helm_json(c: &TestCluster, args: &[&str]) -> Value {
    serde_json::from_str(&tool(c, "helm", args)).unwrap()
}

#[tokio::test]
async fn a_release_helm_reads_from_install_to_uninstall() {
    let Some(c) = test_cluster("a_release_helm_reads_from_install_to_uninstall") else {
        return;
    };
    let ns = Namespace::new(&c, "kr");
    let rt = KubeRuntime::new();
    let r = release(&c, &ns.name, "web");
    rt.check(&r.cluster).await.unwrap();

    // Install.
    let configs = json!({"port": 8080, "replicas": 2, "envVars": {"LOG_LEVEL": "info"},
                         "expose": [{"port": 80, "protocol": "http"}]});
    let applied = rt
        .apply(&spec(&r, 1, "nginx:1.27", configs.clone()))
        .await
        .unwrap();
    assert_eq!(applied.version, 1);
    let list = helm_json(
        &c,
        &[
            "list",
            "-n",
            &ns.name,
            "--deployed",
            "--failed",
            "--pending",
            "-o",
            "json",
        ],
    );
    assert_eq!(list[0]["status"], "pending-install", "{list}");
    let (end, _) = follow(&rt, &r, 1).await;
    assert_eq!(end.phase, RolloutPhase::Complete, "{end:?}");
    assert_eq!((end.ready, end.desired), (2, 2));
    rt.record_outcome(&r, 1, &ReleaseOutcome::Deployed)
        .await
        .unwrap();
    let list = helm_json(&c, &["list", "-n", &ns.name, "-o", "json"]);
    assert_eq!(list[0]["name"], "web");
    assert_eq!(list[0]["status"], "deployed");
    assert_eq!(list[0]["revision"], "1");
    assert_eq!(list[0]["chart"], "zopdeck-app-0.1.0");

    // The address, from the Service's status.
    let mut lbs = rt.watch_loadbalancer(&r);
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let lb = lbs.next().await.unwrap().unwrap();
            if lb.status == LbStatus::Ready {
                return lb;
            }
        }
    })
    .await
    .expect("an address within 30 s");
    assert!(ready.address.is_some());
    assert_eq!(ready.ports[0].port, 80);
    drop(lbs);
    assert_eq!(rt.loadbalancer(&r).await.unwrap(), ready);

    // An upgrade without env vars: revision 2, the ConfigMap pruned, revision 1 superseded.
    let applied = rt
        .apply(&spec(
            &r,
            2,
            "nginx:1.28",
            json!({"port": 8080, "replicas": 3,
                                                   "expose": [{"port": 80, "protocol": "http"}]}),
        ))
        .await
        .unwrap();
    assert_eq!(applied.version, 2);
    let (end, _) = follow(&rt, &r, 2).await;
    assert_eq!((end.phase, end.ready), (RolloutPhase::Complete, 3));
    rt.record_outcome(&r, 2, &ReleaseOutcome::Deployed)
        .await
        .unwrap();
    let history = helm_json(&c, &["history", "web", "-n", &ns.name, "-o", "json"]);
    let statuses: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["superseded", "deployed"]);
    assert_eq!(history[1]["description"], "Upgrade complete");
    let cms = tool(
        &c,
        "kubectl",
        &["get", "configmaps", "-n", &ns.name, "-o", "name"],
    );
    assert!(!cms.contains("web-env"), "{cms}");
    // Applying the same revision again (a resumed job) records nothing new.
    let again = rt
        .apply(&spec(
            &r,
            2,
            "nginx:1.28",
            json!({"port": 8080, "replicas": 3,
                                                   "expose": [{"port": 80, "protocol": "http"}]}),
        ))
        .await
        .unwrap();
    assert_eq!(again.version, 2);

    // A rollback by hand with the real helm: zopdeck's next revision continues its numbering.
    tool(
        &c,
        "helm",
        &[
            "rollback",
            "web",
            "1",
            "-n",
            &ns.name,
            "--wait",
            "--timeout",
            "60s",
        ],
    );
    let history = helm_json(&c, &["history", "web", "-n", &ns.name, "-o", "json"]);
    assert_eq!(history[2]["description"], "Rollback to 1");
    let image = tool(
        &c,
        "kubectl",
        &[
            "get",
            "deployment",
            "web",
            "-n",
            &ns.name,
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ],
    );
    assert_eq!(image, "nginx:1.27");
    let applied = rt
        .apply(&spec(&r, 3, "nginx:1.29", json!({"port": 8080})))
        .await
        .unwrap();
    assert_eq!(applied.version, 4, "after helm's revision 3");
    let (end, _) = follow(&rt, &r, 4).await;
    assert_eq!(end.phase, RolloutPhase::Complete);
    rt.record_outcome(&r, 4, &ReleaseOutcome::Deployed)
        .await
        .unwrap();

    // Uninstall: objects and records gone; again: nothing to do.
    assert!(!rt.uninstall(&r).await.unwrap());
    let left = tool(
        &c,
        "kubectl",
        &[
            "get",
            "deployments,services,configmaps,secrets",
            "-n",
            &ns.name,
            "-l",
            "app.kubernetes.io/instance=web",
            "-o",
            "name",
        ],
    );
    assert_eq!(left.trim(), "", "left behind: {left}");
    let list = helm_json(
        &c,
        &[
            "list",
            "-n",
            &ns.name,
            "--deployed",
            "--failed",
            "--pending",
            "-o",
            "json",
        ],
    );
    assert_eq!(list, json!([]));
    assert!(rt.uninstall(&r).await.unwrap(), "already clean");
}

#[tokio::test]
async fn helm_uninstall_of_a_zopdeck_release_leaves_nothing() {
    let Some(c) = test_cluster("helm_uninstall_of_a_zopdeck_release_leaves_nothing") else {
        return;
    };
    let ns = Namespace::new(&c, "kr");
    let rt = KubeRuntime::new();
    let r = release(&c, &ns.name, "api");
    let s = spec(
        &r,
        1,
        "nginx:1.27",
        json!({"port": 80, "envVars": {"A": "1"},
                                             "expose": [{"port": 80, "protocol": "tcp"}]}),
    );
    rt.apply(&s).await.unwrap();
    follow(&rt, &r, 1).await;
    rt.record_outcome(&r, 1, &ReleaseOutcome::Deployed)
        .await
        .unwrap();
    tool(&c, "helm", &["uninstall", "api", "-n", &ns.name, "--wait"]);
    let left = tool(
        &c,
        "kubectl",
        &[
            "get",
            "deployments,services,configmaps,secrets",
            "-n",
            &ns.name,
            "-o",
            "name",
        ],
    );
    let ours: Vec<&str> = left.lines().filter(|l| l.contains("api")).collect();
    assert!(ours.is_empty(), "left behind: {ours:?}");
}

/// Each broken revision fails with the pod's own reason, long before any progress deadline
/// (how soon is a figure of the `k8s_figures` bench, never asserted here).
#[tokio::test]
async fn broken_revisions_fail_fast_with_the_reason() {
    let Some(c) = test_cluster("broken_revisions_fail_fast_with_the_reason") else {
        return;
    };
    let ns = Namespace::new(&c, "kr");
    let rt = KubeRuntime::new();
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
            json!({"resources": {"requests": {"cpu": "500", "memory": "1Gi"}}}),
            "Insufficient cpu",
        ),
    ];
    for (name, image, configs, want) in cases {
        let r = release(&c, &ns.name, name);
        let v = rt
            .apply(&spec(&r, 1, image, configs))
            .await
            .unwrap()
            .version;
        let (end, took) = follow(&rt, &r, v).await;
        let RolloutPhase::Failed(reason) = &end.phase else {
            panic!("{name}: {end:?}");
        };
        assert!(reason.contains(want), "{name}: {reason}");
        eprintln!("{name}: failed after {took:?}: {reason}");
        rt.record_outcome(&r, v, &ReleaseOutcome::Failed(reason.clone()))
            .await
            .unwrap();
        let list = helm_json(
            &c,
            &[
                "list",
                "-n",
                &ns.name,
                "--deployed",
                "--failed",
                "--pending",
                "-o",
                "json",
            ],
        );
        let this = list
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .unwrap();
        assert_eq!(this["status"], "failed");
    }
}
