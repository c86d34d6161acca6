//! The first run: a sandbox cloud account with one discovered cluster, a space `sandbox`, an
//! environment `demo` (namespace `demo`) and four demo deployments that really roll out on
//! the sandbox, so a newcomer sees a living canvas. Each step is skipped when already done,
//! so a first run cut short completes on the next start.

use serde_json::json;

use super::Engine;
use super::store::catalog;
use crate::backend::error::Result;
use crate::backend::model::*;

pub use crate::backend::model::SANDBOX_ACCOUNT;
pub const SANDBOX_REGION: &str = "local";
pub const SANDBOX_CLUSTER: &str = "sandbox";
pub const SANDBOX_SPACE: &str = "sandbox";
pub const DEMO_ENV: &str = "demo";

const SEEDED: &str = "seeded";

/// The lock replicas on one PostgreSQL store take to seed it one at a time.
const SEED_LOCK: i64 = 0x007a_6f70_7365_6564;

pub(super) async fn first_run(engine: &Engine, demo: bool) -> Result<()> {
    if engine.store.meta(SEEDED)?.is_some() {
        return Ok(());
    }
    // Replicas starting together: the first seeds, the others then find it seeded.
    let seeding = engine.store.hold(SEED_LOCK)?;
    if seeding.is_some() && engine.store.meta(SEEDED)?.is_some() {
        return Ok(());
    }
    let now = engine.now();
    engine.store.write(|c| {
        catalog::insert_cloud_account(
            c,
            SANDBOX_ACCOUNT,
            "Sandbox (simulated cluster)",
            "aws",
            &now,
        )?;
        catalog::insert_cluster(
            c,
            SANDBOX_ACCOUNT,
            SANDBOX_REGION,
            SANDBOX_CLUSTER,
            "sandbox",
        )
    })?;
    engine.set_cluster_access_op(SANDBOX_ACCOUNT, SANDBOX_REGION, SANDBOX_CLUSTER, true)?;

    let spaces = engine.store.read(catalog::list_spaces)?;
    let space = match spaces.into_iter().find(|s| s.name == SANDBOX_SPACE) {
        Some(s) => s,
        None => engine.create_space_op(NewSpace {
            name: SANDBOX_SPACE.into(),
            provider: "aws".into(),
            space_type: None,
            cloud_account_id: SANDBOX_ACCOUNT.into(),
            config: json!({"clusterName": SANDBOX_CLUSTER, "region": SANDBOX_REGION}),
        })?,
    };
    let env = match engine
        .store
        .read(|c| catalog::find_environment(c, DEMO_ENV))?
    {
        Some(e) => e,
        None => {
            engine
                .create_environment_op(NewEnvironment {
                    name: DEMO_ENV.into(),
                    space_id: space.id.clone(),
                    namespace: DEMO_ENV.into(),
                    registry_url: None,
                })
                .await?
        }
    };
    if demo
        && engine
            .store
            .read(|c| catalog::list_deployments(c, Some(&env.id)))?
            .is_empty()
    {
        seed_demo(engine, &env.id)?;
    }
    engine
        .store
        .set_meta(SEEDED, &crate::backend::clock::format_ts(&now))
}

fn demo(
    name: &str,
    image: &str,
    configs: serde_json::Value,
    x: f64,
    y: f64,
    env_id: &str,
) -> NewDeployment {
    NewDeployment {
        name: name.into(),
        env_id: Some(env_id.into()),
        source_type: Some(SourceType::Image),
        image: Some(image.into()),
        configs: Some(configs),
        canvas_position: Some(CanvasPosition { x, y }),
        ..Default::default()
    }
}

fn seed_demo(engine: &Engine, env_id: &str) -> Result<()> {
    let probe = json!({"path": "/healthz", "initialDelaySeconds": 5, "periodSeconds": 10});
    let resources = json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}});
    let web = engine.create_deployment_op(demo(
        "web",
        "ghcr.io/zopdeck-demo/web:2.3.0",
        json!({"port": 8080, "replicas": 2, "expose": [{"port": 443, "protocol": "http"}],
               "liveness": probe, "resources": resources,
               "envVars": {"LOG_LEVEL": "info", "API_URL": "http://api:8080"}}),
        64.0,
        64.0,
        env_id,
    ))?;
    engine.create_deployment_op(demo(
        "api",
        "ghcr.io/zopdeck-demo/api:1.8.0",
        json!({"port": 8080, "replicas": 2, "expose": [{"port": 8080, "protocol": "http"}],
               "liveness": probe, "secretRefs": ["secret://api-db-password"],
               "envVars": {"DATABASE_URL": "postgres://api@postgres:5432/shop"}}),
        304.0,
        64.0,
        env_id,
    ))?;
    engine.create_deployment_op(demo(
        "worker",
        "ghcr.io/zopdeck-demo/worker:0.9.4",
        json!({"replicas": 1, "connections": ["api"],
               "envVars": {"QUEUE": "jobs", "LOG_LEVEL": "debug",
                           "DATABASE_URL": "postgres://worker@postgres:5432/shop"}}),
        64.0,
        176.0,
        env_id,
    ))?;
    engine.create_deployment_op(demo(
        "postgres",
        "postgres:16.4",
        json!({"port": 5432, "replicas": 1, "expose": [{"port": 5432, "protocol": "tcp"}],
               "secretRefs": ["secret://postgres-password"]}),
        304.0,
        176.0,
        env_id,
    ))?;
    // A short history for `web`: a scale-up and a new image, each a revision of its own.
    engine.patch_configs_op(&web.id, json!({"replicas": 3}))?;
    engine.create_revision_op(
        &web.id,
        NewRevision {
            image: Some("ghcr.io/zopdeck-demo/web:2.3.1".into()),
            note: Some("fix: cache headers".into()),
            ..Default::default()
        },
    )?;
    Ok(())
}
