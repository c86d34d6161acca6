//! Snapshots of what works across environments: the board with 3 lanes at 160×45 and 80×24
//! (lanes in rows), with 2 lanes, the line comparing a card across lanes, the promote diff
//! and the question to create a missing target, the copy-layout preview, connections
//! (inferred and named, the selected card's heavy, a failing target's dashed), the rollouts
//! drawer, the table view, and the one-key fixes of a failed card.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/board.rs"]
mod board;
#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Instant;

use board::*;
use crossterm::event::KeyCode;
use fixtures::*;
use zopdeck::app::promote::Plan;
use zopdeck::app::{Msg, update};
use zopdeck::backend::model::*;

#[test]
fn the_board_in_columns_and_in_rows() {
    for (w, h) in [(160, 45), (80, 24)] {
        let mut s = board(w, h);
        s.message = None;
        insta::assert_snapshot!(format!("board_3_lanes_{w}x{h}"), render(&s));
    }
}

#[test]
fn the_board_with_two_lanes_and_a_card_compared_across_them() {
    let mut s = empty_state(120, 30);
    update(
        &mut s,
        Msg::Loaded(Box::new(snapshot("staging", staging()))),
        Instant::now(),
    );
    press(&mut s, KeyCode::Char('E'));
    // Untick demo: staging (shown) and prod.
    press(&mut s, KeyCode::Char(' '));
    let pick = render(&s);
    assert!(pick.contains("[ ] demo"), "{pick}");
    insta::assert_snapshot!("board_pick", pick);
    press(&mut s, KeyCode::Enter);
    update(
        &mut s,
        Msg::LaneLoaded(Box::new(snapshot("prod", prod()))),
        Instant::now(),
    );
    s.message = None;
    let screen = render(&s);
    assert!(
        screen.contains("≠ web staging: 1.1 #1 · prod: 1.0 #1 · configs differ in replicas"),
        "{screen}"
    );
    insta::assert_snapshot!("board_2_lanes_drift", screen);
}

#[test]
fn promote_shows_the_diff_or_asks_to_create() {
    let current = revision(
        "rev_prod_web",
        12,
        "ghcr.io/acme/web:1.0",
        r#"{"replicas":2}"#,
    );
    for (name, target) in [
        ("promote_diff", Some((prod()[0].clone(), Some(current)))),
        ("promote_create", None),
    ] {
        let mut s = board(120, 30);
        press(&mut s, KeyCode::Char(']'));
        press(&mut s, KeyCode::Char('p'));
        if name == "promote_diff" {
            insta::assert_snapshot!("promote_pick", render(&s));
        }
        press(&mut s, KeyCode::Char('j'));
        press(&mut s, KeyCode::Enter);
        let plan = Plan {
            from: revision(
                "rev_staging_web",
                18,
                "ghcr.io/acme/web:1.1",
                r#"{"port":8080,"replicas":3}"#,
            ),
            to_env: environment("env_prod", "prod"),
            target,
        };
        update(
            &mut s,
            Msg::PromotionLoaded {
                source_id: "dep_staging_web".into(),
                result: Ok(Box::new(plan)),
            },
            Instant::now(),
        );
        insta::assert_snapshot!(name, render(&s));
    }
}

#[test]
fn the_layout_of_another_environment_previewed() {
    let mut s = board(120, 30);
    press(&mut s, KeyCode::Char(']'));
    press(&mut s, KeyCode::Char(']'));
    press(&mut s, KeyCode::Char('C'));
    insta::assert_snapshot!("layout_pick", render(&s));
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Enter);
    update(
        &mut s,
        Msg::LayoutLoaded {
            env_id: "env_staging".into(),
            result: Ok(vec![(
                "web".to_string(),
                CanvasPosition { x: 64.0, y: 64.0 },
            )]),
        },
        Instant::now(),
    );
    insta::assert_snapshot!("layout_preview", render(&s));
}

#[test]
fn connections_drawn_under_the_cards() {
    for (w, h) in [(120, 30), (80, 24)] {
        let mut s = connected(w, h);
        s.canvas.selected = Some("dep_api".into());
        let screen = render(&s);
        insta::assert_snapshot!(format!("connections_{w}x{h}"), screen);
    }
    let mut s = connected(120, 30);
    s.canvas.selected = Some("dep_worker".into());
    let screen = render(&s);
    assert!(screen.contains('┆') || screen.contains('┄'), "{screen}");
    insta::assert_snapshot!("connections_worker_selected", screen);
}

#[test]
fn rollouts_table_and_fixes() {
    let mut s = board(120, 30);
    let mut api = card(
        "staging",
        "api",
        DeploymentStatus::RollingOut,
        (304.0, 64.0),
    );
    api.updated_at = ts();
    update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(api),
        }),
        Instant::now(),
    );
    let failed = card("prod", "web", DeploymentStatus::Failed, (304.0, 176.0));
    update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(failed),
        }),
        Instant::now(),
    );
    s.now = ts() + chrono::Duration::seconds(95);
    s.message = None;
    press(&mut s, KeyCode::Char('w'));
    s.message = None;
    insta::assert_snapshot!("rollouts_drawer", render(&s));
    press(&mut s, KeyCode::Char('v'));
    s.message = None;
    insta::assert_snapshot!("table_view", render(&s));
}

#[test]
fn the_fixes_of_a_failed_card() {
    let reason = "31 pod(s) Pending: Insufficient capacity (sandbox cluster runs 24 replicas, \
                  15 used by other releases)";
    let mut s = failed_worker(reason, Some(6));
    s.message = None;
    press(&mut s, KeyCode::Char('x'));
    insta::assert_snapshot!("fix_pick", render(&s));
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!("fix_scale_diff", render(&s));
}
