//! A LoadBalancer on the real test cluster: while the Service has no address, since when it
//! waits and the Service's latest event (as a cloud controller writes it); then the address,
//! without TLS where cert-manager's API does not exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/k8s.rs"]
mod k8s;

use std::time::Duration;

use futures::StreamExt;
use k8s::{Namespace, TestCluster, release, test_cluster, tool};
use serde_json::{Value, json};
use zopdeck::backend::model::{LbStatus, LoadBalancer};
use zopdeck::backend::runtime::Runtime;
use zopdeck::backend::runtime::kubernetes::KubeRuntime;

/// `kubectl create` of one object given as JSON.
fn create(c: &TestCluster, object: &Value) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), object.to_string()).unwrap();
    tool(
        c,
        "kubectl",
        &["create", "-f", &file.path().to_string_lossy()],
    );
}

/// The next LoadBalancer of the watch that satisfies `ok`.
async fn next_until(
    watch: &mut futures::stream::BoxStream<
        'static,
        zopdeck::backend::runtime::RuntimeResult<LoadBalancer>,
    >,
    what: &str,
    ok: impl Fn(&LoadBalancer) -> bool,
) -> LoadBalancer {
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(lb) = watch.next().await {
            let lb = lb.unwrap();
            if ok(&lb) {
                return lb;
            }
        }
        panic!("the watch ended before {what}");
    })
    .await;
    found.unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_loadbalancer_says_since_when_and_why_then_its_address() {
    let Some(c) = test_cluster("a_pending_loadbalancer_says_since_when_and_why_then_its_address")
    else {
        return;
    };
    let ns = Namespace::new(&c, "lb");
    let rt = KubeRuntime::new();
    let r = release(&c, &ns.name, "web");
    // A LoadBalancer Service the node double never gives an address (its annotation).
    create(
        &c,
        &json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": ns.name, "annotations": {"node-double/lb": "never"}},
            "spec": {"type": "LoadBalancer", "selector": {"app": "web"},
                     "ports": [{"name": "http-443", "port": 443, "targetPort": 8080}]},
        }),
    );
    let mut watch = rt.watch_loadbalancer(&r);
    let first = next_until(&mut watch, "a pending LoadBalancer", |lb| {
        lb.status == LbStatus::Pending
    })
    .await;
    let since = first
        .pending
        .as_ref()
        .and_then(|p| p.since)
        .expect("since when it waits");
    assert!(
        (chrono::Utc::now() - since).num_seconds() < 60,
        "since the Service's creation: {since}"
    );
    assert_eq!(first.pending.as_ref().unwrap().reason, None, "no event yet");

    // The cloud controller says why: the newest event is the reason, in the stream and in a read.
    for (i, (reason, message)) in [
        ("EnsuringLoadBalancer", "Ensuring load balancer"),
        (
            "SyncLoadBalancerFailed",
            "Error syncing load balancer: failed to ensure load balancer: quota exceeded",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let at = (chrono::Utc::now() + chrono::TimeDelta::seconds(i as i64))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        create(
            &c,
            &json!({
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": format!("web.{i}"), "namespace": ns.name},
                "involvedObject": {"apiVersion": "v1", "kind": "Service", "name": "web", "namespace": ns.name},
                "reason": reason, "message": message, "type": if i == 0 { "Normal" } else { "Warning" },
                "source": {"component": "service-controller"},
                "firstTimestamp": at, "lastTimestamp": at, "count": 1,
            }),
        );
    }
    let why = "SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer: quota exceeded";
    let pending = next_until(&mut watch, "the latest event as the reason", |lb| {
        lb.pending.as_ref().and_then(|p| p.reason.as_deref()) == Some(why)
    })
    .await;
    assert_eq!(pending.status, LbStatus::Pending);
    let read = rt.loadbalancer(&r).await.unwrap();
    assert_eq!(read.pending.and_then(|p| p.reason).as_deref(), Some(why));
    let wire = serde_json::to_value(&pending).unwrap();
    assert!(
        wire["pending"]["since"].is_string() && wire["pending"]["reason"] == why,
        "{wire}"
    );

    // The address comes (as the cloud controller writes it): ready, no pending, no TLS while
    // cert-manager's API does not exist.
    tool(
        &c,
        "kubectl",
        &[
            "patch",
            "service",
            "web",
            "-n",
            &ns.name,
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"loadBalancer":{"ingress":[{"hostname":"web.example.test"}]}}}"#,
        ],
    );
    let ready = next_until(&mut watch, "the address", |lb| lb.status == LbStatus::Ready).await;
    assert_eq!(ready.address.as_deref(), Some("web.example.test"));
    assert_eq!(ready.pending, None);
    // No cert-manager on this cluster: TLS is absent, not an error. (A Certificate's issuer and
    // expiry are read by unit tests beside the runtime: this apiserver build cannot hold
    // custom resources — see the closing note.)
    assert_eq!(ready.tls, None, "no cert-manager, no TLS");
    let wire = serde_json::to_value(&ready).unwrap();
    assert!(!wire.as_object().unwrap().contains_key("pending"), "{wire}");
    assert_eq!(
        rt.loadbalancer(&r).await.unwrap(),
        ready,
        "a read agrees with the watch"
    );
}
