//! Snapshots of every screen, rendered with ratatui's `TestBackend` (colour off, so the
//! snapshots show what a NO_COLOR user sees: symbols and words, never colour alone).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use fixtures::*;
use ratatui::{Terminal, backend::TestBackend};
use zopdeck::app::{Msg, State, update};
use zopdeck::backend::model::*;
use zopdeck::views::{self, status::Palette};

fn render(state: &State) -> String {
    let (w, h) = state.screen;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| views::draw(f, state, &Palette { color: false }))
        .unwrap();
    terminal.backend().to_string()
}

fn press(state: &mut State, code: KeyCode) {
    update(
        state,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        Instant::now(),
    );
}

fn demo_state() -> State {
    let mut s = loaded(demo(), 100, 30);
    s.progress.insert("dep_api".into(), (1, 3));
    s.loadbalancers.insert(
        "dep_web".into(),
        lb(LbStatus::Ready, Some("web.demo.sandbox.zopdeck.test")),
    );
    s
}

#[test]
fn loading() {
    insta::assert_snapshot!(render(&empty_state(80, 14)));
}

#[test]
fn empty_environment() {
    insta::assert_snapshot!(render(&loaded(vec![], 80, 14)));
}

#[test]
fn demo_canvas() {
    insta::assert_snapshot!(render(&demo_state()));
}

#[test]
fn waiting_for_public_address() {
    let mut s = demo_state();
    s.loadbalancers
        .insert("dep_web".into(), lb(LbStatus::Pending, None));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn another_card_selected() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('j'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn card_being_dragged() {
    let mut s = demo_state();
    let ev = |kind, column, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(
        &mut s,
        ev(MouseEventKind::Down(MouseButton::Left), 10, 6),
        Instant::now(),
    );
    update(
        &mut s,
        ev(MouseEventKind::Drag(MouseButton::Left), 30, 11),
        Instant::now(),
    );
    insta::assert_snapshot!(render(&s));
}

#[test]
fn filtered_canvas() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('/'));
    for c in "act".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    insta::assert_snapshot!(render(&s));
}

#[test]
fn zoom_50() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('-'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn zoom_200() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('+'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn card_half_off_screen() {
    let mut deps = demo();
    deps.push(deployment(
        "edge",
        DeploymentStatus::Active,
        Some((700.0, 400.0)),
    ));
    let s = loaded(deps, 100, 30);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn help_overlay() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('?'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn command_palette() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char(':'));
    for c in "zoom".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    insta::assert_snapshot!(render(&s));
}

#[test]
fn environment_switcher() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('e'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn detail_panel() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Enter);
    insta::assert_snapshot!(render(&s));
}

#[test]
fn quit_with_unsaved_moves() {
    let mut s = demo_state();
    press(&mut s, KeyCode::Char('L'));
    press(&mut s, KeyCode::Char('q'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn read_only_with_an_error_message() {
    let mut s = demo_state();
    s.read_only = true;
    press(&mut s, KeyCode::Char('L'));
    insta::assert_snapshot!(render(&s));
}

#[test]
fn terminal_too_small() {
    let mut s = demo_state();
    s.screen = (40, 8);
    insta::assert_snapshot!(render(&s));
}
