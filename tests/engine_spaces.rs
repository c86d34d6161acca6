//! Deployment spaces, namespaces, environments and cloud-account cluster access on the
//! embedded engine, following the contract's rules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "engine_support.rs"]
mod support;

use serde_json::{Value, json};
use support::*;
use zopdeck::backend::Backend;
use zopdeck::backend::engine::{SANDBOX_ACCOUNT, SANDBOX_CLUSTER, SANDBOX_REGION};
use zopdeck::backend::model::*;

fn space_req(name: &str, provider: &str, config: Value) -> NewSpace {
    NewSpace {
        name: name.into(),
        provider: provider.into(),
        space_type: None,
        cloud_account_id: SANDBOX_ACCOUNT.into(),
        config,
    }
}

fn sandbox_config() -> Value {
    json!({"clusterName": SANDBOX_CLUSTER, "region": SANDBOX_REGION})
}

async fn sandbox_space(engine: &zopdeck::backend::engine::Engine) -> Space {
    engine
        .list_spaces()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "sandbox")
        .expect("the sandbox space is seeded")
}

#[tokio::test(start_paused = true)]
async fn the_seeded_space_and_cluster_never_show_credentials() {
    let engine = engine().await;
    let spaces = engine.list_spaces().await.unwrap();
    assert_eq!(spaces.len(), 1);
    let space = &spaces[0];
    assert!(space.id.starts_with("spc_"));
    assert_eq!(space.provider, "aws");
    assert_eq!(space.space_type, "kubernetes");
    assert_eq!(space.status, SpaceStatus::Active);
    assert_eq!(space.cloud_account_id, SANDBOX_ACCOUNT);
    let config: Value = serde_json::from_str(&space.config).unwrap();
    assert_eq!(config, sandbox_config());
    assert_eq!(&engine.get_space(&space.id).await.unwrap(), space);
    assert_not_found(engine.get_space("spc_nope").await);

    let clusters = engine.list_clusters(SANDBOX_ACCOUNT).await.unwrap();
    assert_eq!(clusters.len(), 1);
    assert_eq!(clusters[0].name, SANDBOX_CLUSTER);
    assert_eq!(clusters[0].region, SANDBOX_REGION);
    assert!(clusters[0].access_registered);
    assert_eq!(clusters[0].runtime, "sandbox");
    assert_not_found(engine.list_clusters("ca_nope").await);

    let shown = serde_json::to_string(&(&spaces, &clusters)).unwrap();
    for secret in ["zn_sa_", "caCert", "serviceAccountToken", "credentials"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }

    let env = demo_env(&engine).await;
    assert!(env.id.starts_with("env_"));
    assert_eq!(env.space_id, space.id);
    assert_eq!(env.namespace, "demo");
}

#[tokio::test(start_paused = true)]
async fn creating_a_space_validates_provider_config_and_cluster() {
    let engine = engine().await;
    let cases: Vec<(NewSpace, &str)> = vec![
        (space_req("Bad Name", "aws", sandbox_config()), "name"),
        (space_req("", "aws", sandbox_config()), "name"),
        (
            space_req("ocean", "digitalocean", sandbox_config()),
            "provider",
        ),
        (space_req("upper", "AWS", sandbox_config()), "provider"),
        (
            NewSpace {
                space_type: Some("vm".into()),
                ..space_req("vm", "aws", sandbox_config())
            },
            "spaceType",
        ),
        (space_req("flat", "aws", json!("sandbox")), "config"),
        (
            space_req("nocluster", "aws", json!({"region": SANDBOX_REGION})),
            "config.clusterName",
        ),
        (
            space_req("noregion", "aws", json!({"clusterName": SANDBOX_CLUSTER})),
            "config.region",
        ),
        (
            space_req(
                "blankregion",
                "gcp",
                json!({"clusterName": SANDBOX_CLUSTER, "region": " "}),
            ),
            "config.region",
        ),
        (
            space_req("azure-a", "azure", sandbox_config()),
            "config.resourceGroup",
        ),
        (
            NewSpace {
                cloud_account_id: "ca_nope".into(),
                ..space_req("noaccount", "aws", sandbox_config())
            },
            "cloudAccountId",
        ),
        (
            space_req(
                "nowhere",
                "aws",
                json!({"clusterName": "prod-eks", "region": SANDBOX_REGION}),
            ),
            "config.clusterName",
        ),
        (
            space_req(
                "elsewhere",
                "aws",
                json!({"clusterName": SANDBOX_CLUSTER, "region": "us-east-1"}),
            ),
            "config.clusterName",
        ),
    ];
    for (req, field) in cases {
        let shown = format!("{req:?}");
        match engine.create_space(req).await {
            Err(zopdeck::backend::BackendError::Validation { field: f, .. }) => {
                assert_eq!(f.as_deref(), Some(field), "{shown}");
            }
            other => panic!("{shown}: expected a validation error on {field}, got {other:?}"),
        }
    }
    assert_eq!(
        engine.list_spaces().await.unwrap().len(),
        1,
        "nothing written"
    );
    assert_conflict(
        engine
            .create_space(space_req("sandbox", "aws", sandbox_config()))
            .await,
    );

    // Valid ones on every provider.
    let gcp = engine
        .create_space(space_req("team-gcp", "gcp", sandbox_config()))
        .await
        .unwrap();
    assert!(gcp.id.starts_with("spc_"));
    assert_eq!(gcp.provider, "gcp");
    assert_eq!(gcp.space_type, "kubernetes");
    assert_eq!(gcp.status, SpaceStatus::Active);
    let azure = engine
        .create_space(space_req(
            "team-azure",
            "azure",
            json!({"clusterName": SANDBOX_CLUSTER, "region": SANDBOX_REGION,
                   "resourceGroup": "rg-team"}),
        ))
        .await
        .unwrap();
    let config: Value = serde_json::from_str(&azure.config).unwrap();
    assert_eq!(config["resourceGroup"], "rg-team");
    let names: Vec<String> = engine
        .list_spaces()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(engine.get_space(&gcp.id).await.unwrap(), gcp);
}

#[tokio::test(start_paused = true)]
async fn a_space_needs_a_cluster_with_registered_access() {
    let engine = engine().await;
    engine
        .revoke_cluster_access(SANDBOX_ACCOUNT, SANDBOX_REGION, SANDBOX_CLUSTER)
        .await
        .unwrap();
    let clusters = engine.list_clusters(SANDBOX_ACCOUNT).await.unwrap();
    assert!(!clusters[0].access_registered);
    let message = assert_conflict(
        engine
            .create_space(space_req("late", "aws", sandbox_config()))
            .await,
    );
    assert!(message.contains("access"), "{message}");
    assert_eq!(engine.list_spaces().await.unwrap().len(), 1);

    let cluster = engine
        .register_cluster_access(SANDBOX_ACCOUNT, SANDBOX_REGION, SANDBOX_CLUSTER)
        .await
        .unwrap();
    assert!(cluster.access_registered);
    assert_eq!(cluster.name, SANDBOX_CLUSTER);
    let space = engine
        .create_space(space_req("late", "aws", sandbox_config()))
        .await
        .unwrap();
    assert_eq!(space.name, "late");

    // Registering or revoking what does not exist.
    assert_not_found(
        engine
            .register_cluster_access(SANDBOX_ACCOUNT, SANDBOX_REGION, "prod-eks")
            .await,
    );
    assert_not_found(
        engine
            .register_cluster_access("ca_nope", SANDBOX_REGION, SANDBOX_CLUSTER)
            .await,
    );
    assert_not_found(
        engine
            .revoke_cluster_access(SANDBOX_ACCOUNT, "eu-west-1", SANDBOX_CLUSTER)
            .await,
    );
    // Registering twice is fine.
    assert!(
        engine
            .register_cluster_access(SANDBOX_ACCOUNT, SANDBOX_REGION, SANDBOX_CLUSTER)
            .await
            .unwrap()
            .access_registered
    );
}

#[tokio::test(start_paused = true)]
async fn namespaces_are_dns_labels() {
    let engine = engine().await;
    let space = sandbox_space(&engine).await;
    let namespaces = engine.list_namespaces(&space.id).await.unwrap();
    let find = |list: &[Namespace], name: &str| list.iter().find(|n| n.name == name).cloned();
    assert!(!find(&namespaces, "default").unwrap().managed_by_zopnight);
    assert!(
        !find(&namespaces, "kube-system")
            .unwrap()
            .managed_by_zopnight
    );
    assert!(
        find(&namespaces, "demo").unwrap().managed_by_zopnight,
        "the environment's namespace"
    );

    let ns = engine.create_namespace(&space.id, "team-a").await.unwrap();
    assert_eq!(ns.name, "team-a");
    assert!(ns.managed_by_zopnight);
    assert!(ns.created_at.is_some());
    let namespaces = engine.list_namespaces(&space.id).await.unwrap();
    assert_eq!(find(&namespaces, "team-a"), Some(ns));
    assert_conflict(engine.create_namespace(&space.id, "team-a").await);
    assert_conflict(engine.create_namespace(&space.id, "default").await);

    let too_long = "n".repeat(64);
    for bad in [
        "Team-A",
        "team_a",
        "team.a",
        "-team",
        "team-",
        "",
        "tëam",
        too_long.as_str(),
    ] {
        assert_validation(engine.create_namespace(&space.id, bad).await, "name");
    }
    assert!(
        engine
            .create_namespace(&space.id, &"n".repeat(63))
            .await
            .is_ok()
    );
    assert_not_found(engine.create_namespace("spc_nope", "team-b").await);
    assert_not_found(engine.list_namespaces("spc_nope").await);
}

#[tokio::test(start_paused = true)]
async fn environments_share_a_space_but_not_a_namespace() {
    let engine = engine().await;
    let space = sandbox_space(&engine).await;
    let demo = demo_env(&engine).await;
    let env_req = |name: &str, namespace: &str| NewEnvironment {
        name: name.into(),
        space_id: space.id.clone(),
        namespace: namespace.into(),
        registry_url: None,
    };

    let staging = engine
        .create_environment(env_req("staging", "staging"))
        .await
        .unwrap();
    assert!(staging.id.starts_with("env_"));
    assert_eq!(
        staging.space_id, demo.space_id,
        "one space, two environments"
    );
    assert_eq!(engine.get_environment(&staging.id).await.unwrap(), staging);
    assert_eq!(engine.list_environments().await.unwrap().len(), 2);
    let namespaces = engine.list_namespaces(&space.id).await.unwrap();
    assert!(namespaces.iter().any(|n| n.name == "staging"));

    let message = assert_conflict(engine.create_environment(env_req("shadow", "demo")).await);
    assert!(message.contains("namespace"), "{message}");
    assert_conflict(engine.create_environment(env_req("demo", "other")).await);
    assert_validation(
        engine.create_environment(env_req("bad", "Staging")).await,
        "namespace",
    );
    assert_validation(
        engine.create_environment(env_req("Bad", "bad")).await,
        "name",
    );
    assert_validation(
        engine
            .create_environment(NewEnvironment {
                space_id: "spc_nope".into(),
                ..env_req("lost", "lost")
            })
            .await,
        "spaceId",
    );
    assert_not_found(engine.get_environment("env_nope").await);
    assert_not_found(engine.list_deployments(Some("env_nope")).await);

    // A namespace created on its own can then be bound to an environment, once.
    engine.create_namespace(&space.id, "team-a").await.unwrap();
    engine
        .create_environment(env_req("team-a", "team-a"))
        .await
        .unwrap();
    assert_conflict(
        engine
            .create_environment(env_req("team-a2", "team-a"))
            .await,
    );
    assert_eq!(engine.list_environments().await.unwrap().len(), 3);

    // The same deployment name lives in both environments, each in its own namespace.
    let a = engine
        .create_deployment(image_dep(
            &demo.id,
            "web",
            "ghcr.io/acme/web:1.0",
            json!({}),
        ))
        .await
        .unwrap();
    let b = engine
        .create_deployment(image_dep(
            &staging.id,
            "web",
            "ghcr.io/acme/web:1.1",
            json!({}),
        ))
        .await
        .unwrap();
    assert_eq!(a.namespace, "demo");
    assert_eq!(b.namespace, "staging");
    let a = settle(&engine, &a.id).await;
    let b = settle(&engine, &b.id).await;
    assert_eq!(a.status, DeploymentStatus::Active);
    assert_eq!(b.status, DeploymentStatus::Active);
    let listed = engine.list_deployments(Some(&staging.id)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, b.id);
    assert_eq!(engine.list_deployments(None).await.unwrap().len(), 2);
    let events = engine.list_events(&b.id, None).await.unwrap();
    let deployed = find(&events, Stage::Deploying, EventStatus::Succeeded);
    assert_eq!(meta_str(&deployed, "namespace"), "staging");
    assert_eq!(
        meta_u64(&deployed, "helmRevision"),
        1,
        "a release of its own"
    );
}

#[tokio::test(start_paused = true)]
async fn a_space_with_deployments_cannot_be_deleted() {
    let engine = engine().await;
    let space = engine
        .create_space(space_req("extra", "gcp", sandbox_config()))
        .await
        .unwrap();
    let env = engine
        .create_environment(NewEnvironment {
            name: "extra-env".into(),
            space_id: space.id.clone(),
            namespace: "extra".into(),
            registry_url: Some("registry.example.com/extra".into()),
        })
        .await
        .unwrap();
    let d = engine
        .create_deployment(image_dep(
            &env.id,
            "tenant",
            "ghcr.io/acme/tenant:1.0",
            json!({}),
        ))
        .await
        .unwrap();
    assert_eq!(d.space_id, space.id);
    assert_eq!(
        d.registry_url.as_deref(),
        Some("registry.example.com/extra")
    );
    // Queued or running: refused.
    assert_conflict(engine.delete_space(&space.id).await);
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    let message = assert_conflict(engine.delete_space(&space.id).await);
    assert!(message.contains("deployment"), "{message}");
    assert!(engine.get_space(&space.id).await.is_ok());

    tear_down(&engine, &d.id).await;
    engine.delete_space(&space.id).await.unwrap();
    assert_not_found(engine.get_space(&space.id).await);
    assert!(
        !engine
            .list_spaces()
            .await
            .unwrap()
            .iter()
            .any(|s| s.id == space.id)
    );
    engine.delete_space(&space.id).await.unwrap(); // idempotent
    assert_not_found(engine.delete_space("spc_nope").await);
    // Its name is free again.
    engine
        .create_space(space_req("extra", "gcp", sandbox_config()))
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn revoked_cluster_access_fails_new_deploys_at_the_deploying_stage() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let before = deploy(&engine, "before", "ghcr.io/acme/before:1.0", json!({})).await;
    assert_eq!(before.status, DeploymentStatus::Active);

    engine
        .revoke_cluster_access(SANDBOX_ACCOUNT, SANDBOX_REGION, SANDBOX_CLUSTER)
        .await
        .unwrap();
    let after = engine
        .create_deployment(image_dep(
            &env.id,
            "after",
            "ghcr.io/acme/after:1.0",
            json!({}),
        ))
        .await
        .unwrap();
    let after = settle(&engine, &after.id).await;
    assert_eq!(after.status, DeploymentStatus::Failed);
    let events = engine.list_events(&after.id, None).await.unwrap();
    assert_eq!(
        boundaries(&events),
        [
            (Stage::Building, EventStatus::Started),
            (Stage::Building, EventStatus::Succeeded),
            (Stage::Deploying, EventStatus::Started),
            (Stage::Deploying, EventStatus::Failed),
        ]
    );
    let (stage, reason) = failure_reason(&events);
    assert_eq!(stage, Stage::Deploying);
    assert!(reason.contains("revoked"), "{reason}");
    assert!(reason.contains(SANDBOX_CLUSTER), "{reason}");
    let rev = engine
        .get_revision(&after.id, after.current_revision_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(rev.status, RevisionStatus::Failed);

    // What already runs keeps running; its next revision cannot land either.
    assert_eq!(
        engine.get_deployment(&before.id).await.unwrap().status,
        DeploymentStatus::Active
    );
    engine
        .patch_configs(&before.id, json!({"replicas": 2}))
        .await
        .unwrap();
    let before = settle(&engine, &before.id).await;
    assert_eq!(before.status, DeploymentStatus::Failed);
    let (stage, reason) = failure_reason(&engine.list_events(&before.id, None).await.unwrap());
    assert_eq!(stage, Stage::Deploying);
    assert!(reason.contains("revoked"), "{reason}");

    // Registered again, a retry lands.
    engine
        .register_cluster_access(SANDBOX_ACCOUNT, SANDBOX_REGION, SANDBOX_CLUSTER)
        .await
        .unwrap();
    let retry = engine
        .create_revision(&after.id, NewRevision::default())
        .await
        .unwrap();
    assert!(retry.created);
    let after = settle(&engine, &after.id).await;
    assert_eq!(after.status, DeploymentStatus::Active);
    assert_eq!(
        after.current_revision_id.as_deref(),
        Some(retry.revision.id.as_str())
    );
}

#[tokio::test(start_paused = true)]
async fn an_inactive_space_refuses_new_rollouts() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let space = sandbox_space(&engine).await;
    let d = deploy(
        &engine,
        "steady",
        "ghcr.io/acme/steady:1.0",
        json!({"replicas": 1}),
    )
    .await;
    let rev1 = d.current_revision_id.clone().unwrap();
    engine
        .patch_configs(&d.id, json!({"replicas": 2}))
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    let revisions = engine.list_revisions(&d.id).await.unwrap();

    let inactive = engine
        .set_space_status(&space.id, SpaceStatus::Inactive)
        .await
        .unwrap();
    assert_eq!(inactive.status, SpaceStatus::Inactive);
    assert_eq!(
        engine.get_space(&space.id).await.unwrap().status,
        SpaceStatus::Inactive
    );

    let message = assert_conflict(
        engine
            .create_deployment(image_dep(
                &env.id,
                "newcomer",
                "ghcr.io/acme/n:1.0",
                json!({}),
            ))
            .await,
    );
    assert!(message.contains("inactive"), "{message}");
    assert_conflict(engine.patch_configs(&d.id, json!({"replicas": 3})).await);
    assert_conflict(engine.rollback(&d.id, &rev1).await);
    assert_conflict(
        engine
            .create_revision(
                &d.id,
                NewRevision {
                    image: Some("ghcr.io/acme/steady:2.0".into()),
                    delivery_id: Some("d-1".into()),
                    ..Default::default()
                },
            )
            .await,
    );
    assert_eq!(engine.list_revisions(&d.id).await.unwrap(), revisions);
    assert_eq!(engine.open_jobs().unwrap(), 0);
    assert_eq!(engine.list_deployments(None).await.unwrap().len(), 1);
    let still = engine.get_deployment(&d.id).await.unwrap();
    assert_eq!(
        still.status,
        DeploymentStatus::Active,
        "what runs keeps running"
    );
    // Reading, advising and arranging the canvas are not rollouts.
    assert!(engine.analyze(&d.id).await.is_ok());
    engine
        .set_canvas_position(&d.id, CanvasPosition { x: 1.0, y: 2.0 })
        .await
        .unwrap();

    // Active again: rollouts resume.
    engine
        .set_space_status(&space.id, SpaceStatus::Active)
        .await
        .unwrap();
    let rb = engine.rollback(&d.id, &rev1).await.unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Active);
    assert_eq!(d.current_revision_id.as_deref(), Some(rb.id.as_str()));
    assert_not_found(
        engine
            .set_space_status("spc_nope", SpaceStatus::Inactive)
            .await,
    );
}

#[tokio::test(start_paused = true)]
async fn a_job_queued_before_the_space_went_inactive_fails_at_deploying() {
    let engine = engine().await;
    let env = demo_env(&engine).await;
    let space = sandbox_space(&engine).await;
    let d = engine
        .create_deployment(image_dep(
            &env.id,
            "queued",
            "ghcr.io/acme/q:1.0",
            json!({}),
        ))
        .await
        .unwrap();
    engine
        .set_space_status(&space.id, SpaceStatus::Inactive)
        .await
        .unwrap();
    let d = settle(&engine, &d.id).await;
    assert_eq!(d.status, DeploymentStatus::Failed);
    let (stage, reason) = failure_reason(&engine.list_events(&d.id, None).await.unwrap());
    assert_eq!(stage, Stage::Deploying);
    assert!(reason.contains("inactive"), "{reason}");
    // Teardown still works on an inactive space; nothing was ever installed.
    tear_down(&engine, &d.id).await;
    assert!(teardown_found_nothing(&engine, &d.id));
    assert!(engine.delete_deployment(&d.id).await.unwrap().already_clean);
    engine.delete_space(&space.id).await.unwrap();
}

// ---- kubeconfig accounts -----------------------------------------------------------------

/// A kubeconfig whose contexts point at the given servers; its user's token is `secret`.
fn write_kubeconfig(file: &std::path::Path, contexts: &[(&str, &str)]) {
    let mut text = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for (name, server) in contexts {
        text += &format!("- name: {name}\n  cluster: {{server: \"{server}\"}}\n");
    }
    text += "users:\n- name: u\n  user: {token: secret-token-value}\ncontexts:\n";
    for (name, _) in contexts {
        text += &format!("- name: {name}\n  context: {{cluster: {name}, user: u}}\n");
    }
    std::fs::write(file, text).unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_kubeconfig_accounts_clusters_are_its_contexts_read_afresh() {
    let engine = engine().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    write_kubeconfig(
        &file,
        &[
            ("prod", "https://AB12.gr7.us-east-1.eks.amazonaws.com"),
            ("dev", "https://127.0.0.1:6443"),
        ],
    );
    let account = engine.register_kubeconfig(&file).unwrap();
    assert!(account.id.starts_with("ca_kc_"), "{}", account.id);
    assert!(account.created);
    assert_eq!(account.kubeconfig, file);
    let again = engine.register_kubeconfig(&file).unwrap();
    assert_eq!(again.id, account.id, "one file, one account");
    assert!(!again.created);

    let clusters = engine.list_clusters(&account.id).await.unwrap();
    let shown: Vec<(&str, &str, Option<&str>, &str, bool)> = clusters
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.region.as_str(),
                c.provider.as_deref(),
                c.runtime.as_str(),
                c.access_registered,
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("dev", "kubeconfig", Some("kubeconfig"), "kubernetes", false),
            ("prod", "us-east-1", Some("aws"), "kubernetes", false),
        ]
    );
    let json = serde_json::to_string(&clusters).unwrap();
    assert!(!json.contains("secret-token-value"), "{json}");
    let stored = engine
        .store()
        .read(|c| {
            let rows: Vec<String> = c
                .prepare("SELECT kubeconfig || name || provider FROM cloud_accounts WHERE kubeconfig IS NOT NULL")?
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<zopdeck::backend::engine::store::db::Result<_>>()?;
            Ok(rows.join(","))
        })
        .unwrap();
    assert!(!stored.contains("secret"), "{stored}");

    // The file changes: the listing follows it.
    write_kubeconfig(
        &file,
        &[
            ("dev", "https://127.0.0.1:6443"),
            ("aks", "https://a-dns-1.hcp.westeurope.azmk8s.io:443"),
        ],
    );
    let names: Vec<(String, String)> = engine
        .list_clusters(&account.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.name, c.provider.unwrap_or_default()))
        .collect();
    assert_eq!(
        names,
        [
            ("dev".to_string(), "kubeconfig".to_string()),
            ("aks".to_string(), "azure".to_string())
        ]
    );

    // Gone: the listing says which file cannot be read.
    std::fs::remove_file(&file).unwrap();
    let message = assert_conflict(engine.list_clusters(&account.id).await);
    assert!(message.contains("cannot read the kubeconfig"), "{message}");
    assert_validation(engine.register_kubeconfig(&file), "kubeconfig");
}

#[tokio::test(start_paused = true)]
async fn a_kubeconfig_space_names_its_context_and_needs_access() {
    let engine = engine().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    write_kubeconfig(&file, &[("dev", "https://127.0.0.1:6443")]);
    let account = engine.register_kubeconfig(&file).unwrap();
    let req = |provider: &str, config: Value| NewSpace {
        name: "kc".into(),
        provider: provider.into(),
        space_type: None,
        cloud_account_id: account.id.clone(),
        config,
    };
    assert_validation(
        engine
            .create_space(space_req("kc", "kubeconfig", sandbox_config()))
            .await,
        "provider",
    );
    assert_validation(
        engine.create_space(req("kubeconfig", json!({}))).await,
        "config.context",
    );
    assert_validation(
        engine
            .create_space(req(
                "kubeconfig",
                json!({"context": "dev", "clusterName": "prod"}),
            ))
            .await,
        "config.context",
    );
    assert_validation(
        engine
            .create_space(req("kubeconfig", json!({"context": "nope"})))
            .await,
        "config.context",
    );
    assert_validation(
        engine
            .create_space(req(
                "kubeconfig",
                json!({"context": "dev", "kubeconfig": "/elsewhere/config"}),
            ))
            .await,
        "config.kubeconfig",
    );
    // Valid, but nobody checked that the context answers yet. No resourceGroup on azure.
    for provider in ["kubeconfig", "azure"] {
        let message = assert_conflict(
            engine
                .create_space(req(provider, json!({"context": "dev"})))
                .await,
        );
        assert!(message.contains("no registered access"), "{message}");
    }
    assert_eq!(engine.list_spaces().await.unwrap().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn namespaces_an_older_zopdeck_kept_in_the_catalog_move_to_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        zopdeck::backend::engine::Engine::open(
            dir.path(),
            fast_settings(),
            zopdeck::backend::engine::OpenOptions {
                demo: false,
                workers: false,
                viewer: false,
            },
        )
    };
    let engine = open().await.unwrap();
    let space = sandbox_space(&engine).await;
    // What an older zopdeck wrote: the namespace in the catalog, nothing moved yet.
    engine
        .store()
        .write(|c| {
            c.execute(
                "INSERT INTO namespaces (space_id, name, managed, created_at)
                 VALUES (?1, 'legacy', 1, '2026-01-02T03:04:05.000Z')",
                [&space.id],
            )?;
            c.execute(
                "DELETE FROM meta WHERE key = 'sandbox_namespaces_moved'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    drop(engine);
    let engine = open().await.unwrap();
    let listed = engine.list_namespaces(&space.id).await.unwrap();
    let legacy = listed.iter().find(|n| n.name == "legacy").unwrap();
    assert!(legacy.managed_by_zopnight);
    assert_eq!(
        legacy.created_at.map(|t| t.to_rfc3339()),
        Some("2026-01-02T03:04:05+00:00".to_string())
    );
    assert!(
        listed
            .iter()
            .any(|n| n.name == "demo" && n.managed_by_zopnight)
    );
    assert_conflict(engine.create_namespace(&space.id, "legacy").await);
}

#[tokio::test(start_paused = true)]
async fn revoked_access_keeps_namespace_calls_off_the_cluster() {
    let engine = engine().await;
    let space = sandbox_space(&engine).await;
    engine
        .revoke_cluster_access(SANDBOX_ACCOUNT, SANDBOX_REGION, SANDBOX_CLUSTER)
        .await
        .unwrap();
    let message = assert_conflict(engine.list_namespaces(&space.id).await);
    assert!(
        message.contains("revoked") && message.contains("PUT /cloud-accounts/"),
        "{message}"
    );
    assert_conflict(engine.create_namespace(&space.id, "team-z").await);
    assert_conflict(
        engine
            .create_environment(NewEnvironment {
                name: "late".into(),
                space_id: space.id.clone(),
                namespace: "late".into(),
                registry_url: None,
            })
            .await,
    );
    assert_eq!(
        engine.list_environments().await.unwrap().len(),
        1,
        "nothing written"
    );
}
