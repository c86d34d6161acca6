//! Shared fixtures for the TUI tests: deployments at chosen positions, a loaded state.
#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use zopdeck::app::keymap::Keymap;
use zopdeck::app::{Cmd, Msg, Snapshot, State, update};
use zopdeck::backend::model::*;
use zopdeck::config::Config;

/// The screen as a NO_COLOR user sees it: symbols and words, never colour alone.
pub fn render(state: &State) -> String {
    use ratatui::{Terminal, backend::TestBackend};
    use zopdeck::views::{self, status::Palette};
    let (w, h) = state.screen;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| views::draw(f, state, &Palette::plain()))
        .unwrap();
    terminal.backend().to_string()
}

pub fn ts() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

pub fn deployment(name: &str, status: DeploymentStatus, pos: Option<(f64, f64)>) -> Deployment {
    Deployment {
        id: format!("dep_{name}"),
        name: name.into(),
        org_id: "org_local".into(),
        env_id: "env_demo".into(),
        source_type: SourceType::Image,
        repo_url: None,
        branch: None,
        image: Some(format!("ghcr.io/acme/{name}:1.0")),
        integration_id: None,
        auto_deploy: false,
        space_id: "spc_sandbox".into(),
        namespace: "demo".into(),
        registry_url: None,
        current_revision_id: Some(format!("rev_{name}")),
        status,
        configs: r#"{"port":8080,"replicas":2}"#.into(),
        canvas_position: pos.map(|(x, y)| CanvasPosition { x, y }),
        last_deploy_at: None,
        drift: None,
        created_at: ts(),
        updated_at: ts(),
    }
}

pub fn environment(id: &str, name: &str) -> Environment {
    Environment {
        id: id.into(),
        name: name.into(),
        space_id: "spc_sandbox".into(),
        namespace: name.into(),
        registry_url: None,
        created_at: ts(),
    }
}

pub fn space() -> Space {
    Space {
        id: "spc_sandbox".into(),
        name: "sandbox".into(),
        provider: "aws".into(),
        space_type: "kubernetes".into(),
        cloud_account_id: "ca_sandbox".into(),
        status: SpaceStatus::Active,
        config: "{}".into(),
        created_at: ts(),
        reachability: None,
    }
}

pub fn lb(status: LbStatus, address: Option<&str>) -> LoadBalancer {
    LoadBalancer {
        status,
        address: address.map(str::to_string),
        ports: vec![Listener {
            port: 443,
            protocol: Protocol::Http,
        }],
        tls: None,
        pending: None,
    }
}

pub fn empty_state(width: u16, height: u16) -> State {
    let keymap = Keymap::from_config(&Config::default().keys).unwrap();
    let mut s = State::new("embedded engine · /data".into(), false, keymap);
    s.screen = (width, height);
    s
}

/// A state loaded with these deployments in environment `demo`.
pub fn loaded(deployments: Vec<Deployment>, width: u16, height: u16) -> State {
    let mut s = empty_state(width, height);
    let numbers = deployments
        .iter()
        .filter_map(|d| d.current_revision_id.clone())
        .enumerate()
        .map(|(i, r)| (r, i as u32 + 1))
        .collect();
    let snapshot = Snapshot {
        environments: vec![
            environment("env_demo", "demo"),
            environment("env_prod", "prod"),
        ],
        environment: Some(environment("env_demo", "demo")),
        space: Some(space()),
        deployments,
        revision_numbers: numbers,
        ..Default::default()
    };
    update(
        &mut s,
        Msg::Loaded(Box::new(snapshot)),
        std::time::Instant::now(),
    );
    s
}

/// The demo canvas: four cards on a 2×2 grid, of every kind.
pub fn demo() -> Vec<Deployment> {
    vec![
        deployment("web", DeploymentStatus::Active, Some((64.0, 64.0))),
        deployment("api", DeploymentStatus::RollingOut, Some((384.0, 64.0))),
        deployment("worker", DeploymentStatus::Failed, Some((64.0, 320.0))),
        deployment("postgres", DeploymentStatus::Building, Some((384.0, 320.0))),
    ]
}

/// A space on a kubeconfig context, reachable or not (`why`: the probe's message).
pub fn kube_space(id: &str, name: &str, context: &str, why: Option<&str>) -> Space {
    Space {
        id: id.into(),
        name: name.into(),
        provider: "kubeconfig".into(),
        space_type: "kubernetes".into(),
        cloud_account_id: "ca_kc_0123456789abcdef".into(),
        status: SpaceStatus::Active,
        config: serde_json::json!({
            "kubeconfig": "/home/dev/.kube/config",
            "context": context,
            "clusterName": context,
            "region": "kubeconfig",
        })
        .to_string(),
        created_at: ts(),
        reachability: Some(Reachability {
            status: if why.is_some() {
                ReachabilityStatus::Unreachable
            } else {
                ReachabilityStatus::Reachable
            },
            message: why.map(str::to_string),
            checked_at: ts(),
        }),
    }
}

/// What the spaces view lists: the sandbox (with `demo` and `prod`), a reachable kubeconfig
/// space `kind` (with `shop`), an unreachable `edge`, an inactive aws space `legacy`.
pub fn catalog() -> zopdeck::app::spaces::Catalog {
    let mut sandbox = space();
    sandbox.config = r#"{"clusterName":"sandbox","region":"local"}"#.into();
    let mut legacy = space();
    legacy.id = "spc_legacy".into();
    legacy.name = "legacy".into();
    legacy.cloud_account_id = "ca_acme".into();
    legacy.status = SpaceStatus::Inactive;
    legacy.config = r#"{"clusterName":"eks-old","region":"us-east-1"}"#.into();
    let mut shop = environment("env_shop", "shop");
    shop.space_id = "spc_kind".into();
    shop.registry_url = Some("ghcr.io/acme".into());
    zopdeck::app::spaces::Catalog {
        spaces: vec![
            sandbox,
            kube_space("spc_kind", "kind", "kind-kind", None),
            kube_space(
                "spc_edge",
                "edge",
                "edge-k3s",
                Some(
                    "cluster edge-k3s unreachable: connection refused (https://10.0.0.7:6443) — \
                     check that it runs and that the kubeconfig context edge-k3s points at it",
                ),
            ),
            legacy,
        ],
        environments: vec![
            environment("env_demo", "demo"),
            environment("env_prod", "prod"),
            shop,
        ],
        deployments_by_space: [("spc_sandbox".to_string(), 5), ("spc_kind".to_string(), 2)]
            .into_iter()
            .collect(),
        deployments_by_env: [
            ("env_demo".to_string(), 4),
            ("env_prod".to_string(), 1),
            ("env_shop".to_string(), 2),
        ]
        .into_iter()
        .collect(),
        local_kubeconfig: true,
    }
}

/// A key without modifiers, now: the commands it asked for.
pub fn press(state: &mut State, code: crossterm::event::KeyCode) -> Vec<Cmd> {
    use crossterm::event::{KeyEvent, KeyModifiers};
    let now = std::time::Instant::now();
    update(
        state,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        now,
    )
    .1
}

/// Each character of `text` typed: the commands they asked for.
pub fn typed(state: &mut State, text: &str) -> Vec<Cmd> {
    use crossterm::event::KeyCode;
    text.chars()
        .flat_map(|c| press(state, KeyCode::Char(c)))
        .collect()
}
