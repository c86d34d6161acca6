//! The palette — actions ranked above moving around, whole words before letters, commands
//! with arguments (`rollback web 2`, `env prod`, `goto api`, `zoom 50`, `theme light`) and a
//! history — and the themes: each colours statuses its way, the config's colours go over it,
//! `NO_COLOR` wins, `:theme` switches live.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fixtures::*;
use ratatui::style::Color;
use ratatui::{Terminal, backend::TestBackend};
use zopdeck::app::keymap::{Action, Keymap};
use zopdeck::app::palette::palette_items;
use zopdeck::app::{Cmd, Msg, State, update};
use zopdeck::backend::model::*;
use zopdeck::config::Config;
use zopdeck::views::{self, status::Palette, theme::Theme};

fn key(state: &mut State, code: KeyCode, mods: KeyModifiers) -> Vec<Cmd> {
    update(state, Msg::Key(KeyEvent::new(code, mods)), Instant::now()).1
}

fn typed(state: &mut State, text: &str) -> Vec<Cmd> {
    text.chars()
        .flat_map(|c| key(state, KeyCode::Char(c), KeyModifiers::NONE))
        .collect()
}

fn palette(state: &mut State, query: &str) -> Vec<Cmd> {
    key(state, KeyCode::Char(':'), KeyModifiers::NONE);
    typed(state, query);
    key(state, KeyCode::Enter, KeyModifiers::NONE)
}

fn first_of(query: &str) -> Vec<Action> {
    let km = Keymap::from_config(&Config::default().keys).unwrap();
    palette_items(&km, query)
        .into_iter()
        .map(|(a, _, _)| a)
        .take(3)
        .collect()
}

#[test]
fn actions_rank_above_moving_around_and_whole_words_before_letters() {
    // "roll" starts "rollback"'s and "rolls" words; no navigation ahead of it.
    assert_eq!(first_of("revisions")[0], Action::Revisions);
    assert_eq!(first_of("tear")[0], Action::TearDown);
    // "card" is in many descriptions: doing something comes before moving around.
    let card = first_of("card");
    assert!(
        !matches!(
            card[0],
            Action::Select(_) | Action::Move(_) | Action::MoveFar(_)
        ),
        "{card:?}"
    );
    // A whole word of the name before letters in order.
    assert_eq!(first_of("undo")[0], Action::Undo);
    assert_eq!(first_of("fit")[0], Action::ZoomFit);
}

#[test]
fn commands_take_arguments_and_say_why_they_cannot_run() {
    let mut s = loaded(demo(), 120, 40);
    let cmds = palette(&mut s, "rollback web 2");
    assert!(
        cmds.contains(&Cmd::RollbackTo {
            id: "dep_web".into(),
            number: 2
        }),
        "{cmds:?}"
    );
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_web"));
    let cmds = palette(&mut s, "env prod");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Reload { env: Some(e), .. } if e == "env_prod")),
        "{cmds:?}"
    );
    let mut s = loaded(demo(), 120, 40);
    palette(&mut s, "goto post");
    assert_eq!(
        s.canvas.selected.as_deref(),
        Some("dep_postgres"),
        "a name's start"
    );
    palette(&mut s, "zoom 50");
    assert_eq!(s.canvas.viewport.zoom.percent(), 50);
    palette(&mut s, "filter work");
    assert_eq!(s.filter.text, "work");
    // What cannot run says why and stays open.
    key(&mut s, KeyCode::Char(':'), KeyModifiers::NONE);
    typed(&mut s, "rollback nope 2");
    let screen = render(&s);
    assert!(screen.contains("no \"nope\" here"), "{screen}");
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(s.message.as_ref().unwrap().0.contains("nope"));
    insta::assert_snapshot!(screen);
}

#[test]
fn the_palette_remembers_what_it_ran() {
    let mut s = loaded(demo(), 120, 40);
    palette(&mut s, "zoom 50");
    palette(&mut s, "goto api");
    key(&mut s, KeyCode::Char(':'), KeyModifiers::NONE);
    key(&mut s, KeyCode::Char('p'), KeyModifiers::CONTROL);
    let recalled = |s: &State| match &s.overlay {
        Some(zopdeck::app::state::Overlay::Palette { query, .. }) => query.clone(),
        _ => String::new(),
    };
    assert_eq!(recalled(&s), "goto api");
    key(&mut s, KeyCode::Char('p'), KeyModifiers::CONTROL);
    assert_eq!(recalled(&s), "zoom 50");
    key(&mut s, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert_eq!(recalled(&s), "goto api");
    key(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(s.canvas.selected.as_deref(), Some("dep_api"));
}

/// The colour of each card's status symbol, in the theme.
fn status_colours(state: &State, palette: &Palette) -> String {
    let (w, h) = state.screen;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| views::draw(f, state, palette)).unwrap();
    let buf = terminal.backend().buffer();
    let mut out = Vec::new();
    for d in &state.model.deployments {
        let symbol = views::status::status_symbol(d.status);
        let cell = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .find(|&(x, y)| {
                buf[(x, y)].symbol() == symbol
                    && x + 2 < w
                    && buf[(x + 2, y)].symbol() == &views::status::status_word(d.status)[..1]
            });
        let fg = cell.map_or(Color::Reset, |(x, y)| buf[(x, y)].fg);
        out.push(format!("{:<9} {:?}", d.status.as_str(), fg));
    }
    out.join("\n")
}

#[test]
fn each_theme_colours_statuses_its_way_and_no_color_wins() {
    let s = loaded(demo(), 120, 40);
    let mut all = String::new();
    for name in Theme::NAMES {
        let colours = status_colours(&s, &Palette::new(true, Theme::named(name).unwrap()));
        all.push_str(&format!("[{name}]\n{colours}\n"));
    }
    let mut custom = std::collections::BTreeMap::new();
    custom.insert("failed".to_string(), "#ff5555".to_string());
    let over = Theme::with_colors("light", &custom).unwrap();
    all.push_str(&format!(
        "[light, failed = #ff5555]\n{}\n",
        status_colours(&s, &Palette::new(true, over))
    ));
    let none = status_colours(
        &s,
        &Palette::new(false, Theme::named("high-contrast").unwrap()),
    );
    assert!(
        none.lines().all(|l| l.ends_with("Reset")),
        "NO_COLOR wins: {none}"
    );
    all.push_str(&format!("[NO_COLOR, high-contrast]\n{none}\n"));
    insta::assert_snapshot!(all);
}

#[test]
fn theme_switches_live_and_a_bad_one_says_which_there_are() {
    let mut s = loaded(demo(), 120, 40);
    assert_eq!(s.theme.name, "dark");
    palette(&mut s, "theme light");
    assert_eq!(s.theme.name, "light");
    key(&mut s, KeyCode::Char(':'), KeyModifiers::NONE);
    typed(&mut s, "theme neon");
    let screen = render(&s);
    assert!(screen.contains("dark, light, high-contrast"), "{screen}");
    // A config's [theme] is checked when it is read.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        "[theme]\nname = \"light\"\n[theme.colors]\nfailure = \"red\"\n",
    )
    .unwrap();
    let e = Config::load(Some(&file), true).unwrap_err().to_string();
    assert!(e.contains("failure") && e.contains("roles are"), "{e}");
    let _ = DeploymentStatus::Active;
}

/// The screen, then every run of cells drawn in other than the terminal's default style:
/// `row col-col fg/bg +modifiers "text"` — what a theme changes, in a snapshot.
fn styled(state: &State, palette: &Palette) -> String {
    let (w, h) = state.screen;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| views::draw(f, state, palette)).unwrap();
    let buf = terminal.backend().buffer();
    let mut out = render(state);
    out.push_str("\n--- styled runs (row col-col fg/bg +modifiers \"text\")\n");
    for y in 0..h {
        let mut x = 0;
        while x < w {
            let style = |x: u16| {
                let c = &buf[(x, y)];
                (c.fg, c.bg, c.modifier)
            };
            let first = style(x);
            let start = x;
            let mut text = String::new();
            while x < w && style(x) == first {
                text.push_str(buf[(x, y)].symbol());
                x += 1;
            }
            let (fg, bg, m) = first;
            if (fg, bg, m)
                != (
                    Color::Reset,
                    Color::Reset,
                    ratatui::style::Modifier::empty(),
                )
            {
                out.push_str(&format!(
                    "{y:>2} {start}-{} {fg:?}/{bg:?} {m:?} {text:?}\n",
                    x - 1
                ));
            }
        }
    }
    out
}

#[test]
fn each_theme_at_80x24_and_160x45() {
    for (w, h) in [(80, 24), (160, 45)] {
        let mut s = loaded(demo(), w, h);
        for name in Theme::NAMES {
            let palette = Palette::new(true, Theme::named(name).unwrap());
            insta::assert_snapshot!(format!("theme_{name}_{w}x{h}"), styled(&s, &palette));
        }
        // The drawer and a panel, in the light theme (the one most unlike the default).
        press(&mut s, KeyCode::Char('t'));
        press(&mut s, KeyCode::Char('?'));
        let palette = Palette::new(true, Theme::named("light").unwrap());
        insta::assert_snapshot!(
            format!("theme_light_help_over_drawer_{w}x{h}"),
            styled(&s, &palette)
        );
    }
}
