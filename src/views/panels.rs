//! Deployment panels: revisions (with diff and rollback confirmation), LoadBalancer,
//! analysis, teardown.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use similar::{ChangeTag, TextDiff};

use super::overlays::{centered, panel};
use super::status::Palette;
use super::wrapped;
use crate::app::State;
use crate::app::create_form::{CreateForm, Field};
use crate::app::keymap::Action;
use crate::app::lb::pending_text;
use crate::app::state::Overlay;
use crate::backend::model::*;

/// How long ago, in one unit ("12s", "5m", "3h", "2d").
pub fn age_of(at: &Timestamp, now: Timestamp) -> String {
    let s = (now - *at).num_seconds().max(0);
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

fn trigger_label(r: &Revision, list: &[Revision]) -> String {
    match &r.rollback_of {
        Some(of) => {
            let n = list
                .iter()
                .find(|x| &x.id == of)
                .map_or("?".to_string(), |x| x.number.to_string());
            format!("rollback of #{n}")
        }
        None => r.trigger.as_str().to_string(),
    }
}

fn pretty(configs: &str) -> String {
    serde_json::from_str::<serde_json::Value>(configs)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| configs.to_string())
}

/// The selected revision against the current one: image, then configs line by line.
pub fn diff_lines(from: &Revision, to: &Revision, palette: &Palette) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        format!("current #{} → #{}", from.number, to.number),
        Style::default().add_modifier(Modifier::BOLD),
    ))];
    lines.extend(image_and_configs_diff(
        (from.image.as_deref(), &from.configs),
        (to.image.as_deref(), &to.configs),
        palette,
    ));
    lines
}

/// What changes from one (image, configs) to another: the image, then the configs line by
/// line, folded away from the changes.
pub fn image_and_configs_diff(
    (from_image, from_configs): (Option<&str>, &str),
    (to_image, to_configs): (Option<&str>, &str),
    palette: &Palette,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let (a, b) = (
        from_image.unwrap_or_default().to_string(),
        to_image.unwrap_or_default().to_string(),
    );
    if a == b {
        lines.push(Line::from(format!("  image {a}")));
    } else {
        lines.push(Line::from(Span::styled(
            format!("- image {a}"),
            palette.error(),
        )));
        lines.push(Line::from(Span::styled(
            format!("+ image {b}"),
            palette.status(DeploymentStatus::Active),
        )));
    }
    lines.extend(line_diff(
        &pretty(from_configs),
        &pretty(to_configs),
        palette,
    ));
    lines
}

/// Unchanged lines shown around each change; longer unchanged runs fold into one "⋯" line.
const DIFF_CONTEXT: usize = 3;

/// A line diff of two texts: `-` removed, `+` added, unchanged lines indented — only those
/// near a change, so that a one-line change in long configs stays on screen.
fn line_diff(old: &str, new: &str, palette: &Palette) -> Vec<Line<'static>> {
    let diff = TextDiff::from_lines(old, new);
    let groups = diff.grouped_ops(DIFF_CONTEXT);
    if groups.is_empty() {
        return vec![Line::from(Span::styled(
            "  configs unchanged",
            palette.dim(),
        ))];
    }
    let total = old.lines().count();
    let mut lines = Vec::new();
    let mut shown_to = 0; // old lines before this index are shown or folded already
    for group in &groups {
        let start = group.first().map_or(0, |op| op.old_range().start);
        if start > shown_to {
            lines.push(fold(start - shown_to, palette));
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let text = change.value().trim_end().to_string();
                lines.push(match change.tag() {
                    ChangeTag::Equal => Line::from(format!("  {text}")),
                    ChangeTag::Delete => {
                        Line::from(Span::styled(format!("- {text}"), palette.error()))
                    }
                    ChangeTag::Insert => Line::from(Span::styled(
                        format!("+ {text}"),
                        palette.status(DeploymentStatus::Active),
                    )),
                });
            }
        }
        shown_to = group.last().map_or(shown_to, |op| op.old_range().end);
    }
    if total > shown_to {
        lines.push(fold(total - shown_to, palette));
    }
    lines
}

fn fold(unchanged: usize, palette: &Palette) -> Line<'static> {
    Line::from(Span::styled(
        format!("  ⋯ {unchanged} unchanged line(s)"),
        palette.dim(),
    ))
}

/// The largest useful scroll of the open revisions panel's diff (its end at the bottom).
pub fn revisions_scroll_limit(state: &State) -> usize {
    let Some(Overlay::Revisions(open)) = &state.overlay else {
        return 0;
    };
    let current = state
        .deployment(&open.id)
        .and_then(|d| d.current_revision_id.clone());
    let cur = open.list.iter().find(|r| Some(&r.id) == current.as_ref());
    let (Some(cur), Some(t)) = (cur, open.list.get(open.selected)) else {
        return 0;
    };
    let lines = diff_lines(cur, t, &Palette::plain()).len();
    // The panel's body: the canvas area less its margin, borders and key line; half of it
    // (at most) for the list, a blank line, then the diff.
    let height = usize::from(state.canvas_size().1.saturating_sub(2 + 3));
    let list_rows = open.list.len().min(height / 2).max(1);
    lines.saturating_sub(height.saturating_sub(list_rows + 1))
}

/// The revisions overlay (`Overlay::Revisions`).
pub fn revisions(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    palette: &Palette,
    overlay: &Overlay,
) {
    let Overlay::Revisions(open) = overlay else {
        return;
    };
    let (id, list) = (&open.id, &open.list);
    let (loaded, selected, diff, confirm) = (open.loaded, open.selected, open.diff, open.confirm);
    let name = state
        .deployment(id)
        .map_or(id.as_str(), |d| d.name.as_str());
    let r = centered(
        area,
        area.width.saturating_sub(4).min(110),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, r);
    let block = panel(format!(" revisions · {name} "));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    if !loaded {
        frame.render_widget(Paragraph::new("  loading…"), inner);
        return;
    }
    let current = state
        .deployment(id)
        .and_then(|d| d.current_revision_id.clone());
    let current_rev = list.iter().find(|r| Some(&r.id) == current.as_ref());
    let target = list.get(selected);
    let rows: Vec<Line> = list
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let is_current = Some(&r.id) == current.as_ref();
            let text = format!(
                "{} #{:<3} {:<16} {:<11} {:<34} {:<18} {:>4}",
                if is_current { "●" } else { " " },
                r.number,
                trigger_label(r, list),
                r.status.as_str(),
                r.image
                    .clone()
                    .unwrap_or_else(|| "(built from source)".into()),
                r.note.clone().unwrap_or_default(),
                age_of(&r.created_at, state.now),
            );
            let style = if i == selected {
                palette.style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                Style::default()
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    let diff_lines = match (diff || confirm, current_rev, target) {
        (true, Some(cur), Some(t)) => diff_lines(cur, t, palette),
        _ => Vec::new(),
    };
    let km = &state.keymap;
    let keys = if diff_lines.is_empty() {
        km.hints(&[
            (&[], " ● current"),
            (&[Action::Down, Action::Up], "choose"),
            (&[Action::Diff], "diff"),
            (&[Action::Rollback], "roll back"),
            (&[Action::Help], "keys"),
            (&[Action::Close], "close"),
        ])
    } else {
        format!(
            " {}",
            km.hints(&[
                (&[Action::Down, Action::Up], "choose"),
                (&[Action::PageDown, Action::PageUp], "scroll the diff"),
                (&[Action::Rollback], "roll back"),
                (&[Action::Diff], "hide diff"),
                (&[Action::Close], "close"),
            ])
        )
    };
    let [body, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(keys, palette.dim()))),
        footer,
    );
    // The list keeps the selected revision in view; the diff, when shown, gets the rest.
    let height = usize::from(body.height);
    let list_rows = if diff_lines.is_empty() {
        height
    } else {
        rows.len().min(height / 2).max(1)
    };
    let first = selected.saturating_sub(list_rows.saturating_sub(1));
    let mut lines: Vec<Line> = rows.into_iter().skip(first).take(list_rows).collect();
    if !diff_lines.is_empty() {
        lines.push(Line::from(""));
        let room = height.saturating_sub(lines.len());
        let top = open.diff_scroll.min(diff_lines.len().saturating_sub(room));
        lines.extend(diff_lines.into_iter().skip(top).take(room));
    }
    frame.render_widget(Paragraph::new(lines), body);
    if confirm && let Some(t) = list.get(selected) {
        let next = list.iter().map(|r| r.number).max().unwrap_or(0) + 1;
        let q = format!(
            "Roll back {name} to revision #{}? This creates revision #{next}.\n\ny: roll back   any other key: cancel",
            t.number
        );
        super::overlays::confirm_box(frame, r, " confirm rollback ", q, 64);
    }
}

pub fn loadbalancer(frame: &mut Frame, area: Rect, state: &State, palette: &Palette, id: &str) {
    let name = state.deployment(id).map_or(id, |d| d.name.as_str());
    let mut lines = Vec::new();
    match state.model.loadbalancers.get(id) {
        None => lines.push(Line::from(
            "nothing exposed: no LoadBalancer (add configs.expose to get one)",
        )),
        Some(lb) => {
            match (&lb.status, &lb.address) {
                (LbStatus::Ready, Some(a)) => lines.push(Line::from(vec![
                    Span::raw("address   "),
                    Span::styled(a.clone(), Style::default().add_modifier(Modifier::BOLD)),
                ])),
                (LbStatus::None, _) => lines.push(Line::from("nothing exposed: no LoadBalancer")),
                _ => match pending_text(state, id, std::time::Instant::now()) {
                    Some(p) => {
                        lines.push(Line::from(p.wait));
                        if let Some(reason) = p.reason {
                            lines.extend(wrapped("why       ", &reason, 78));
                        }
                    }
                    None => lines.push(Line::from("Waiting for public address…")),
                },
            }
            let listeners: Vec<String> = lb
                .ports
                .iter()
                .map(|l| format!("{}/{}", l.port, l.protocol.as_str()))
                .collect();
            lines.push(Line::from(format!(
                "listeners {}",
                if listeners.is_empty() {
                    "–".into()
                } else {
                    listeners.join(", ")
                }
            )));
            match &lb.tls {
                Some(tls) => lines.push(Line::from(format!(
                    "tls       {} · expires {}",
                    tls.issuer,
                    tls.expires_at.format("%Y-%m-%d")
                ))),
                None => lines.push(Line::from("tls       –")),
            }
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "y copies the address · Esc closes",
        palette.dim(),
    )));
    let r = centered(area, 80, lines.len() as u16 + 2);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines).block(panel(format!(" loadbalancer · {name} "))),
        r,
    );
}

pub fn teardown(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    palette: &Palette,
    id: &str,
    typed: &str,
) {
    let name = state.deployment(id).map_or(id, |d| d.name.as_str());
    let lines = vec![
        Line::from(format!(
            "Tear down {name}? Its release is uninstalled and the deployment deleted."
        )),
        Line::from("Type its name to confirm:"),
        Line::from(Span::styled(
            format!("> {typed}▏"),
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::from(""),
        Line::from(Span::styled(
            "Enter tears down · Esc cancels",
            palette.dim(),
        )),
    ];
    let r = centered(area, 76, 7);
    frame.render_widget(Clear, r);
    frame.render_widget(Paragraph::new(lines).block(panel(" teardown ")), r);
}

/// The edited configs against the current ones, before they are sent.
/// The edited configs against the current ones, line by line.
pub fn config_diff_lines(
    d: &Deployment,
    edited: &serde_json::Value,
    palette: &Palette,
) -> Vec<Line<'static>> {
    let old = pretty(&d.configs);
    let new = serde_json::to_string_pretty(edited).unwrap_or_default();
    let mut lines = vec![Line::from(Span::styled(
        format!("configs of {}", d.name),
        Style::default().add_modifier(Modifier::BOLD),
    ))];
    lines.extend(line_diff(&old, &new, palette));
    lines
}

/// The create form, with what is wrong shown under each field as you type.
pub fn create_form(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    palette: &Palette,
    form: &CreateForm,
) {
    let errors = form.shown_errors();
    let mut lines = Vec::new();
    for field in form.fields() {
        let (label, value) = match field {
            Field::Name => ("name", form.name.clone()),
            Field::Source => (
                "source",
                if form.git {
                    "git ◂ ▸".to_string()
                } else {
                    "image ◂ ▸".to_string()
                },
            ),
            Field::Image => ("image", form.image.clone()),
            Field::Repo => ("repository", form.repo.clone()),
            Field::Branch => ("branch", form.branch.clone()),
            Field::Port => ("port", form.port.clone()),
            Field::Replicas => ("replicas", form.replicas.clone()),
            Field::Expose => (
                "expose",
                if form.expose {
                    "[x] http on the port".to_string()
                } else {
                    "[ ] not exposed".to_string()
                },
            ),
        };
        let here = field == form.field;
        let cursor = if here && !matches!(field, Field::Source | Field::Expose) {
            "▏"
        } else {
            ""
        };
        let style = if here {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        lines.push(Line::from(vec![
            Span::raw(if here { "▶ " } else { "  " }),
            Span::styled(format!("{label:<11}"), style),
            Span::raw(format!("{value}{cursor}")),
        ]));
        let width = usize::from(area.width.min(90).saturating_sub(2));
        for (_, message) in errors.iter().filter(|(f, _)| *f == field) {
            for l in wrapped("             ", message, width) {
                lines.push(l.style(palette.error()));
            }
        }
    }
    let env = state
        .model
        .environment
        .as_ref()
        .map_or("", |e| e.name.as_str());
    let km = &state.keymap;
    let hint = if form.submitting {
        "creating…".to_string()
    } else {
        format!(
            "{}/{} field · {} toggles · {} creates in {env} · {} cancels",
            km.first(Action::FormNext),
            km.first(Action::FormPrevious),
            km.first(Action::FormChooseNext),
            km.first(Action::FormSubmit),
            km.first(Action::FormCancel)
        )
    };
    // The key line always shows: the fields scroll above it when the screen is short.
    let r = centered(area, 90, lines.len() as u16 + 4);
    frame.render_widget(Clear, r);
    let block = panel(" new deployment ");
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [body, _, keys] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let focus_line = lines
        .iter()
        .position(|l| l.spans.first().is_some_and(|s| s.content.starts_with('▶')))
        .unwrap_or(0);
    let room = usize::from(body.height);
    let top = (focus_line + 2).saturating_sub(room);
    frame.render_widget(
        Paragraph::new(lines.into_iter().skip(top).collect::<Vec<_>>()),
        body,
    );
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(hint, palette.dim()))),
        keys,
    );
}
