//! The canvas as a grid: directional moves stay in the row or column, the selected card stays
//! on screen (moved, under an opening drawer, zoomed, fitted), a filter that matches nothing
//! keeps the selection, new cards take free spots in view without overlapping, and `f` fits
//! 64 cards at 80×24 with markers for what lies off screen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::*;
use zopdeck::app::canvas::card_rect;
use zopdeck::app::{Msg, State, update};
use zopdeck::backend::model::*;

/// `n` cards on the auto-placement grid, 8 to a row: `svc-0` … `svc-{n-1}`.
fn grid(n: usize) -> Vec<Deployment> {
    (0..n)
        .map(|i| {
            let (c, r) = ((i % 8) as f64, (i / 8) as f64);
            deployment(
                &format!("svc-{i}"),
                DeploymentStatus::Active,
                Some((64.0 + c * 240.0, 64.0 + r * 112.0)),
            )
        })
        .collect()
}

/// Whether the selected card is wholly on screen, above the drawer.
fn selected_visible(s: &State) -> bool {
    let d = s.selected_deployment().unwrap();
    let r = card_rect(d);
    let v = s.canvas.viewport;
    let (w, h) = s.cards_area();
    let (c0, r0) = v.to_cell(r.x, r.y);
    let (c1, r1) = v.to_cell(r.x + r.w - 1.0, r.y + r.h - 1.0);
    c0 >= 0 && r0 >= 0 && c1 < i64::from(w) && r1 < i64::from(h)
}

fn selected(s: &State) -> &str {
    s.canvas.selected.as_deref().unwrap()
}

#[test]
fn moves_stay_in_the_row_and_the_column() {
    let mut deployments = grid(16);
    // A card a little out of line in the second row, nearer than the row's next one.
    deployments[9].canvas_position = Some(CanvasPosition { x: 300.0, y: 190.0 });
    let mut s = loaded(deployments, 200, 50);
    assert_eq!(selected(&s), "dep_svc-0");
    for _ in 0..3 {
        press(&mut s, KeyCode::Char('l'));
    }
    assert_eq!(selected(&s), "dep_svc-3", "along the first row");
    press(&mut s, KeyCode::Char('j'));
    assert_eq!(selected(&s), "dep_svc-11", "down the column");
    press(&mut s, KeyCode::Char('h'));
    press(&mut s, KeyCode::Char('h'));
    assert_eq!(
        selected(&s),
        "dep_svc-9",
        "the row takes the card a little out of line"
    );
}

#[test]
fn the_selected_card_stays_on_screen_moved_under_the_drawer_zoomed_and_fitted() {
    let mut s = loaded(grid(64), 80, 24);
    // Down the first column to the last row.
    for _ in 0..7 {
        press(&mut s, KeyCode::Char('j'));
    }
    assert_eq!(selected(&s), "dep_svc-56");
    assert!(selected_visible(&s), "scrolled to it");
    // Moved far right by keys: the view follows.
    for _ in 0..6 {
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Char('L'), KeyModifiers::ALT)),
            Instant::now(),
        );
    }
    assert!(selected_visible(&s), "follows the moved card");
    // The drawer opens over the bottom rows: the view scrolls so the card is above it.
    press(&mut s, KeyCode::Char('t'));
    assert!(s.drawer.is_some());
    assert!(selected_visible(&s), "not under the drawer");
    press(&mut s, KeyCode::Char('+'));
    assert_eq!(s.canvas.viewport.zoom.percent(), 150);
    assert!(selected_visible(&s), "zoomed in, still on screen");
    press(&mut s, KeyCode::Char('f'));
    assert!(selected_visible(&s), "fitted");
}

#[test]
fn fit_shows_64_cards_at_80x24_and_markers_say_what_lies_beyond() {
    let mut s = loaded(grid(64), 80, 24);
    let before = render(&s);
    assert!(before.contains("▶") || before.contains("▼"), "{before}");
    insta::assert_snapshot!("markers_at_100_percent", before);
    let wide = render(&loaded(grid(64), 160, 45));
    assert!(wide.contains("▶") && wide.contains("▼"), "{wide}");
    insta::assert_snapshot!("markers_at_100_percent_160x45", wide);
    press(&mut s, KeyCode::Char('f'));
    assert_eq!(s.canvas.viewport.zoom.percent(), 25);
    let (w, h) = s.cards_area();
    let v = s.canvas.viewport;
    for d in &s.model.deployments {
        let r = card_rect(d);
        let (c0, r0) = v.to_cell(r.x, r.y);
        let (c1, r1) = v.to_cell(r.x + r.w - 1.0, r.y + r.h - 1.0);
        assert!(
            c0 >= 0 && r0 >= 0 && c1 < i64::from(w) && r1 < i64::from(h),
            "{} off screen at {c0},{r0}",
            d.name
        );
    }
    let fitted = render(&s);
    assert!(!fitted.contains('▶') && !fitted.contains('▼'), "{fitted}");
    insta::assert_snapshot!("sixty_four_cards_fitted_at_80x24", fitted);
}

#[test]
fn a_filter_that_matches_nothing_keeps_the_selection_and_says_so() {
    let mut s = loaded(demo(), 100, 30);
    press(&mut s, KeyCode::Char('l'));
    let before = selected(&s).to_string();
    press(&mut s, KeyCode::Char('/'));
    for c in "zzz".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    assert_eq!(selected(&s), before, "kept");
    let screen = render(&s);
    assert!(screen.contains("no match"), "{screen}");
    for _ in 0..3 {
        press(&mut s, KeyCode::Backspace);
    }
    for c in "wor".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    assert_eq!(selected(&s), "dep_worker");
    assert!(render(&s).contains("1 of 4"));
}

#[test]
fn sixty_new_cards_take_free_spots_in_view_without_overlapping() {
    let mut s = loaded(demo(), 160, 45);
    press(&mut s, KeyCode::Char('t'));
    for i in 0..60 {
        let mut d = deployment(&format!("new-{i}"), DeploymentStatus::Pending, None);
        d.current_revision_id = None;
        update(
            &mut s,
            Msg::Changed(Change::Deployment { data: Box::new(d) }),
            Instant::now(),
        );
    }
    let rects: Vec<_> = s.model.deployments.iter().map(card_rect).collect();
    assert_eq!(rects.len(), 64);
    for (i, a) in rects.iter().enumerate() {
        for b in &rects[i + 1..] {
            assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
        }
    }
    // The first new ones land in view, above the drawer.
    let v = s.canvas.viewport;
    let (w, h) = s.cards_area();
    let first = card_rect(s.deployment("dep_new-0").unwrap());
    let (c1, r1) = v.to_cell(first.x + first.w - 1.0, first.y + first.h - 1.0);
    assert!(c1 < i64::from(w) && r1 < i64::from(h), "{first:?}");
    // Every spot is saved.
    assert_eq!(s.saves.pending.len(), 60);
}
