//! One full frame of the canvas with 1,000 and 10,000 cards at 200×60 (goal ≤ 1 ms / 5 ms).
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
    let deployments: Vec<Deployment> = (0..n).map(|i| deployment(i, per_row)).collect();
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

fn frames(c: &mut Criterion) {
    for n in [1_000, 10_000] {
        let s = state(n);
        let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap();
        let palette = Palette::new(true, zopdeck::views::theme::Theme::default());
        c.bench_function(&format!("frame/{n}_cards_200x60"), |b| {
            b.iter(|| {
                // A fresh buffer each time, so every frame is drawn (and diffed) in full.
                terminal.clear().unwrap();
                terminal.draw(|f| views::draw(f, &s, &palette)).unwrap();
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = frames
}
criterion_main!(benches);
