//! The rollout-status table and pod failure classification, on objects built as JSON and on
//! pods the test cluster's node double wrote.

use serde_json::{Value, json};

use super::*;

fn deployment(generation: i64, replicas: Option<i32>, status: Value) -> Deployment {
    let mut d = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "kt", "generation": generation},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {}},
        "status": status,
    });
    if let Some(r) = replicas {
        d["spec"]["replicas"] = r.into();
    }
    serde_json::from_value(d).unwrap()
}

fn progressing(ready: u32, desired: u32, message: &str) -> RolloutState {
    RolloutState::Progressing {
        ready,
        desired,
        message: message.into(),
    }
}

#[test]
fn the_rollout_status_table() {
    let deadline = json!([{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                           "message": "ReplicaSet \"web-5d4\" has timed out progressing."}]);
    let table: Vec<(&str, Deployment, i64, RolloutState)> = vec![
        (
            "the controller has not seen the new generation",
            deployment(2, Some(3), json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3})),
            2,
            progressing(0, 3, "Waiting for deployment spec update to be observed..."),
        ),
        (
            "a copy from before the apply is not success",
            deployment(1, Some(3), json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3})),
            2,
            progressing(0, 3, "Waiting for deployment spec update to be observed..."),
        ),
        (
            "no status at all yet",
            deployment(1, Some(2), json!({})),
            1,
            progressing(0, 2, "Waiting for deployment spec update to be observed..."),
        ),
        (
            "new replicas still being created",
            deployment(2, Some(3), json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1, "availableReplicas": 3})),
            2,
            progressing(1, 3, "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated..."),
        ),
        (
            "old replicas terminating",
            deployment(2, Some(3), json!({"observedGeneration": 2, "replicas": 5, "updatedReplicas": 3, "availableReplicas": 3})),
            2,
            progressing(3, 3, "Waiting for deployment \"web\" rollout to finish: 2 old replicas are pending termination..."),
        ),
        (
            "updated replicas not all available",
            deployment(2, Some(3), json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 1})),
            2,
            progressing(1, 3, "Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available..."),
        ),
        (
            "complete",
            deployment(2, Some(3), json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3, "readyReplicas": 3})),
            2,
            RolloutState::Complete { ready: 3, desired: 3 },
        ),
        (
            "observed a later generation than applied",
            deployment(5, Some(1), json!({"observedGeneration": 5, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1})),
            4,
            RolloutState::Complete { ready: 1, desired: 1 },
        ),
        (
            "scaled to zero",
            deployment(3, Some(0), json!({"observedGeneration": 3})),
            3,
            RolloutState::Complete { ready: 0, desired: 0 },
        ),
        (
            "no spec.replicas: kubectl skips the updated check",
            deployment(1, None, json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1})),
            1,
            RolloutState::Complete { ready: 1, desired: 1 },
        ),
        (
            "the progress deadline passed",
            deployment(2, Some(3), json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 0, "conditions": deadline})),
            2,
            RolloutState::Failed {
                reason: "deployment \"web\" exceeded its progress deadline: ReplicaSet \"web-5d4\" has timed out progressing.".into(),
            },
        ),
        (
            "a deadline on an unobserved generation is the previous revision's",
            deployment(3, Some(3), json!({"observedGeneration": 2, "conditions": deadline})),
            3,
            progressing(0, 3, "Waiting for deployment spec update to be observed..."),
        ),
        (
            "Progressing=True is not a failure",
            deployment(2, Some(1), json!({"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "availableReplicas": 1,
                "conditions": [{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]})),
            2,
            RolloutState::Complete { ready: 1, desired: 1 },
        ),
    ];
    for (case, d, generation, want) in table {
        assert_eq!(deployment_state(&d, generation), want, "{case}");
    }
}

#[test]
fn states_map_onto_the_runtime_seam() {
    let failed = RolloutState::Failed {
        reason: "late".into(),
    };
    assert_eq!(
        failed.to_progress().phase,
        RolloutPhase::Failed("late".into())
    );
    let p = progressing(1, 3, "waiting").to_progress();
    assert_eq!(
        (p.ready, p.desired, p.message.as_deref()),
        (1, 3, Some("waiting"))
    );
    assert_eq!(p.phase, RolloutPhase::Progressing);
    let done = RolloutState::Complete {
        ready: 2,
        desired: 2,
    }
    .to_progress();
    assert_eq!((done.ready, done.phase), (2, RolloutPhase::Complete));
}

fn pod(status: Value) -> Pod {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "kt"},
        "spec": {"containers": [{"name": "app", "image": "x"}]},
        "status": status,
    }))
    .unwrap()
}

fn waiting(image: &str, reason: &str, message: &str) -> Value {
    json!({"phase": "Pending", "containerStatuses": [{
        "name": "app", "image": image, "imageID": "", "ready": false, "restartCount": 0,
        "state": {"waiting": {"reason": reason, "message": message}}}]})
}

/// The failure a pod status should be classified as, if any.
type Expected = Option<(PodFailureKind, &'static str)>;

#[test]
fn the_pod_failure_table() {
    use PodFailureKind::*;
    let crash = json!({"phase": "Running", "containerStatuses": [{
        "name": "app", "image": "ghcr.io/acme/crashloop:1.0", "imageID": "", "ready": false, "restartCount": 4,
        "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container=app"}}}]});
    let crash_once = json!({"phase": "Running", "containerStatuses": [{
        "name": "app", "image": "a", "imageID": "", "ready": false, "restartCount": 1, "lastState": {},
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]});
    let init_bad = json!({"phase": "Pending",
        "initContainerStatuses": [{"name": "migrate", "image": "m", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "configmap \"settings\" not found"}}}],
        "containerStatuses": [{"name": "app", "image": "a", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "PodInitializing"}}}]});
    let table: Vec<(&str, Value, Expected)> = vec![
        (
            "a pull error",
            waiting("ghcr.io/acme/web:missing", "ErrImagePull", "not found"),
            Some((
                ImagePull,
                "ErrImagePull: image \"ghcr.io/acme/web:missing\" cannot be pulled: not found",
            )),
        ),
        (
            "a pull back-off without a message",
            waiting("x:1", "ImagePullBackOff", ""),
            Some((
                ImagePull,
                "ImagePullBackOff: image \"x:1\" cannot be pulled",
            )),
        ),
        (
            "an invalid image",
            waiting(
                "Bad Image",
                "InvalidImageName",
                "couldn't parse image reference \"Bad Image\": invalid reference format",
            ),
            Some((
                InvalidImageName,
                "InvalidImageName: \"Bad Image\" is not a valid image reference: couldn't parse image reference \"Bad Image\": invalid reference format",
            )),
        ),
        (
            "a missing secret",
            waiting(
                "a",
                "CreateContainerConfigError",
                "secret \"db-password\" not found",
            ),
            Some((
                ContainerConfig,
                "CreateContainerConfigError: secret \"db-password\" not found",
            )),
        ),
        (
            "a crash loop",
            crash,
            Some((
                CrashLoop,
                "CrashLoopBackOff: container \"app\" exited with code 137 (OOMKilled), restarted 4 times",
            )),
        ),
        (
            "a crash loop without a last state",
            crash_once,
            Some((
                CrashLoop,
                "CrashLoopBackOff: container \"app\" keeps exiting, restarted 1 time",
            )),
        ),
        (
            "an init container that cannot start",
            init_bad,
            Some((
                ContainerConfig,
                "CreateContainerConfigError: configmap \"settings\" not found",
            )),
        ),
        ("just created", waiting("a", "ContainerCreating", ""), None),
        (
            "pending, not yet looked at",
            json!({"phase": "Pending"}),
            None,
        ),
        (
            "waiting for a node, nothing said yet",
            json!({"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "SchedulerError"}]}),
            None,
        ),
        (
            "running and ready",
            json!({"phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "app", "image": "a", "imageID": "", "ready": true, "restartCount": 0,
                "state": {"running": {"startedAt": "2026-12-02T07:41:36Z"}}}]}),
            None,
        ),
    ];
    for (case, status, want) in table {
        let got = pod_failure(&pod(status)).map(|f| (f.kind, f.reason));
        assert_eq!(got, want.map(|(k, r)| (k, r.to_string())), "{case}");
    }
}

#[test]
fn unschedulable_carries_the_schedulers_message_and_since_when() {
    let p = pod(json!({"phase": "Pending", "conditions": [{
        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
        "message": "0/3 nodes are available: 3 Insufficient memory.",
        "lastTransitionTime": "2026-12-02T07:41:33Z"}]}));
    let f = pod_failure(&p).unwrap();
    assert_eq!(f.kind, PodFailureKind::Unschedulable);
    assert_eq!(
        f.reason,
        "Unschedulable: 0/3 nodes are available: 3 Insufficient memory."
    );
    assert_eq!(
        f.since.map(|t| t.to_rfc3339()),
        Some("2026-12-02T07:41:33+00:00".into())
    );
    assert_eq!((f.pod.as_str(), f.container), ("web-1", None));
}

#[test]
fn a_terminating_pod_is_not_a_failure() {
    let mut p = pod(waiting("x:1", "ErrImagePull", "not found"));
    p.metadata.deletion_timestamp = serde_json::from_value(json!("2026-12-02T07:41:33Z")).unwrap();
    assert_eq!(pod_failure(&p), None);
}

/// `kubectl get pods … -o json` of pods the node double moved (managedFields dropped).
#[derive(serde::Deserialize)]
struct PodList {
    items: Vec<Pod>,
}

fn node_double_pods() -> PodList {
    serde_json::from_str(include_str!("../testdata/pods-node-double.json")).unwrap()
}

#[test]
fn what_the_node_double_writes_is_classified() {
    let pods = node_double_pods();
    let by_name = |n: &str| {
        pods.items
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some(n))
            .unwrap()
    };
    let reason = |n: &str| pod_failure(by_name(n)).map(|f| f.reason);
    assert_eq!(
        reason("pull").as_deref(),
        Some(
            "ImagePullBackOff: image \"ghcr.io/acme/does-not-exist:1.0\" cannot be pulled: Back-off pulling image \"ghcr.io/acme/does-not-exist:1.0\""
        )
    );
    assert_eq!(
        reason("pull2").as_deref(),
        Some(
            "ImagePullBackOff: image \"ghcr.io/acme/web:missing\" cannot be pulled: Back-off pulling image \"ghcr.io/acme/web:missing\""
        )
    );
    let crash = reason("crash").unwrap();
    assert!(
        crash.starts_with(
            "CrashLoopBackOff: container \"app\" exited with code 1 (Error), restarted "
        ),
        "{crash}"
    );
    assert_eq!(
        reason("nosecret").as_deref(),
        Some("CreateContainerConfigError: secret \"db-password\" not found")
    );
    assert_eq!(
        reason("huge").as_deref(),
        Some("Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.")
    );
    assert_eq!(reason("ok"), None);
    assert_eq!(ready_pods(&pods.items), 1);
    assert_eq!(
        first_pod_failure(&pods.items).map(|f| f.pod),
        Some("pull".to_string())
    );
}
