//! Panels drawn over the canvas: help, command palette, environment picker, deployment
//! detail, and the quit confirmation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::status::{Palette, status_symbol, status_word};
use crate::app::keymap::{ACTIONS, Action, ActionInfo, Context};
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
        Overlay::Help => help(frame, area, state),
        Overlay::Palette { query, selected } => {
            let items: Vec<String> = palette_items(&state.keymap, query)
                .into_iter()
                .map(|(_, label, desc)| format!("{label}  {desc}"))
                .collect();
            list(frame, area, " commands ", query, &items, *selected, palette);
        }
        Overlay::Environments { query, selected } => {
            let items: Vec<String> = environment_items(&state.model.environments, query)
                .into_iter()
                .map(|e| {
                    let here = state
                        .model
                        .environment
                        .as_ref()
                        .is_some_and(|c| c.id == e.id);
                    format!(
                        "{}{}  (namespace {})",
                        if here { "• " } else { "  " },
                        e.name,
                        e.namespace
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
        Overlay::Detail { id } => detail(frame, area, state, id, palette),
        Overlay::Revisions { .. } => super::panels::revisions(frame, area, state, palette, overlay),
        Overlay::LoadBalancer { id } => {
            super::panels::loadbalancer(frame, area, state, palette, id)
        }
        Overlay::Analysis { id, warnings } => {
            super::panels::analysis(frame, area, state, palette, id, warnings.as_deref())
        }
        Overlay::Teardown { id, typed } => {
            super::panels::teardown(frame, area, state, palette, id, typed)
        }
        Overlay::ConfigDiff { id, edited, .. } => {
            super::panels::config_diff(frame, area, state, palette, id, edited)
        }
        Overlay::Create(form) => super::panels::create_form(frame, area, state, palette, form),
        Overlay::Spaces(view) => super::spaces::draw(frame, area, state, palette, view),
        Overlay::ConfirmQuit => {
            let n = state.saves.pending.len();
            let r = centered(area, 64, 6);
            frame.render_widget(Clear, r);
            let text = format!(
                "{n} position change(s) are not saved yet. They are kept on disk and sent when zopdeck starts again.\n\nQuit anyway? y: quit   any other key: stay"
            );
            frame.render_widget(
                Paragraph::new(text)
                    .wrap(Wrap { trim: true })
                    .block(panel(" quit? ")),
                r,
            );
        }
    }
}

fn help(frame: &mut Frame, area: Rect, state: &State) {
    let mut lines: Vec<Line> = Vec::new();
    let all: Vec<&ActionInfo> = ACTIONS
        .iter()
        .filter(|i| i.context == Context::Canvas)
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for info in &all {
        let desc = &info.desc;
        // One line per description: the four directions of a move share it.
        if seen.contains(desc) {
            continue;
        }
        seen.push(desc);
        let group: Vec<Action> = all
            .iter()
            .filter(|i| i.desc == *desc)
            .map(|i| i.action)
            .collect();
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<30}", state.keymap.group_label(&group)),
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Span::raw(*desc),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("mouse: click selects · drag a card moves it · drag the canvas pans · wheel pans (Shift: sideways)"));
    lines.push(Line::from("Esc closes"));
    let h = lines.len() as u16 + 2;
    let r = centered(area, 100, h);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(panel(" keys ")), r);
}

fn list(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    query: &str,
    items: &[String],
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
    let list = List::new(items.iter().map(|i| ListItem::new(i.as_str())))
        .highlight_style(palette.style(Style::default().add_modifier(Modifier::REVERSED)))
        .highlight_symbol("▶ ");
    let mut ls = ListState::default().with_selected(Some(selected.min(items.len() - 1)));
    frame.render_stateful_widget(list, rest, &mut ls);
}

fn detail(frame: &mut Frame, area: Rect, state: &State, id: &str, palette: &Palette) {
    let Some(d) = state.deployment(id) else {
        return;
    };
    let w = (area.width / 2).max(40).min(area.width);
    let r = Rect {
        x: area.x + area.width - w,
        y: area.y,
        width: w,
        height: area.height,
    };
    frame.render_widget(Clear, r);
    let mut lines = vec![
        Line::from(Span::styled(
            format!("{} {}", status_symbol(d.status), status_word(d.status)),
            palette.status(d.status),
        )),
        Line::from(format!("id         {}", d.id)),
        Line::from(format!(
            "revision   {}",
            state
                .model
                .revision_number(d)
                .map_or("–".into(), |n| format!("#{n}"))
        )),
        Line::from(format!("source     {}", d.source_label())),
        Line::from(format!("namespace  {}", d.namespace)),
        Line::from(format!(
            "position   {}",
            d.canvas_position
                .map_or("–".into(), |p| format!("x {} · y {}", p.x, p.y))
        )),
    ];
    if let Some(f) = state
        .model
        .failures
        .get(id)
        .filter(|_| d.status == crate::backend::model::DeploymentStatus::Failed)
    {
        let width = usize::from(w.saturating_sub(2));
        lines.push(Line::from(Span::styled(
            format!("✗ {} failed:", f.stage.as_str()),
            palette.error(),
        )));
        for l in super::wrapped("  ", &f.reason, width) {
            lines.push(l.style(palette.error()));
        }
        if let Some(n) = f.serving {
            let text = format!(
                "revision #{n} still serves; {} lists the revisions to roll back to",
                state.keymap.first(Action::Revisions)
            );
            lines.extend(super::wrapped("  ", &text, width));
        }
    }
    if let Some(why) = state.space_trouble() {
        lines.push(Line::from(Span::styled(
            format!("✗ {why} (showing the last known state)"),
            palette.error(),
        )));
    }
    if let Some(drift) = &d.drift {
        lines.push(Line::from(Span::styled(
            format!(
                "⚠ {} — zopdeck's next revision takes it over",
                drift.label()
            ),
            palette.status(crate::backend::model::DeploymentStatus::Failed),
        )));
    }
    if let Some(lb) = state.model.loadbalancers.get(id) {
        let addr = lb
            .address
            .clone()
            .unwrap_or_else(|| "Waiting for public address…".into());
        lines.push(Line::from(format!("address    {addr}")));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("configs"));
    let pretty = serde_json::from_str::<serde_json::Value>(&d.configs)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| d.configs.clone());
    lines.extend(pretty.lines().map(|l| Line::from(format!("  {l}"))));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Esc closes", palette.dim())));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(panel(format!(" {} ", d.name))),
        r,
    );
}
