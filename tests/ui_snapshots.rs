//! Snapshots of every screen the TUI has so far, rendered with ratatui's `TestBackend`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone, Utc};
use ratatui::{Terminal, backend::TestBackend};
use zopdeck::app::{Msg, Snapshot, State, update};
use zopdeck::backend::model::*;
use zopdeck::views::{self, status::Palette};

fn ts() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn deployment(name: &str, status: DeploymentStatus, rev: &str) -> Deployment {
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
        current_revision_id: Some(rev.into()),
        status,
        configs: "{}".into(),
        canvas_position: None,
        last_deploy_at: None,
        created_at: ts(),
        updated_at: ts(),
    }
}

fn environment() -> Environment {
    Environment {
        id: "env_demo".into(),
        name: "demo".into(),
        space_id: "spc_sandbox".into(),
        namespace: "demo".into(),
        registry_url: None,
        created_at: ts(),
    }
}

fn space() -> Space {
    Space {
        id: "spc_sandbox".into(),
        name: "sandbox".into(),
        provider: "aws".into(),
        space_type: "kubernetes".into(),
        cloud_account_id: "ca_sandbox".into(),
        status: SpaceStatus::Active,
        config: "{}".into(),
        created_at: ts(),
    }
}

fn lb(status: LbStatus, address: Option<&str>) -> LoadBalancer {
    LoadBalancer {
        status,
        address: address.map(str::to_string),
        ports: vec![Listener {
            port: 443,
            protocol: Protocol::Http,
        }],
        tls: None,
    }
}

fn demo_state() -> State {
    let mut state = State::new("embedded engine · /data".into(), false);
    let snapshot = Snapshot {
        environment: Some(environment()),
        space: Some(space()),
        deployments: vec![
            deployment("web", DeploymentStatus::Active, "rev_web3"),
            deployment("api", DeploymentStatus::Active, "rev_api1"),
            deployment("worker", DeploymentStatus::RollingOut, "rev_worker2"),
            deployment("checkout", DeploymentStatus::Failed, "rev_co1"),
            deployment("postgres", DeploymentStatus::Building, "rev_pg1"),
        ],
        revision_numbers: vec![
            ("rev_web3".into(), 3),
            ("rev_api1".into(), 1),
            ("rev_worker2".into(), 2),
            ("rev_co1".into(), 1),
            ("rev_pg1".into(), 1),
        ],
        progress: vec![("dep_worker".into(), 1, 3)],
        loadbalancers: vec![
            (
                "dep_web".into(),
                lb(LbStatus::Ready, Some("web.demo.sandbox.zopdeck.test")),
            ),
            ("dep_api".into(), lb(LbStatus::Pending, None)),
        ],
    };
    update(&mut state, Msg::Loaded(Box::new(snapshot)));
    state
}

fn render(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|f| views::draw(f, state, &Palette { color: false }))
        .unwrap();
    terminal.backend().to_string()
}

#[test]
fn loading() {
    insta::assert_snapshot!(render(
        &State::new("embedded engine · /data".into(), false),
        80,
        12
    ));
}

#[test]
fn empty_environment() {
    let mut state = State::new("embedded engine · /data".into(), false);
    let snapshot = Snapshot {
        environment: Some(environment()),
        space: Some(space()),
        ..Default::default()
    };
    update(&mut state, Msg::Loaded(Box::new(snapshot)));
    insta::assert_snapshot!(render(&state, 80, 12));
}

#[test]
fn demo_environment_with_every_kind_of_row() {
    insta::assert_snapshot!(render(&demo_state(), 100, 14));
}

#[test]
fn second_row_selected_and_read_only() {
    let mut state = demo_state();
    state.read_only = true;
    update(
        &mut state,
        Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('j'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    insta::assert_snapshot!(render(&state, 100, 14));
}

#[test]
fn error_message_in_the_status_bar() {
    let mut state = demo_state();
    update(
        &mut state,
        Msg::Failed("loading failed: storage: disk full; Ctrl-R retries".into()),
    );
    insta::assert_snapshot!(render(&state, 100, 14));
}

#[test]
fn terminal_too_small() {
    insta::assert_snapshot!(render(&demo_state(), 40, 8));
}
