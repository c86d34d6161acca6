//! The Kubernetes test cluster for the tests that need one (`../shared/tools/kube-test-cluster`,
//! started by `.ci/run`): found through `$KUBECONFIG`. Without a reachable cluster a test says
//! that it skipped and why — but under `CI=true` that is a failure, never a skip.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The test cluster: its kubeconfig and context.
pub struct TestCluster {
    pub kubeconfig: PathBuf,
    pub context: String,
}

/// The cluster, or `None` (after saying why) when there is none and this is not CI.
pub fn test_cluster(test: &str) -> Option<TestCluster> {
    let why = match std::env::var("KUBECONFIG") {
        Err(_) => "KUBECONFIG is not set".to_string(),
        Ok(path) => {
            let out = Command::new("kubectl")
                .args([
                    "--kubeconfig",
                    &path,
                    "--request-timeout=5s",
                    "config",
                    "current-context",
                ])
                .output();
            match out {
                Ok(o) if o.status.success() => {
                    let context = String::from_utf8_lossy(&o.stdout).trim().to_string();
                    let ready = Command::new("kubectl")
                        .args([
                            "--kubeconfig",
                            &path,
                            "--request-timeout=5s",
                            "get",
                            "--raw",
                            "/readyz",
                        ])
                        .output();
                    match ready {
                        Ok(r) if r.status.success() => {
                            return Some(TestCluster {
                                kubeconfig: PathBuf::from(path),
                                context,
                            });
                        }
                        Ok(r) => format!(
                            "the cluster of {path} is not ready: {}",
                            String::from_utf8_lossy(&r.stderr).trim()
                        ),
                        Err(e) => format!("kubectl cannot run: {e}"),
                    }
                }
                Ok(o) => format!(
                    "kubectl cannot read {path}: {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                ),
                Err(e) => format!("kubectl is not on PATH ({e})"),
            }
        }
    };
    let message = format!(
        "{test}: skipped: no Kubernetes test cluster ({why}); start one with \
         ../shared/tools/kube-test-cluster/up and export what it prints, or run .ci/run"
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message} — under CI=true this test must run");
    }
    eprintln!("{message}");
    None
}

/// Runs a command of the cluster's tools (`kubectl`, `helm`) and returns its stdout; fails the
/// test with its stderr when it fails.
pub fn tool(cluster: &TestCluster, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .env("KUBECONFIG", &cluster.kubeconfig)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} cannot run: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A namespace of the test's own, deleted when dropped.
pub struct Namespace<'a> {
    pub name: String,
    cluster: &'a TestCluster,
}

impl<'a> Namespace<'a> {
    pub fn new(cluster: &'a TestCluster, prefix: &str) -> Self {
        let name = format!(
            "{prefix}-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        tool(cluster, "kubectl", &["create", "namespace", &name]);
        Self { name, cluster }
    }
}

impl Drop for Namespace<'_> {
    fn drop(&mut self) {
        let _ = Command::new("kubectl")
            .env("KUBECONFIG", &self.cluster.kubeconfig)
            .args(["delete", "namespace", &self.name, "--wait=false"])
            .output();
    }
}

/// A space named `name` on the kubeconfig's context `context` (its first when `None`): the
/// kubeconfig registered, access granted once the context answers, then the space.
pub async fn kube_space(
    engine: &zopdeck::backend::engine::Engine,
    kubeconfig: &std::path::Path,
    context: Option<&str>,
    name: &str,
) -> zopdeck::backend::model::Space {
    use zopdeck::backend::Backend;
    use zopdeck::backend::model::NewSpace;
    let account = engine.register_kubeconfig(kubeconfig).unwrap();
    let cluster = account
        .clusters
        .iter()
        .find(|k| context.is_none_or(|c| k.name == c))
        .unwrap()
        .clone();
    engine
        .register_cluster_access(&account.id, &cluster.region, &cluster.name)
        .await
        .unwrap_or_else(|e| panic!("registering access to {}: {e}", cluster.name));
    engine
        .create_space(NewSpace {
            name: name.into(),
            provider: cluster.provider.clone().unwrap(),
            space_type: None,
            cloud_account_id: account.id.clone(),
            config: serde_json::json!({"context": cluster.name}),
        })
        .await
        .unwrap()
}

/// A space `space` on the test cluster's context and an environment `env` in it on
/// `namespace`.
pub async fn kube_environment(
    engine: &zopdeck::backend::engine::Engine,
    c: &TestCluster,
    space: &str,
    env: &str,
    namespace: &str,
) -> zopdeck::backend::model::Environment {
    use zopdeck::backend::Backend;
    use zopdeck::backend::model::NewEnvironment;
    let space = kube_space(engine, &c.kubeconfig, Some(&c.context), space).await;
    engine
        .create_environment(NewEnvironment {
            name: env.into(),
            space_id: space.id,
            namespace: namespace.into(),
            registry_url: None,
        })
        .await
        .unwrap()
}

/// The release `name` in `namespace` on the test cluster's context.
pub fn release(
    c: &TestCluster,
    namespace: &str,
    name: &str,
) -> zopdeck::backend::runtime::ReleaseRef {
    use zopdeck::backend::runtime::{ClusterRef, ReleaseRef};
    ReleaseRef {
        cluster: ClusterRef {
            account: "ca_test".into(),
            region: "default".into(),
            name: c.context.clone(),
            kubeconfig: Some(c.kubeconfig.clone()),
        },
        namespace: namespace.into(),
        name: name.into(),
    }
}
