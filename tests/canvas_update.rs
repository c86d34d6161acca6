//! `update` on the canvas: selection, keyboard and mouse moves, debounced saving, retries,
//! the on-disk outbox, undo/redo, read-only, overlays. Time is passed in, never slept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use fixtures::*;
use zopdeck::app::outbox::Outbox;
use zopdeck::app::persist::DEBOUNCE;
use zopdeck::app::state::Overlay;
use zopdeck::app::{Cmd, Msg, SaveError, State, update};
use zopdeck::backend::model::*;

fn key(state: &mut State, code: KeyCode, mods: KeyModifiers, now: Instant) -> Vec<Cmd> {
    update(state, Msg::Key(KeyEvent::new(code, mods)), now).1
}

fn press(state: &mut State, c: char, now: Instant) -> Vec<Cmd> {
    key(state, KeyCode::Char(c), KeyModifiers::NONE, now)
}

fn pos(state: &State, name: &str) -> (f64, f64) {
    let p = state
        .deployment(&format!("dep_{name}"))
        .unwrap()
        .canvas_position
        .unwrap();
    (p.x, p.y)
}

fn saves(cmds: &[Cmd]) -> Vec<(String, CanvasPosition)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::SavePosition { id, pos } => Some((id.clone(), *pos)),
            _ => None,
        })
        .collect()
}

fn mouse(state: &mut State, kind: MouseEventKind, col: u16, row: u16, now: Instant) -> Vec<Cmd> {
    let ev = MouseEvent {
        kind,
        column: col,
        row,
        modifiers: KeyModifiers::NONE,
    };
    update(state, Msg::Mouse(ev), now).1
}

#[test]
fn selection_starts_top_left_and_follows_directions() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_web"));
    press(&mut s, 'l', now);
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_api"));
    press(&mut s, 'j', now);
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_postgres"));
    key(&mut s, KeyCode::Left, KeyModifiers::NONE, now);
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_worker"));
    press(&mut s, 'h', now);
    assert_eq!(
        s.canvas.selected.as_deref(),
        Some("dep_worker"),
        "nothing further left: stays"
    );
    press(&mut s, 'k', now);
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_web"));
}

#[test]
fn tab_walks_in_reading_order_and_wraps() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    let mut seen = vec![];
    for _ in 0..5 {
        key(&mut s, KeyCode::Tab, KeyModifiers::NONE, now);
        seen.push(s.canvas.selected.clone().unwrap());
    }
    assert_eq!(
        seen,
        [
            "dep_api",
            "dep_worker",
            "dep_postgres",
            "dep_web",
            "dep_api"
        ]
    );
    key(&mut s, KeyCode::BackTab, KeyModifiers::SHIFT, now);
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_web"));
}

#[test]
fn keyboard_moves_are_optimistic_and_saved_once_after_the_debounce() {
    let t0 = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    let mut cmds = press(&mut s, 'L', t0);
    cmds.extend(press(&mut s, 'L', t0 + Duration::from_millis(100)));
    cmds.extend(key(
        &mut s,
        KeyCode::Down,
        KeyModifiers::SHIFT,
        t0 + Duration::from_millis(200),
    ));
    assert_eq!(
        pos(&s, "web"),
        (64.0 + 16.0, 64.0 + 16.0),
        "moved at once, 8 px / 16 px a cell"
    );
    assert!(
        saves(&cmds).is_empty(),
        "nothing sent while the card keeps moving"
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::StoreOutbox(m) if m.contains_key("dep_web"))),
        "kept on disk"
    );
    assert_eq!(
        s.next_deadline(),
        Some(t0 + Duration::from_millis(200) + DEBOUNCE)
    );
    // The debounce ends: exactly one write, with the final position.
    let (_, cmds) = update(
        &mut s,
        Msg::Timer,
        t0 + Duration::from_millis(200) + DEBOUNCE,
    );
    assert_eq!(
        saves(&cmds),
        [("dep_web".to_string(), CanvasPosition { x: 80.0, y: 80.0 })]
    );
    let (_, again) = update(&mut s, Msg::Timer, t0 + Duration::from_secs(5));
    assert!(saves(&again).is_empty(), "one request in flight at a time");
    let (_, cmds) = update(
        &mut s,
        Msg::Saved {
            id: "dep_web".into(),
            pos: CanvasPosition { x: 80.0, y: 80.0 },
            result: Ok(()),
        },
        t0 + Duration::from_secs(1),
    );
    assert!(s.saves.pending.is_empty());
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::StoreOutbox(m) if m.is_empty())),
        "outbox emptied"
    );
    assert_eq!(s.message.as_ref().map(|m| m.0.as_str()), Some("saved"));
}

#[test]
fn alt_moves_five_cells_and_moves_follow_the_zoom() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    key(
        &mut s,
        KeyCode::Right,
        KeyModifiers::SHIFT | KeyModifiers::ALT,
        now,
    );
    assert_eq!(pos(&s, "web"), (64.0 + 40.0, 64.0));
    press(&mut s, '-', now);
    press(&mut s, '-', now);
    assert_eq!(s.canvas.viewport.zoom.percent(), 50);
    press(&mut s, 'J', now);
    assert_eq!(
        pos(&s, "web"),
        (104.0, 64.0 + 32.0),
        "at 50 % a cell is 16 px × 32 px"
    );
}

#[test]
fn failed_saves_are_retried_with_backoff_and_gone_deployments_dropped() {
    let t0 = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    press(&mut s, 'L', t0);
    let t1 = t0 + DEBOUNCE;
    let (_, cmds) = update(&mut s, Msg::Timer, t1);
    let (id, p) = saves(&cmds)[0].clone();
    let err = SaveError {
        message: "connection refused".into(),
        gone: false,
    };
    update(
        &mut s,
        Msg::Saved {
            id: id.clone(),
            pos: p,
            result: Err(err.clone()),
        },
        t1,
    );
    assert_eq!(s.saves.pending.len(), 1, "kept");
    let msg = s.message.clone().unwrap().0;
    assert!(
        msg.contains("1 position change(s) pending") && msg.contains("retrying in 1 s"),
        "{msg}"
    );
    assert_eq!(s.next_deadline(), Some(t1 + Duration::from_secs(1)));
    // Second failure: 2 s.
    let (_, cmds) = update(&mut s, Msg::Timer, t1 + Duration::from_secs(1));
    assert_eq!(saves(&cmds).len(), 1);
    update(
        &mut s,
        Msg::Saved {
            id: id.clone(),
            pos: p,
            result: Err(err),
        },
        t1 + Duration::from_secs(1),
    );
    assert_eq!(s.next_deadline(), Some(t1 + Duration::from_secs(3)));
    // The deployment was deleted meanwhile: nothing left to retry.
    let (_, cmds) = update(&mut s, Msg::Timer, t1 + Duration::from_secs(3));
    assert_eq!(saves(&cmds).len(), 1);
    let gone = SaveError {
        message: "deployment not found".into(),
        gone: true,
    };
    update(
        &mut s,
        Msg::Saved {
            id,
            pos: p,
            result: Err(gone),
        },
        t1 + Duration::from_secs(3),
    );
    assert!(s.saves.pending.is_empty());
}

#[test]
fn the_outbox_of_an_earlier_run_is_shown_and_sent_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path(), "embedded engine · /data");
    let mut left = BTreeMap::new();
    left.insert("dep_api".to_string(), CanvasPosition { x: 1000.0, y: 48.0 });
    outbox.save(&left).unwrap();

    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    let (_, cmds) = update(&mut s, Msg::OutboxLoaded(outbox.load().unwrap()), now);
    assert_eq!(pos(&s, "api"), (1000.0, 48.0));
    assert_eq!(
        saves(&cmds),
        [("dep_api".to_string(), CanvasPosition { x: 1000.0, y: 48.0 })]
    );
    // A reload from the backend (still the old position) does not undo it.
    let mut stale = demo();
    stale[1].canvas_position = Some(CanvasPosition { x: 384.0, y: 64.0 });
    let snapshot = zopdeck::app::Snapshot {
        environment: Some(environment("env_demo", "demo")),
        deployments: stale,
        ..Default::default()
    };
    update(&mut s, Msg::Loaded(Box::new(snapshot)), now);
    assert_eq!(pos(&s, "api"), (1000.0, 48.0));
}

#[test]
fn dragging_a_card_follows_the_pointer_and_saves_on_release() {
    let t0 = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    // web is at (64, 64): columns 8.., rows 4.. of the canvas, which starts below the header.
    mouse(&mut s, MouseEventKind::Down(MouseButton::Left), 10, 6, t0);
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_web"));
    mouse(&mut s, MouseEventKind::Drag(MouseButton::Left), 20, 8, t0);
    assert_eq!(
        pos(&s, "web"),
        (64.0 + 80.0, 64.0 + 32.0),
        "follows the pointer"
    );
    assert!(s.dragging("dep_web"));
    // Another client moves it meanwhile: the drag wins.
    let mut remote = demo().remove(0);
    remote.canvas_position = Some(CanvasPosition { x: 0.0, y: 0.0 });
    update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(remote.clone()),
        }),
        t0,
    );
    assert_eq!(pos(&s, "web"), (144.0, 96.0));
    let cmds = mouse(&mut s, MouseEventKind::Up(MouseButton::Left), 20, 8, t0);
    assert!(!s.dragging("dep_web"));
    assert!(cmds.iter().any(|c| matches!(c, Cmd::StoreOutbox(_))));
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + DEBOUNCE);
    assert_eq!(
        saves(&cmds),
        [("dep_web".to_string(), CanvasPosition { x: 144.0, y: 96.0 })]
    );
    update(
        &mut s,
        Msg::Saved {
            id: "dep_web".into(),
            pos: CanvasPosition { x: 144.0, y: 96.0 },
            result: Ok(()),
        },
        t0,
    );
    // Once saved, positions from elsewhere move the card again.
    update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(remote),
        }),
        t0,
    );
    assert_eq!(pos(&s, "web"), (0.0, 0.0));
}

#[test]
fn dragging_empty_canvas_pans_and_the_wheel_scrolls() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    mouse(
        &mut s,
        MouseEventKind::Down(MouseButton::Left),
        100,
        30,
        now,
    );
    mouse(&mut s, MouseEventKind::Drag(MouseButton::Left), 90, 28, now);
    mouse(&mut s, MouseEventKind::Up(MouseButton::Left), 90, 28, now);
    assert_eq!(
        (s.canvas.viewport.origin_x, s.canvas.viewport.origin_y),
        (80.0, 32.0)
    );
    assert_eq!(pos(&s, "web"), (64.0, 64.0), "no card moved");
    mouse(&mut s, MouseEventKind::ScrollDown, 5, 5, now);
    assert_eq!(s.canvas.viewport.origin_y, 64.0);
}

#[test]
fn undo_and_redo_replay_moves_and_persist_them() {
    let t0 = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    press(&mut s, 'L', t0);
    press(&mut s, 'L', t0);
    update(&mut s, Msg::Timer, t0 + DEBOUNCE);
    update(
        &mut s,
        Msg::Saved {
            id: "dep_web".into(),
            pos: CanvasPosition { x: 80.0, y: 64.0 },
            result: Ok(()),
        },
        t0,
    );
    press(&mut s, 'l', t0);
    press(&mut s, 'J', t0 + DEBOUNCE * 3);
    assert_eq!(pos(&s, "api"), (384.0, 80.0));
    press(&mut s, 'u', t0 + DEBOUNCE * 4);
    assert_eq!(pos(&s, "api"), (384.0, 64.0));
    press(&mut s, 'u', t0 + DEBOUNCE * 4);
    assert_eq!(
        pos(&s, "web"),
        (64.0, 64.0),
        "the two L presses were one move"
    );
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_web"));
    let (_, cmds) = update(&mut s, Msg::Timer, t0 + DEBOUNCE * 6);
    let mut sent = saves(&cmds);
    sent.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(sent.len(), 2, "an undo is persisted like a move: {sent:?}");
    key(&mut s, KeyCode::Char('r'), KeyModifiers::CONTROL, t0);
    assert_eq!(pos(&s, "web"), (80.0, 64.0));
    press(&mut s, 'u', t0);
    press(&mut s, 'u', t0);
    press(&mut s, 'u', t0);
    assert_eq!(
        s.message.as_ref().map(|m| m.0.as_str()),
        Some("nothing to undo")
    );
}

#[test]
fn read_only_refuses_moves_and_says_why() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    s.read_only = true;
    let cmds = press(&mut s, 'L', now);
    assert!(cmds.is_empty());
    assert_eq!(pos(&s, "web"), (64.0, 64.0));
    assert!(s.message.as_ref().unwrap().0.contains("read-only"));
    mouse(&mut s, MouseEventKind::Down(MouseButton::Left), 10, 6, now);
    mouse(&mut s, MouseEventKind::Drag(MouseButton::Left), 30, 9, now);
    mouse(&mut s, MouseEventKind::Up(MouseButton::Left), 30, 9, now);
    assert_eq!(pos(&s, "web"), (64.0, 64.0));
    press(&mut s, 'l', now);
    assert_eq!(
        s.canvas.selected.as_deref(),
        Some("dep_api"),
        "selection still works"
    );
}

#[test]
fn cards_without_a_position_or_on_top_of_another_get_a_free_spot_that_is_saved() {
    let now = Instant::now();
    let deps = vec![
        deployment("a", DeploymentStatus::Active, Some((64.0, 64.0))),
        deployment("b", DeploymentStatus::Active, None),
        deployment("c", DeploymentStatus::Active, Some((64.0, 64.0))),
    ];
    let mut s = loaded(deps, 120, 40);
    let rects: Vec<_> = s
        .model
        .deployments
        .iter()
        .map(|d| zopdeck::app::geometry::Rect::card(d.canvas_position.unwrap()))
        .collect();
    for (i, a) in rects.iter().enumerate() {
        for b in &rects[i + 1..] {
            assert!(!a.overlaps(b), "no two cards overlap");
        }
    }
    assert_eq!(pos(&s, "a"), (64.0, 64.0), "the first one keeps its spot");
    assert!(
        s.saves.pending.contains_key("dep_b") && s.saves.pending.contains_key("dep_c"),
        "new spots are saved"
    );
    assert!(!s.saves.pending.contains_key("dep_a"));
    let (_, cmds) = update(&mut s, Msg::Timer, now + DEBOUNCE * 2);
    assert_eq!(saves(&cmds).len(), 2);
}

#[test]
fn quitting_with_unsaved_moves_asks_first() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    press(&mut s, 'L', now);
    let cmds = press(&mut s, 'q', now);
    assert!(!cmds.contains(&Cmd::Quit));
    assert_eq!(s.overlay, Some(Overlay::ConfirmQuit));
    press(&mut s, 'n', now);
    assert_eq!(s.overlay, None);
    press(&mut s, 'q', now);
    let cmds = press(&mut s, 'y', now);
    assert!(cmds.contains(&Cmd::Quit));
}

#[test]
fn filter_dims_others_and_keeps_selection_on_matches() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    press(&mut s, '/', now);
    for c in "fail".chars() {
        press(&mut s, c, now);
    }
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE, now);
    assert_eq!(s.filter.text, "fail");
    assert_eq!(
        s.canvas.selected.as_deref(),
        Some("dep_worker"),
        "selection moves to a match"
    );
    press(&mut s, 'l', now);
    assert_eq!(
        s.canvas.selected.as_deref(),
        Some("dep_worker"),
        "non-matching cards are skipped"
    );
    key(&mut s, KeyCode::Esc, KeyModifiers::NONE, now);
    assert!(s.filter.is_empty());
}

#[test]
fn palette_runs_actions_by_name_and_environments_switch() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    press(&mut s, ':', now);
    for c in "zoom in".chars() {
        press(&mut s, c, now);
    }
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE, now);
    assert_eq!(s.canvas.viewport.zoom.percent(), 150);
    press(&mut s, 'e', now);
    for c in "prod".chars() {
        press(&mut s, c, now);
    }
    let cmds = key(&mut s, KeyCode::Enter, KeyModifiers::NONE, now);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Reload { env: Some(e), .. } if e == "env_prod"))
    );
}

#[test]
fn zoom_fit_shows_every_card() {
    let now = Instant::now();
    let mut deps = demo();
    deps.push(deployment(
        "far",
        DeploymentStatus::Active,
        Some((1500.0, 700.0)),
    ));
    let mut s = loaded(deps, 120, 40);
    press(&mut s, 'f', now);
    let (w, h) = s.canvas_size();
    let (cw, ch) = s.canvas.viewport.card_cells();
    for d in &s.model.deployments {
        let p = d.canvas_position.unwrap();
        let (col, row) = s.canvas.viewport.to_cell(p.x, p.y);
        assert!(
            col >= 0
                && row >= 0
                && col + i64::from(cw) <= i64::from(w)
                && row + i64::from(ch) <= i64::from(h),
            "{} visible",
            d.name
        );
    }
}

#[test]
fn live_changes_update_cards_without_a_key_press() {
    let now = Instant::now();
    let mut s = loaded(demo(), 120, 40);
    let mut api = demo().remove(1);
    api.status = DeploymentStatus::Active;
    api.current_revision_id = Some("rev_new".into());
    let (redraw, cmds) = update(
        &mut s,
        Msg::Changed(Change::Deployment {
            data: Box::new(api),
        }),
        now,
    );
    assert!(redraw);
    assert!(cmds.contains(&Cmd::FetchRevision {
        deployment_id: "dep_api".into(),
        revision_id: "rev_new".into()
    }));
    assert_eq!(
        s.deployment("dep_api").unwrap().status,
        DeploymentStatus::Active
    );
    update(
        &mut s,
        Msg::Changed(Change::DeploymentDeleted {
            deployment_id: "dep_web".into(),
        }),
        now,
    );
    assert!(s.deployment("dep_web").is_none());
    assert!(
        s.canvas.selected.is_some(),
        "selection moves off a deleted card"
    );
    let (redraw, _) = update(&mut s, Msg::Tick, now);
    assert!(redraw, "postgres is building: spinner ticks redraw");
}
