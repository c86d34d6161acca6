//! Spaces from kubeconfig contexts against a real apiserver (the shared test cluster):
//! the `/version` probe, namespaces created labelled or kept as they are, the messages of a
//! forbidden user and of a cluster that does not answer, and — once the engine drives
//! Kubernetes — spaces, environments and reachability through the engine.
//!
//! Without a reachable test cluster each test says it skipped and why (`support/k8s.rs`);
//! under `CI=true` it fails instead. Namespaces are named `ks-…` and deleted after.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/k8s.rs"]
mod k8s;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Namespace as KubeNamespace;
use kube::api::{DeleteParams, ObjectMeta, PostParams};
use kube::{Api, Client};
use zopdeck::backend::engine::{Engine, EngineSettings, OpenOptions};
use zopdeck::backend::model::*;
use zopdeck::backend::runtime::RuntimeError;
use zopdeck::backend::runtime::kubernetes::client::{Clients, Context};
use zopdeck::backend::runtime::kubernetes::{discovery, namespaces};
use zopdeck::backend::{Backend, BackendError};

/// The test cluster's kubeconfig and context, and a client of it; `None` (having said why)
/// when there is none outside CI.
async fn cluster(test: &str) -> Option<(PathBuf, String, Client)> {
    let c = k8s::test_cluster(test)?;
    let client = connect(&c.kubeconfig, &c.context)
        .await
        .unwrap_or_else(|e| panic!("the test cluster at {}: {e}", c.context));
    Some((c.kubeconfig, c.context, client))
}

async fn connect(kubeconfig: &Path, context: &str) -> Result<Client, RuntimeError> {
    Clients::default()
        .get(&Context {
            kubeconfig: kubeconfig.to_path_buf(),
            context: context.to_string(),
        })
        .await
}

/// The test cluster's second kubeconfig, whose user may do nothing.
fn forbidden_kubeconfig(kubeconfig: &Path) -> PathBuf {
    let file = kubeconfig.with_file_name("kubeconfig-forbidden");
    assert!(
        file.is_file(),
        "the test cluster writes a forbidden kubeconfig beside {}",
        kubeconfig.display()
    );
    file
}

/// A copy of the kubeconfig whose server is a local port nothing listens on.
fn closed_port_copy(kubeconfig: &Path, dir: &Path) -> PathBuf {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    point_at(
        kubeconfig,
        &dir.join("kubeconfig-closed"),
        &format!("https://127.0.0.1:{port}"),
    )
}

/// A copy of `from` at `to` with every cluster's server replaced.
fn point_at(from: &Path, to: &Path, server: &str) -> PathBuf {
    let text = std::fs::read_to_string(from).unwrap();
    let changed: Vec<String> = text
        .lines()
        .map(|l| match l.find("server:") {
            Some(i) => format!("{}server: {server}", &l[..i]),
            None => l.to_string(),
        })
        .collect();
    std::fs::write(to, changed.join("\n") + "\n").unwrap();
    to.to_path_buf()
}

fn unique(prefix: &str) -> String {
    format!(
        "ks-{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// Deletes the test's namespaces when dropped, even when the test failed.
struct Cleanup {
    kubeconfig: PathBuf,
    context: String,
    names: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let (kubeconfig, context, names) = (
            self.kubeconfig.clone(),
            self.context.clone(),
            self.names.clone(),
        );
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let Ok(client) = connect(&kubeconfig, &context).await else {
                    return;
                };
                let api: Api<KubeNamespace> = Api::all(client);
                for n in names {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(10),
                        api.delete(&n, &DeleteParams::default()),
                    )
                    .await;
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn namespaces_are_created_labelled_and_existing_ones_kept_as_they_are() {
    let Some((file, context, client)) =
        cluster("namespaces_are_created_labelled_and_existing_ones_kept_as_they_are").await
    else {
        return;
    };
    let version = namespaces::version(&client, &context).await.unwrap();
    assert!(version.starts_with('v'), "{version}");

    let ours = unique("ours");
    let theirs = unique("theirs");
    let _cleanup = Cleanup {
        kubeconfig: file.clone(),
        context: context.clone(),
        names: vec![ours.clone(), theirs.clone()],
    };
    let created = namespaces::ensure(&client, &context, &ours).await.unwrap();
    assert_eq!(created.name, ours);
    assert!(created.managed_by_zopnight);
    assert!(created.created_at.is_some());
    let api: Api<KubeNamespace> = Api::all(client.clone());
    let labels = api.get(&ours).await.unwrap().metadata.labels.unwrap();
    assert_eq!(
        labels
            .get("app.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("zopdeck")
    );
    // Again: the same namespace, nothing new.
    assert_eq!(
        namespaces::ensure(&client, &context, &ours).await.unwrap(),
        created
    );

    // One made by someone else is used, not relabelled.
    api.create(
        &PostParams::default(),
        &KubeNamespace {
            metadata: ObjectMeta {
                name: Some(theirs.clone()),
                labels: Some([("team".to_string(), "a".to_string())].into()),
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let kept = namespaces::ensure(&client, &context, &theirs)
        .await
        .unwrap();
    assert!(!kept.managed_by_zopnight);
    let labels = api.get(&theirs).await.unwrap().metadata.labels.unwrap();
    assert!(
        !labels.contains_key("app.kubernetes.io/managed-by"),
        "{labels:?}"
    );

    let listed = namespaces::list(&client, &context).await.unwrap();
    let find = |n: &str| listed.iter().find(|x| x.name == n).cloned();
    assert!(find(&ours).unwrap().managed_by_zopnight);
    assert!(!find(&theirs).unwrap().managed_by_zopnight);
    assert!(!find("default").unwrap().managed_by_zopnight);
    assert!(!find("kube-system").unwrap().managed_by_zopnight);
}

#[tokio::test]
async fn a_forbidden_kubeconfig_is_a_403_naming_verb_and_resource() {
    let Some((file, context, _)) =
        cluster("a_forbidden_kubeconfig_is_a_403_naming_verb_and_resource").await
    else {
        return;
    };
    let forbidden = forbidden_kubeconfig(&file);
    let ctx = discovery::discover(&forbidden).unwrap()[0].name.clone();
    let client = connect(&forbidden, &ctx).await.unwrap();
    // `/version` is public: the cluster answers this user.
    namespaces::version(&client, &ctx).await.unwrap();
    let e = namespaces::list(&client, &ctx).await.unwrap_err();
    let RuntimeError::Forbidden(m) = &e else {
        panic!("expected forbidden, got {e:?}");
    };
    assert!(
        m.contains(&format!("cluster {ctx} forbids list namespaces")),
        "{m}"
    );
    assert!(m.contains("cannot list resource \"namespaces\""), "{m}");
    assert!(m.contains("grant the kubeconfig user"), "{m}");
    let e = namespaces::ensure(&client, &ctx, &unique("never"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, RuntimeError::Forbidden(m) if m.contains("forbids get namespace")),
        "{e:?}"
    );
    let _ = context;
}

#[tokio::test]
async fn a_cluster_that_does_not_answer_says_so_at_once() {
    let Some((file, context, _)) = cluster("a_cluster_that_does_not_answer_says_so_at_once").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let closed = closed_port_copy(&file, dir.path());
    let client = connect(&closed, &context).await.unwrap();
    let started = Instant::now();
    let e = namespaces::version(&client, &context).await.unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    let m = e.message().to_lowercase();
    assert!(m.contains(&format!("cluster {context} unreachable")), "{m}");
    assert!(m.contains("connection refused"), "{m}");
    assert!(m.contains("check the kubeconfig context"), "{m}");
    assert!(
        started.elapsed() < namespaces::VERSION_TIMEOUT,
        "a refused connection is not waited out"
    );
}

// ---- through the engine (needs the Kubernetes runtime) ---------------------------------

async fn engine_on(dir: &Path) -> std::sync::Arc<Engine> {
    Engine::open(
        dir,
        EngineSettings::default(),
        OpenOptions {
            demo: false,
            workers: false,
            viewer: false,
        },
    )
    .await
    .unwrap()
}

/// A space on the kubeconfig's first context.
async fn kube_space(engine: &Engine, kubeconfig: &Path, name: &str) -> Space {
    k8s::kube_space(engine, kubeconfig, None, name).await
}

#[tokio::test]
async fn a_space_on_a_context_keeps_its_namespaces_on_the_cluster() {
    let Some((file, context, client)) =
        cluster("a_space_on_a_context_keeps_its_namespaces_on_the_cluster").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let engine = engine_on(dir.path()).await;
    let account = engine.register_kubeconfig(&file).unwrap();
    let clusters = engine.list_clusters(&account.id).await.unwrap();
    let c = clusters.iter().find(|c| c.name == context).unwrap();
    assert_eq!(c.runtime, "kubernetes");
    assert_eq!(
        c.provider.as_deref(),
        Some("kubeconfig"),
        "127.0.0.1 shows no cloud"
    );
    assert_eq!(c.region, discovery::UNKNOWN_REGION);
    assert!(!c.access_registered);
    let space = kube_space(&engine, &file, "kt").await;
    let config: serde_json::Value = serde_json::from_str(&space.config).unwrap();
    assert_eq!(config["context"], context);
    assert_eq!(config["kubeconfig"], file.display().to_string());
    let stored = std::fs::read(dir.path().join("zopdeck.db")).unwrap();
    assert!(
        !String::from_utf8_lossy(&stored).contains("certificate-authority-data"),
        "no credential in the store"
    );
    let space = engine.get_space(&space.id).await.unwrap();
    assert_eq!(
        space.reachability.as_ref().map(|r| r.status),
        Some(ReachabilityStatus::Reachable),
        "{space:?}"
    );

    let ns = unique("env");
    let extra = unique("route");
    let _cleanup = Cleanup {
        kubeconfig: file.clone(),
        context: context.clone(),
        names: vec![ns.clone(), extra.clone()],
    };
    engine
        .create_environment(NewEnvironment {
            name: "kt-env".into(),
            space_id: space.id.clone(),
            namespace: ns.clone(),
            registry_url: None,
        })
        .await
        .unwrap();
    let on_cluster = namespaces::list(&client, &context).await.unwrap();
    assert!(
        on_cluster
            .iter()
            .any(|n| n.name == ns && n.managed_by_zopnight)
    );
    let created = engine.create_namespace(&space.id, &extra).await.unwrap();
    assert!(created.managed_by_zopnight);
    let listed = engine.list_namespaces(&space.id).await.unwrap();
    assert!(
        listed
            .iter()
            .any(|n| n.name == extra && n.managed_by_zopnight)
    );
    assert!(
        listed
            .iter()
            .any(|n| n.name == "kube-system" && !n.managed_by_zopnight)
    );
    assert!(matches!(
        engine.create_namespace(&space.id, "default").await,
        Err(BackendError::Conflict(_))
    ));
}

#[tokio::test]
async fn forbidden_and_unreachable_spaces_say_why() {
    let Some((file, context, _)) = cluster("forbidden_and_unreachable_spaces_say_why").await else {
        return;
    };
    let forbidden = forbidden_kubeconfig(&file);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let engine = engine_on(&data).await;

    // Forbidden: it answers `/version`, so access is granted; the space says what is refused.
    let space = kube_space(&engine, &forbidden, "kt-forbidden").await;
    let r = engine
        .get_space(&space.id)
        .await
        .unwrap()
        .reachability
        .unwrap();
    assert_eq!(r.status, ReachabilityStatus::Forbidden, "{r:?}");
    let m = r.message.unwrap();
    assert!(m.contains("forbids list namespaces"), "{m}");
    assert!(m.contains("cannot list resource \"namespaces\""), "{m}");
    let e = engine.list_namespaces(&space.id).await.unwrap_err();
    assert!(e.to_string().contains("forbids list namespaces"), "{e}");

    // A cluster that does not answer gets no access.
    let closed = closed_port_copy(&file, dir.path());
    let account = engine.register_kubeconfig(&closed).unwrap();
    let e = engine
        .register_cluster_access(&account.id, discovery::UNKNOWN_REGION, &context)
        .await
        .unwrap_err();
    let m = e.to_string().to_lowercase();
    assert!(m.contains(&format!("cluster {context} unreachable")), "{m}");
    assert!(m.contains("connection refused"), "{m}");

    // A space whose cluster stops answering says so (a later run reads the file again).
    let moving = point_at(
        &file,
        &dir.path().join("kubeconfig-moving"),
        &server_of(&file),
    );
    let space = kube_space(&engine, &moving, "kt-moving").await;
    drop(engine);
    closed_port_copy(&file, dir.path());
    std::fs::copy(dir.path().join("kubeconfig-closed"), &moving).unwrap();
    let engine = engine_on(&data).await;
    let started = Instant::now();
    let r = engine
        .get_space(&space.id)
        .await
        .unwrap()
        .reachability
        .unwrap();
    assert_eq!(r.status, ReachabilityStatus::Unreachable, "{r:?}");
    let m = r.message.unwrap().to_lowercase();
    assert!(
        m.contains("unreachable") && m.contains("connection refused"),
        "{m}"
    );
    assert!(m.contains("check the kubeconfig context"), "{m}");
    assert!(started.elapsed() < Duration::from_secs(10), "no hang");
}

fn server_of(kubeconfig: &Path) -> String {
    discovery::discover(kubeconfig).unwrap()[0].server.clone()
}

#[tokio::test]
async fn the_cli_creates_a_space_and_an_environment_on_a_context() {
    let Some((file, context, client)) =
        cluster("the_cli_creates_a_space_and_an_environment_on_a_context").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_zopdeck"))
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--no-demo")
            .args(args)
            .env("KUBECONFIG", &file)
            .env_remove("ZOPDECK_DATA_DIR")
            .env_remove("ZOPDECK_API_URL")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let out = run(&["spaces", "create", "--name", "kt", "--context", &context]);
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{said}");
    assert!(said.contains("registered now"), "{said}");
    assert!(
        said.contains(&format!("context {context} answers; access registered")),
        "{said}"
    );
    assert!(said.contains("created space kt"), "{said}");
    assert!(said.contains("space kt: cluster reachable"), "{said}");
    let space = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(space.starts_with("spc_"), "{space}");

    let ns = unique("cli");
    let _cleanup = Cleanup {
        kubeconfig: file.clone(),
        context: context.clone(),
        names: vec![ns.clone()],
    };
    let out = run(&[
        "environments",
        "create",
        "--name",
        "kt-env",
        "--space",
        "kt",
        "--namespace",
        &ns,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let on_cluster = namespaces::list(&client, &context).await.unwrap();
    assert!(
        on_cluster
            .iter()
            .any(|n| n.name == ns && n.managed_by_zopnight)
    );
    let out = run(&["spaces", "-o", "json"]);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kt = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "kt")
        .unwrap();
    assert_eq!(kt["reachability"]["status"], "reachable", "{kt}");
}

/// The kubeconfig as kubectl reads it, credentials included, as JSON.
fn kubeconfig_json(kubeconfig: &Path) -> serde_json::Value {
    let out = std::process::Command::new("kubectl")
        .args(["config", "view", "--raw", "-o", "json", "--kubeconfig"])
        .arg(kubeconfig)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A copy of the kubeconfig whose user gets its token from an exec credential plugin (as
/// EKS, GKE and AKS kubeconfigs do): a script that notes each run and prints the token.
fn exec_plugin_copy(kubeconfig: &Path, dir: &Path) -> (PathBuf, PathBuf) {
    let token = token_of(kubeconfig);
    let mut config = kubeconfig_json(kubeconfig);
    let user = &mut config["users"][0]["user"];
    let runs = dir.join("plugin-runs");
    let plugin = dir.join("credential-plugin");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho run >> '{}'\nprintf '%s' '{}'\n",
            runs.display(),
            serde_json::json!({
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "kind": "ExecCredential",
                "status": {"token": token},
            })
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o700)).unwrap();
    *user = serde_json::json!({"exec": {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": plugin.display().to_string(),
        "interactiveMode": "Never",
    }});
    let file = dir.join("kubeconfig-exec");
    std::fs::write(&file, config.to_string()).unwrap();
    (file, runs)
}

#[tokio::test]
async fn an_exec_credential_plugin_is_run_and_its_token_never_stored() {
    let Some((file, _, _)) =
        cluster("an_exec_credential_plugin_is_run_and_its_token_never_stored").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (exec_file, runs) = exec_plugin_copy(&file, dir.path());
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let engine = engine_on(&data).await;
    let space = kube_space(&engine, &exec_file, "kt-exec").await;
    let space = engine.get_space(&space.id).await.unwrap();
    assert_eq!(
        space.reachability.as_ref().map(|r| r.status),
        Some(ReachabilityStatus::Reachable),
        "{space:?}"
    );
    // An authenticated call (a list needs the token; /version does not).
    let names: Vec<String> = engine
        .list_namespaces(&space.id)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert!(names.iter().any(|n| n == "default"), "{names:?}");
    assert!(
        std::fs::read_to_string(&runs).is_ok_and(|r| r.lines().count() >= 1),
        "the plugin was run"
    );
    drop(engine);
    let plugin = std::fs::read_to_string(dir.path().join("credential-plugin")).unwrap();
    let token = plugin
        .split("\"token\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    for f in std::fs::read_dir(&data).unwrap() {
        let f = f.unwrap().path();
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(token),
            "{} holds the plugin's token",
            f.display()
        );
    }
}

/// The kubeconfig as JSON, with the token of its (first) user replaced.
fn with_token(kubeconfig: &Path, token: &str) -> String {
    let mut config = kubeconfig_json(kubeconfig);
    config["users"][0]["user"] = serde_json::json!({"token": token});
    config.to_string()
}

fn token_of(kubeconfig: &Path) -> String {
    let config = kubeconfig_json(kubeconfig);
    config["users"][0]["user"]["token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_kubeconfig_rewritten_with_new_credentials_is_read_again() {
    let Some((file, context, _)) =
        cluster("a_kubeconfig_rewritten_with_new_credentials_is_read_again").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("kubeconfig");
    let viewer = token_of(&forbidden_kubeconfig(&file));
    std::fs::write(&copy, with_token(&file, &viewer)).unwrap();
    let clients = Clients::default();
    let at = Context {
        kubeconfig: copy.clone(),
        context: context.clone(),
    };
    let list = |client: Client| async move {
        Api::<KubeNamespace>::all(client)
            .list(&Default::default())
            .await
    };
    let refused = list(clients.get(&at).await.unwrap()).await;
    assert!(
        matches!(&refused, Err(kube::Error::Api(s)) if s.code == 403),
        "{refused:?}"
    );
    // The same file, now with the admin's token (as `aws eks update-kubeconfig` rewrites it).
    std::fs::write(&copy, with_token(&file, &token_of(&file))).unwrap();
    let later = std::time::SystemTime::now() + Duration::from_secs(2);
    std::fs::File::options()
        .write(true)
        .open(&copy)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let listed = list(clients.get(&at).await.unwrap()).await;
    assert!(listed.is_ok(), "{listed:?}");
}
