//! Nothing cut off, nothing hidden: the help reachable to its end at 80×24 and per panel, the
//! footer's keys for where the user is (crossed out in read-only), the palette greying out
//! what read-only refuses, panels that scroll, and messages that give way to the keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use fixtures::*;
use ratatui::style::Modifier;
use ratatui::{Terminal, backend::TestBackend};
use zopdeck::app::state::Overlay;
use zopdeck::app::{Msg, State, update};
use zopdeck::views::{self, status::Palette};

#[test]
fn the_whole_help_is_reachable_at_80x24() {
    let mut s = loaded(demo(), 80, 24);
    press(&mut s, KeyCode::Char('?'));
    let top = render(&s);
    assert!(top.contains("lines 1–"), "it says it scrolls: {top}");
    press(&mut s, KeyCode::End);
    let end = render(&s);
    assert!(end.contains("mouse: click selects"), "its last line: {end}");
    assert!(
        end.contains("TIMELINE DRAWER"),
        "the drawer's keys too: {end}"
    );
    insta::assert_snapshot!(end);
    press(&mut s, KeyCode::Esc);
    assert!(s.overlay.is_none());
}

#[test]
fn question_mark_in_a_panel_shows_that_panels_keys_and_comes_back() {
    let mut s = loaded(demo(), 100, 30);
    press(&mut s, KeyCode::Char('r'));
    press(&mut s, KeyCode::Char('?'));
    let screen = render(&s);
    assert!(screen.contains("REVISIONS"), "{screen}");
    assert!(screen.contains("diff the selected revision"), "{screen}");
    insta::assert_snapshot!(screen);
    press(&mut s, KeyCode::Esc);
    assert!(
        matches!(s.overlay, Some(Overlay::Revisions(_))),
        "back to the revisions"
    );
    // Where characters are typed, ? is a character and F1 the help.
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char(':'));
    press(&mut s, KeyCode::Char('?'));
    assert!(matches!(&s.overlay, Some(Overlay::Palette { query, .. }) if query == "?"));
    press(&mut s, KeyCode::F(1));
    assert!(matches!(&s.overlay, Some(Overlay::Help { .. })));
}

#[test]
fn the_footer_shows_the_cards_actions_at_160x45() {
    insta::assert_snapshot!(render(&loaded(demo(), 160, 45)));
}

/// The cells of the footer (the last row) holding `text`, with their modifiers.
fn footer_modifiers(state: &State, text: &str) -> Vec<Modifier> {
    let (w, h) = state.screen;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| views::draw(f, state, &Palette::plain()))
        .unwrap();
    let buf = terminal.backend().buffer();
    let row: String = (0..w)
        .map(|x| buf[(x, h - 1)].symbol().to_string())
        .collect();
    let at = row
        .find(text)
        .unwrap_or_else(|| panic!("{text:?} not in {row:?}"));
    let col = row[..at].chars().count() as u16;
    (col..col + text.chars().count() as u16)
        .map(|x| buf[(x, h - 1)].modifier)
        .collect()
}

#[test]
fn read_only_crosses_out_what_it_refuses_in_the_footer_and_greys_it_in_the_palette() {
    let mut s = loaded(demo(), 160, 45);
    s.read_only = true;
    let crossed = |m: &Modifier| m.contains(Modifier::CROSSED_OUT);
    assert!(footer_modifiers(&s, "D teardown").iter().all(crossed));
    assert!(footer_modifiers(&s, "c configs").iter().all(crossed));
    assert!(!footer_modifiers(&s, "t timeline").iter().any(crossed));
    press(&mut s, KeyCode::Char(':'));
    for c in "tear".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    let screen = render(&s);
    assert!(screen.contains("(read-only)"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn the_detail_and_a_long_configs_diff_scroll() {
    let mut s = loaded(demo(), 80, 24);
    let envs: serde_json::Map<String, serde_json::Value> = (0..40)
        .map(|i| {
            (
                format!("VAR_{i:02}"),
                serde_json::json!(format!("value {i}")),
            )
        })
        .collect();
    s.model.deployments[0].configs = serde_json::json!({"port": 8080, "envVars": envs}).to_string();
    press(&mut s, KeyCode::Enter);
    assert!(render(&s).contains("lines 1–"));
    press(&mut s, KeyCode::End);
    let end = render(&s);
    assert!(end.contains("VAR_39"), "{end}");
    press(&mut s, KeyCode::Home);
    assert!(!render(&s).contains("VAR_39"));
    // Scrolling stays within the text: Up right after End shows a line more of the top.
    press(&mut s, KeyCode::End);
    press(&mut s, KeyCode::Up);
    let up = render(&s);
    assert!(!up.contains("  }") || up.contains("VAR_39"), "{up}");
}

#[test]
fn a_message_gives_way_to_the_keys_after_a_few_seconds() {
    let t0 = Instant::now();
    let mut s = loaded(demo(), 100, 30);
    update(&mut s, Msg::Failed("something went wrong".into()), t0);
    assert!(render(&s).contains("something went wrong"));
    let deadline = s.next_deadline().expect("a timer for the message");
    assert!(deadline > t0 && deadline <= t0 + Duration::from_secs(10));
    update(&mut s, Msg::Timer, t0 + Duration::from_secs(11));
    let screen = render(&s);
    assert!(!screen.contains("something went wrong"), "{screen}");
    assert!(screen.contains("? help"), "{screen}");
}

/// The screens the issue asks for at both sizes it names.
#[test]
fn at_80x24_and_160x45() {
    for (w, h) in [(80u16, 24u16), (160, 45)] {
        // The footer on a card, then in read-only.
        let mut s = loaded(demo(), w, h);
        insta::assert_snapshot!(format!("footer_on_a_card_{w}x{h}"), render(&s));
        s.read_only = true;
        insta::assert_snapshot!(format!("read_only_{w}x{h}"), render(&s));
        // The help scrolled to its end.
        let mut s = loaded(demo(), w, h);
        press(&mut s, KeyCode::Char('?'));
        press(&mut s, KeyCode::End);
        insta::assert_snapshot!(format!("help_at_its_end_{w}x{h}"), render(&s));
    }
}
