//! The board: lanes of environments side by side (rows on a narrow terminal), each with its
//! title line — environment, space, namespace, status counts — and its live canvas; the
//! focused lane's title stands out, and a card that differs from its namesake in another lane
//! says where, on the line under the lanes. Also the choice of environments for the board.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, ListState, Paragraph, Widget};

use super::canvas::{self, View};
use super::card::ellipsize;
use super::header::counts;
use super::overlays::{centered, panel};
use super::status::{Palette, status_symbol};
use crate::app::State;
use crate::app::board::{self, Lane, Pick};
use crate::app::keymap::Action;
use crate::app::model::Model;

/// Draws the lanes in `area` (the part of the screen the canvas has).
pub fn draw(state: &State, area: Rect, palette: &Palette, buf: &mut Buffer) {
    let Some(b) = &state.board else {
        return;
    };
    let columns = board::in_columns(area.width, b.lanes.len());
    for (i, (lane, r)) in b
        .lanes
        .iter()
        .zip(board::lane_areas(area, b.lanes.len()))
        .enumerate()
    {
        let focused = i == b.focus;
        let view = if focused {
            View::of(state)
        } else {
            View {
                model: &lane.model,
                canvas: &lane.canvas,
                filter: &state.filter,
                spinner: state.spinner,
                focused: false,
            }
        };
        let inner = board::canvas_of(r, i == 0, columns);
        if columns && i > 0 {
            for y in r.y..r.y + r.height {
                buf.set_string(r.x, y, "│", palette.dim());
            }
        }
        let title = Rect::new(inner.x, r.y, inner.width, 1);
        Paragraph::new(title_line(lane, view.model, focused, palette, title.width))
            .render(title, buf);
        canvas::render(&view, inner, palette, buf);
    }
}

/// " ▶ staging · sandbox · ns staging · 4 ●3 ✗1 ": the lane's environment and how its cards
/// stand; the focused lane's stands out.
fn title_line(
    lane: &Lane,
    model: &Model,
    focused: bool,
    palette: &Palette,
    width: u16,
) -> Line<'static> {
    let style = if focused {
        palette.style(Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED))
    } else {
        palette.style(Style::default().add_modifier(Modifier::BOLD))
    };
    let mark = if focused { "▶" } else { " " };
    let mut spans = vec![Span::styled(format!("{mark} {} ", lane.name), style)];
    if let Some(space) = &model.space {
        spans.push(Span::styled(format!("· {} ", space.name), palette.dim()));
    }
    if let Some(env) = &model.environment {
        spans.push(Span::styled(
            format!("· ns {} ", env.namespace),
            palette.dim(),
        ));
    }
    if !model.loaded {
        spans.push(Span::raw("· loading…"));
    } else {
        spans.push(Span::raw(format!("· {}", model.deployments.len())));
        for (status, n) in counts(&model.deployments) {
            spans.push(Span::styled(
                format!(" {}{n}", status_symbol(status)),
                palette.status(status),
            ));
        }
    }
    // Cut at the lane's width, the name first to stay.
    let mut line = Line::from(spans);
    while line.width() > usize::from(width) && line.spans.len() > 1 {
        line.spans.remove(1);
    }
    line
}

/// The selected card across the lanes: where it differs from its namesakes ("prod: 2.3.0 #12
/// · staging: 2.4.0 #18 · configs differ in replicas"), or that it agrees, or stands alone.
pub fn compare_line(state: &State, palette: &Palette) -> Line<'static> {
    let Some(b) = state.board.as_ref() else {
        return Line::default();
    };
    let Some(d) = state.selected_deployment() else {
        return Line::from(Span::styled(" no card selected", palette.dim()));
    };
    let here = b.lanes.get(b.focus).map_or("", |l| l.name.as_str());
    let others: Vec<(&str, &Model)> = b
        .parked()
        .map(|(_, l)| (l.name.as_str(), &l.model))
        .collect();
    let width = usize::from(state.screen.0.saturating_sub(1));
    if let Some(text) = board::drift(d, (here, &state.model), &others) {
        return Line::from(vec![
            Span::styled(format!(" ≠ {} ", d.name), palette.error()),
            Span::raw(ellipsize(&text, width.saturating_sub(d.name.len() + 4))),
        ]);
    }
    let also: Vec<&str> = others
        .iter()
        .filter(|(_, m)| m.deployments.iter().any(|o| o.name == d.name))
        .map(|(env, _)| *env)
        .collect();
    let text = if also.is_empty() {
        format!(" {}: only in {here}", d.name)
    } else {
        format!(
            " = {}: the same image and configs in {here}, {}",
            d.name,
            also.join(", ")
        )
    };
    Line::from(Span::styled(ellipsize(&text, width), palette.dim()))
}

/// The choice of environments: each ticked or not, the shown one always.
pub fn draw_pick(frame: &mut Frame, area: Rect, state: &State, pick: &Pick, palette: &Palette) {
    let h = (pick.items.len() as u16 + 4).clamp(6, area.height.saturating_sub(2).max(6));
    let r = centered(area, 72, h);
    frame.render_widget(Clear, r);
    let block = panel(" the board: environments side by side ");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [list, keys] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let items = pick.items.iter().map(|(env, on)| {
        let tick = if *on { "[x]" } else { "[ ]" };
        let shown = if pick.shown.as_deref() == Some(env.id.as_str()) {
            "  (shown)"
        } else {
            ""
        };
        ListItem::new(format!(
            "{tick} {}  namespace {}{shown}",
            env.name, env.namespace
        ))
    });
    let list_widget = List::new(items)
        .highlight_style(palette.style(Style::default().add_modifier(Modifier::REVERSED)))
        .highlight_symbol("▶ ");
    let mut ls = ListState::default().with_selected(Some(pick.selected));
    frame.render_stateful_widget(list_widget, list, &mut ls);
    let km = &state.keymap;
    let text = format!(
        " {}",
        km.hints(&[
            (&[Action::Down, Action::Up], "choose"),
            (&[Action::Toggle], "tick"),
            (&[Action::Choose], "open"),
            (&[Action::Close], "close"),
        ])
    );
    frame.render_widget(
        Paragraph::new(Span::styled(
            ellipsize(&text, usize::from(keys.width)),
            palette.dim(),
        )),
        keys,
    );
}
