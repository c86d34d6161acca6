//! Panels drawn over the canvas: help, command palette, environment picker, deployment
//! detail, and the quit confirmation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::status::Palette;
use crate::app::keymap::Action;
use crate::app::palette::{environment_items, palette_items};
use crate::app::state::{Overlay, State};

pub(super) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    r
}

pub(super) fn panel(title: impl Into<String>) -> Block<'static> {
    Block::default().borders(Borders::ALL).title(Span::styled(
        title.into(),
        Style::default().add_modifier(Modifier::BOLD),
    ))
}

/// A question at the bottom of a panel (`r`), so that what it is about stays readable above.
pub(super) fn confirm_box(frame: &mut Frame, r: Rect, title: &str, text: String, width: u16) {
    let w = width.min(r.width);
    let inner = usize::from(w.saturating_sub(2)).max(1);
    let rows: usize = text
        .lines()
        .map(|l| l.chars().count().div_ceil(inner).max(1))
        .sum();
    let h = (rows as u16 + 2).min(r.height);
    let d = Rect {
        x: r.x + (r.width - w) / 2,
        y: (r.y + r.height).saturating_sub(h + 1).max(r.y),
        width: w,
        height: h,
    };
    frame.render_widget(Clear, d);
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(panel(title.to_string())),
        d,
    );
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, palette: &Palette) {
    let Some(overlay) = &state.overlay else {
        return;
    };
    match overlay {
        Overlay::BoardPick(pick) => super::board::draw_pick(frame, area, state, pick, palette),
        Overlay::Promote(p) => super::promote::draw(frame, area, state, p, palette),
        Overlay::Fix(pick) => super::fix::draw(frame, area, state, pick, palette),
        Overlay::Layout(copy) => super::promote::draw_layout(frame, area, state, copy, palette),
        Overlay::Help { .. }
        | Overlay::Detail { .. }
        | Overlay::Analysis { .. }
        | Overlay::ConfigDiff { .. } => super::scrolled::draw(frame, area, state, palette, overlay),
        Overlay::Palette {
            query, selected, ..
        } => {
            // A command with its arguments reads as what it will do, or why it cannot.
            if let Some(plan) = crate::app::commands::plan(query, state) {
                let item = match &plan.effects {
                    Ok(_) => (format!("{}  (Enter)", plan.label), false),
                    Err(why) => (format!("{}: {why}", plan.label), true),
                };
                list(frame, area, " commands ", query, &[item], 0, palette);
                return;
            }
            let items: Vec<(String, bool)> = palette_items(&state.keymap, query)
                .into_iter()
                .map(|(action, label, desc)| {
                    // Greyed out in read-only: there, and said why.
                    if state.read_only && action.changes() {
                        (format!("{label}  (read-only) {desc}"), true)
                    } else {
                        (format!("{label}  {desc}"), false)
                    }
                })
                .collect();
            list(frame, area, " commands ", query, &items, *selected, palette);
        }
        Overlay::Environments { query, selected } => {
            let items: Vec<(String, bool)> = environment_items(&state.model.environments, query)
                .into_iter()
                .map(|e| {
                    let here = state
                        .model
                        .environment
                        .as_ref()
                        .is_some_and(|c| c.id == e.id);
                    (
                        format!(
                            "{}{}  (namespace {})",
                            if here { "• " } else { "  " },
                            e.name,
                            e.namespace
                        ),
                        false,
                    )
                })
                .collect();
            list(
                frame,
                area,
                " switch environment ",
                query,
                &items,
                *selected,
                palette,
            );
        }

        Overlay::Revisions { .. } => super::panels::revisions(frame, area, state, palette, overlay),
        Overlay::LoadBalancer { id } => {
            super::panels::loadbalancer(frame, area, state, palette, id)
        }
        Overlay::Teardown { id, typed } => {
            super::panels::teardown(frame, area, state, palette, id, typed)
        }
        Overlay::Create(form) => super::panels::create_form(frame, area, state, palette, form),
        Overlay::Spaces(view) => super::spaces::draw(frame, area, state, palette, view),
        Overlay::ConfirmQuit => {
            let n = state.saves.pending.len();
            let r = centered(area, 64, 6);
            frame.render_widget(Clear, r);
            let yes = state.keymap.first(Action::Yes);
            // The saves may have gone through while the question was open.
            let text = if n == 0 {
                format!(
                    "Every position change is saved now.\n\nQuit? {yes}: quit   any other key: stay"
                )
            } else {
                format!(
                    "{n} position change(s) are not saved yet. They are kept on disk and sent when zopdeck starts again.\n\nQuit anyway? {yes}: quit   any other key: stay"
                )
            };
            frame.render_widget(
                Paragraph::new(text)
                    .wrap(Wrap { trim: true })
                    .block(panel(" quit? ")),
                r,
            );
        }
    }
}

fn list(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    query: &str,
    items: &[(String, bool)],
    selected: usize,
    palette: &Palette,
) {
    let h = (items.len() as u16 + 4).clamp(6, area.height.saturating_sub(2).max(6));
    let r = centered(area, 70, h);
    frame.render_widget(Clear, r);
    let block = panel(title);
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [input, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(format!("> {query}▏")), input);
    if items.is_empty() {
        frame.render_widget(Paragraph::new("  no match"), rest);
        return;
    }
    let disabled = palette.dim().add_modifier(Modifier::CROSSED_OUT);
    let list = List::new(items.iter().map(|(text, off)| {
        let item = ListItem::new(text.as_str());
        if *off { item.style(disabled) } else { item }
    }))
    .highlight_style(palette.style(Style::default().add_modifier(Modifier::REVERSED)))
    .highlight_symbol("▶ ");
    let mut ls = ListState::default().with_selected(Some(selected.min(items.len() - 1)));
    frame.render_stateful_widget(list, rest, &mut ls);
}
