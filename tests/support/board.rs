//! The board's fixtures: environments demo, staging and prod with a few cards each, the board
//! opened on them and loaded, a revision, cards that connect, and a failed worker (shared by
//! the board tests).
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Instant;

use crossterm::event::KeyCode;
use zopdeck::app::model::Failure;
use zopdeck::app::state::Overlay;
use zopdeck::app::{Cmd, Msg, Snapshot, State, update};
use zopdeck::backend::model::*;

use super::fixtures::*;

pub fn envs() -> Vec<Environment> {
    vec![
        environment("env_demo", "demo"),
        environment("env_staging", "staging"),
        environment("env_prod", "prod"),
    ]
}

/// A card of environment `env` (ids are `dep_{env}_{name}`), its revision `rev_{env}_{name}`.
pub fn card(env: &str, name: &str, status: DeploymentStatus, pos: (f64, f64)) -> Deployment {
    let mut d = deployment(name, status, Some(pos));
    d.id = format!("dep_{env}_{name}");
    d.env_id = format!("env_{env}");
    d.namespace = env.into();
    d.current_revision_id = Some(format!("rev_{env}_{name}"));
    d
}

pub fn snapshot(env: &str, deployments: Vec<Deployment>) -> Snapshot {
    let environment = envs().into_iter().find(|e| e.name == env);
    Snapshot {
        environments: envs(),
        environment,
        space: Some(space()),
        revision_numbers: deployments
            .iter()
            .filter_map(|d| d.current_revision_id.clone())
            .map(|r| (r, 1))
            .collect(),
        deployments,
        ..Default::default()
    }
}

pub fn staging() -> Vec<Deployment> {
    let mut web = card("staging", "web", DeploymentStatus::Active, (64.0, 64.0));
    web.image = Some("ghcr.io/acme/web:1.1".into());
    web.configs = r#"{"port":8080,"replicas":3}"#.into();
    vec![
        web,
        card("staging", "api", DeploymentStatus::Active, (304.0, 64.0)),
    ]
}

pub fn prod() -> Vec<Deployment> {
    vec![card(
        "prod",
        "web",
        DeploymentStatus::Active,
        (304.0, 176.0),
    )]
}

/// `demo` shown, then the board opened on demo, staging and prod, its lanes loaded.
pub fn board(w: u16, h: u16) -> State {
    let mut s = empty_state(w, h);
    let demo = vec![
        card("demo", "web", DeploymentStatus::Active, (64.0, 64.0)),
        card("demo", "db", DeploymentStatus::Active, (304.0, 64.0)),
    ];
    update(
        &mut s,
        Msg::Loaded(Box::new(snapshot("demo", demo))),
        Instant::now(),
    );
    press(&mut s, KeyCode::Char('E'));
    assert!(matches!(s.overlay, Some(Overlay::BoardPick(_))));
    let cmds = press(&mut s, KeyCode::Enter);
    let loads: Vec<&str> = cmds
        .iter()
        .filter_map(|c| match c {
            Cmd::LoadLane { env_id, .. } => Some(env_id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(loads, ["env_staging", "env_prod"]);
    for (env, cards) in [("staging", staging()), ("prod", prod())] {
        update(
            &mut s,
            Msg::LaneLoaded(Box::new(snapshot(env, cards))),
            Instant::now(),
        );
    }
    s
}

pub fn revision(id: &str, number: u32, image: &str, configs: &str) -> Revision {
    Revision {
        id: id.into(),
        deployment_id: "dep".into(),
        number,
        image: Some(image.into()),
        build_id: None,
        note: None,
        configs: configs.into(),
        trigger: Trigger::Create,
        rollback_of: None,
        status: RevisionStatus::Active,
        created_at: ts(),
    }
}

/// web → api (API_URL), api → db (DATABASE_URL), worker → api (named in connections).
pub fn connected(w: u16, h: u16) -> State {
    let mut web = deployment("web", DeploymentStatus::Active, Some((64.0, 64.0)));
    web.configs = r#"{"envVars":{"API_URL":"http://api:8080"}}"#.into();
    let mut api = deployment("api", DeploymentStatus::Active, Some((544.0, 64.0)));
    api.configs = r#"{"envVars":{"DATABASE_URL":"postgres://api@db:5432/x"}}"#.into();
    let db = deployment("db", DeploymentStatus::Failed, Some((544.0, 288.0)));
    let mut worker = deployment("worker", DeploymentStatus::Active, Some((64.0, 288.0)));
    worker.configs = r#"{"connections":["api"],"envVars":{"MODE":"worker"}}"#.into();
    loaded(vec![web, api, db, worker], w, h)
}

/// A worker that failed with `reason` (its revision #3 still serves), selected.
pub fn failed_worker(reason: &str, ready: Option<u32>) -> State {
    let mut worker = deployment("worker", DeploymentStatus::Failed, Some((64.0, 320.0)));
    worker.configs = r#"{"port":8080,"replicas":40}"#.into();
    let mut s = loaded(vec![worker], 120, 40);
    update(
        &mut s,
        Msg::FailureLoaded {
            id: "dep_worker".into(),
            failure: Failure {
                stage: Stage::RollingOut,
                reason: reason.into(),
                serving: Some(3),
                ready,
            },
        },
        Instant::now(),
    );
    s.canvas.selected = Some("dep_worker".into());
    s
}
