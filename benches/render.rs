//! One full frame at 200×60: the canvas with 1,000 and 10,000 cards (goal ≤ 1 ms / 5 ms);
//! 1,000 cards with 2,000 connections, inferred and drawn (goal ≤ 16 ms, a frame at 60 Hz);
//! the board with 3 lanes of 1,000 cards, without and with their connections; and finding
//! 2,000 connections among 1,000 cards alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::{Terminal, backend::TestBackend};
use zopdeck::app::keymap::Keymap;
use zopdeck::app::{Msg, Snapshot, State, update};
use zopdeck::backend::model::*;
use zopdeck::config::Config;
use zopdeck::views::{self, status::Palette};

/// Two connections a card: to the next card (`API_URL`) and the one below (`DATABASE_URL`).
fn connected(i: usize, n: usize, per_row: usize) -> String {
    serde_json::json!({"port": 8080, "envVars": {
        "API_URL": format!("http://service-{}:8080", (i + 1) % n),
        "DATABASE_URL": format!("postgres://app@service-{}:5432/app", (i + per_row) % n),
    }})
    .to_string()
}

fn deployment(i: usize, per_row: usize) -> Deployment {
    let status = DeploymentStatus::ALL[i % DeploymentStatus::ALL.len()];
    Deployment {
        id: format!("dep_{i:05}"),
        name: format!("service-{i}"),
        org_id: "org".into(),
        env_id: "env_bench".into(),
        source_type: SourceType::Image,
        repo_url: None,
        branch: None,
        image: Some(format!("ghcr.io/acme/service-{i}:1.{i}")),
        integration_id: None,
        auto_deploy: false,
        space_id: "spc".into(),
        namespace: "bench".into(),
        registry_url: None,
        current_revision_id: Some(format!("rev_{i}")),
        status,
        configs: "{}".into(),
        canvas_position: Some(CanvasPosition {
            x: 64.0 + (i % per_row) as f64 * 240.0,
            y: 64.0 + (i / per_row) as f64 * 112.0,
        }),
        last_deploy_at: None,
        drift: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn state(n: usize) -> State {
    state_with(n, false)
}

fn snapshot(n: usize, env: &str, edges: bool) -> Snapshot {
    let per_row = (n as f64).sqrt().ceil() as usize;
    let environment = Environment {
        id: env.into(),
        name: env.trim_start_matches("env_").into(),
        space_id: "spc".into(),
        namespace: "bench".into(),
        registry_url: None,
        created_at: Utc::now(),
    };
    let deployments: Vec<Deployment> = (0..n)
        .map(|i| {
            let mut d = deployment(i, per_row);
            d.id = format!("{env}_dep_{i:05}");
            d.env_id = env.into();
            if edges {
                d.configs = connected(i, n, per_row);
            }
            d
        })
        .collect();
    Snapshot {
        environment: Some(environment),
        deployments,
        ..Default::default()
    }
}

fn state_with(n: usize, edges: bool) -> State {
    let keymap = Keymap::from_config(&Config::default().keys).unwrap();
    let mut s = State::new("embedded engine · /bench".into(), false, keymap);
    s.screen = (200, 60);
    let per_row = (n as f64).sqrt().ceil() as usize;
    let env = Environment {
        id: "env_bench".into(),
        name: "bench".into(),
        space_id: "spc".into(),
        namespace: "bench".into(),
        registry_url: None,
        created_at: Utc::now(),
    };
    let deployments: Vec<Deployment> = (0..n)
        .map(|i| {
            let mut d = deployment(i, per_row);
            if edges {
                d.configs = connected(i, n, per_row);
            }
            d
        })
        .collect();
    let snapshot = Snapshot {
        environment: Some(env),
        revision_numbers: (0..n)
            .map(|i| (format!("rev_{i}"), (i % 9) as u32 + 1))
            .collect(),
        progress: (0..n).map(|i| (format!("dep_{i:05}"), 1, 3)).collect(),
        deployments,
        ..Default::default()
    };
    update(&mut s, Msg::Loaded(Box::new(snapshot)), Instant::now());
    s
}

/// The state with the board open on 3 lanes of `n` cards each, the first focused.
fn board(n: usize, edges: bool) -> State {
    use zopdeck::app::board::{Board, Lane};
    let mut s = state_with(n, edges);
    let envs: Vec<Environment> = ["env_bench", "env_staging", "env_prod"]
        .iter()
        .map(|e| snapshot(1, e, false).environment.unwrap())
        .collect();
    s.model.environments = envs.clone();
    let lanes = envs
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut model = zopdeck::app::model::Model::default();
            if i > 0 {
                model.load(snapshot(n, &e.id, edges), &Default::default());
            }
            Lane {
                env_id: e.id.clone(),
                name: e.name.clone(),
                model,
                canvas: Default::default(),
                loaded: true,
            }
        })
        .collect();
    s.board = Some(Board {
        lanes,
        focus: 0,
        ..Default::default()
    });
    s
}

fn frame(c: &mut Criterion, name: &str, s: &State) {
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let palette = Palette::new(true, zopdeck::views::theme::Theme::default());
    c.bench_function(name, |b| {
        b.iter(|| {
            // A fresh buffer each time, so every frame is drawn (and diffed) in full.
            terminal.clear().unwrap();
            terminal.draw(|f| views::draw(f, s, &palette)).unwrap();
        })
    });
}

fn frames(c: &mut Criterion) {
    for n in [1_000, 10_000] {
        frame(c, &format!("frame/{n}_cards_200x60"), &state(n));
    }
    frame(
        c,
        "frame/1000_cards_2000_edges_200x60",
        &state_with(1_000, true),
    );
    frame(c, "frame/board_3x1000_cards_200x60", &board(1_000, false));
    frame(
        c,
        "frame/board_3x1000_cards_2000_edges_each_200x60",
        &board(1_000, true),
    );
    let s = state_with(1_000, true);
    assert_eq!(zopdeck::app::connections::edges(&s.model).len(), 2_000);
    c.bench_function("edges/find_2000_among_1000_cards", |b| {
        b.iter(|| zopdeck::app::connections::edges(&s.model).len())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = frames
}
criterion_main!(benches);
