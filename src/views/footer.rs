//! The status bar's keys, for where the user is: on a card, the card's actions (those that
//! change things crossed out in read-only); on the canvas without one, how to get around; in a
//! panel, how to see its keys and close it; while filtering, the filter.

use ratatui::style::Modifier;
use ratatui::text::Span;

use super::status::Palette;
use crate::app::State;
use crate::app::keymap::Action;
use crate::app::state::Overlay;

/// A key and what it does; `changes` are crossed out in read-only.
fn item(state: &State, action: Action, what: &str, palette: &Palette) -> Vec<Span<'static>> {
    let key = state.keymap.first(action);
    if key.is_empty() {
        return vec![];
    }
    let disabled = state.read_only && action.changes();
    let style = if disabled {
        palette.dim().add_modifier(Modifier::CROSSED_OUT)
    } else {
        palette.dim()
    };
    vec![
        Span::styled(format!(" {key} {what} "), style),
        Span::styled("·", palette.dim()),
    ]
}

pub fn hints(state: &State, palette: &Palette) -> Vec<Span<'static>> {
    let km = &state.keymap;
    let dim = |text: String| vec![Span::styled(text, palette.dim())];
    if state.filter.editing {
        return dim(format!(
            " filter: {}▏  {} · {} keep · {} clear",
            state.filter.text,
            matches(state),
            km.first(Action::SearchPick),
            km.first(Action::SearchClose)
        ));
    }
    match &state.overlay {
        Some(Overlay::Palette { .. } | Overlay::Environments { .. }) => dim(format!(
            " type to filter · {}/{} choose · {} pick · {} close · {} keys",
            km.first(Action::SearchDown),
            km.first(Action::SearchUp),
            km.first(Action::SearchPick),
            km.first(Action::SearchClose),
            km.label(Action::Help).rsplit(" / ").next().unwrap_or("F1"),
        )),
        Some(Overlay::ConfirmQuit) => dim(format!(
            " {} quit · any other key stays",
            km.first(Action::Yes)
        )),
        Some(Overlay::Help { .. }) => dim(format!(" {} back", km.first(Action::Close))),
        Some(o) => {
            let help = if o.takes_text() {
                km.label(Action::Help)
                    .rsplit(" / ")
                    .next()
                    .unwrap_or("F1")
                    .to_string()
            } else {
                km.first(Action::Help)
            };
            dim(format!(" {help} keys of this panel · Esc close"))
        }
        None => canvas_keys(state, palette),
    }
}

/// On the canvas: the selected card's actions (or how to get around), then the palette, the
/// help and quitting — with shorter words, then fewer actions, on a narrow terminal.
fn canvas_keys(state: &State, palette: &Palette) -> Vec<Span<'static>> {
    let width = usize::from(state.screen.0);
    let on_card = state.selected_deployment().is_some();
    let card: [(Action, &str, &str); 8] = [
        (Action::Open, "open", "open"),
        (Action::Timeline, "timeline", "log"),
        (Action::LoadBalancer, "address", "addr"),
        (Action::Revisions, "revisions", "revs"),
        (Action::EditConfigs, "configs", "cfg"),
        (Action::Analyze, "analyze", "check"),
        (Action::TearDown, "teardown", "down"),
        (Action::Create, "new", "new"),
    ];
    let always: [(Action, &str, &str); 3] = [
        (Action::Palette, "commands", "cmds"),
        (Action::Help, "help", "help"),
        (Action::Quit, "quit", "quit"),
    ];
    let build = |short: bool, keep: usize| -> Vec<Span<'static>> {
        let mut spans = Vec::new();
        if !state.filter.is_empty() {
            spans.push(Span::styled(
                format!(
                    " filter: {} ({}; Esc clears) ·",
                    state.filter.text,
                    matches(state)
                ),
                palette.dim(),
            ));
        }
        if on_card {
            for (action, long, brief) in card.iter().take(keep) {
                spans.extend(item(
                    state,
                    *action,
                    if short { brief } else { long },
                    palette,
                ));
            }
        } else {
            spans.push(Span::styled(
                " ←↓↑→ select · ⇧+arrows move · Tab next ·",
                palette.dim(),
            ));
            spans.extend(item(state, Action::Create, "new", palette));
        }
        for (action, long, brief) in always {
            spans.extend(item(
                state,
                action,
                if short { brief } else { long },
                palette,
            ));
        }
        // No dangling separator at the end.
        if spans.last().is_some_and(|s| s.content == "·") {
            spans.pop();
        }
        spans
    };
    let fits = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>() <= width;
    // Every action in full words, then in short ones, then fewer of them.
    let tries =
        std::iter::once((false, card.len())).chain((0..=card.len()).rev().map(|keep| (true, keep)));
    for (short, keep) in tries {
        let spans = build(short, keep);
        if fits(&spans) {
            return spans;
        }
    }
    build(true, 0)
}

/// "3 of 64", or "no match".
fn matches(state: &State) -> String {
    let all = &state.model.deployments;
    match all.iter().filter(|d| state.filter.matches(d)).count() {
        0 => "no match".into(),
        n => format!("{n} of {}", all.len()),
    }
}
