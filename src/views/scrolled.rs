//! Panels whose text may be taller than the screen — the keys (help), a deployment's detail,
//! its analysis: their lines fitted to the panel's width, shown from a scroll offset kept
//! within the text, with the panel's own key line always at the bottom.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::overlays::{centered, panel};
use super::status::{Palette, status_symbol, status_word};
use super::wrapped;
use crate::app::State;
use crate::app::keymap::{ACTIONS, Action, Context};
use crate::app::state::{History, Overlay};
use crate::backend::model::*;

/// What a scrolled panel shows.
struct Content {
    title: String,
    lines: Vec<Line<'static>>,
    /// What the panel's own keys do, before the scrolling ones.
    lead: Option<String>,
}

/// Where a scrolled panel goes in the canvas area, for this overlay.
fn rect(area: Rect, overlay: &Overlay) -> Rect {
    match overlay {
        // The detail sits on the right, beside the cards.
        Overlay::Detail { .. } => {
            let w = (area.width / 2).max(40).min(area.width);
            Rect {
                x: area.x + area.width - w,
                width: w,
                ..area
            }
        }
        _ => centered(
            area,
            area.width.saturating_sub(4).min(110),
            area.height.saturating_sub(1),
        ),
    }
}

/// The canvas area of a screen (between the header and the status bar).
fn body(state: &State) -> Rect {
    let (w, h) = state.canvas_size();
    Rect::new(0, 1, w, h)
}

/// The lines of the open scrolled panel and the rows it shows of them, or `None` when the
/// overlay is not one.
fn measure(state: &State) -> Option<(usize, usize)> {
    let overlay = state.overlay.as_ref()?;
    let r = rect(body(state), overlay);
    // Only how many lines: colour does not count.
    let plain = Palette::plain();
    let content = content(
        state,
        overlay,
        usize::from(r.width.saturating_sub(2)),
        &plain,
    )?;
    Some((content.lines.len(), rows_for_text(r, content.lines.len())))
}

/// The largest useful scroll of the open panel (its end at the bottom).
pub fn scroll_limit(state: &State) -> usize {
    measure(state).map_or(0, |(lines, rows)| lines.saturating_sub(rows))
}

/// Rows for text inside a panel of `r` (borders and the key line taken), the panel shrunk to
/// its text when that is short.
fn rows_for_text(r: Rect, lines: usize) -> usize {
    usize::from(r.height.saturating_sub(3)).min(lines.max(1))
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, palette: &Palette, overlay: &Overlay) {
    let width = rect(area, overlay).width.saturating_sub(2);
    let Some(content) = content(state, overlay, usize::from(width), palette) else {
        return;
    };
    let scroll = match overlay {
        Overlay::Help { scroll, .. }
        | Overlay::Detail { scroll, .. }
        | Overlay::Analysis { scroll, .. }
        | Overlay::ConfigDiff { scroll, .. } => *scroll,
        _ => 0,
    };
    let mut r = rect(area, overlay);
    let total = content.lines.len();
    let rows = rows_for_text(r, total);
    if !matches!(overlay, Overlay::Detail { .. }) {
        r = centered(area, r.width, rows as u16 + 3);
    }
    frame.render_widget(Clear, r);
    let block = panel(content.title.clone());
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [text, keys] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let top = scroll.min(total.saturating_sub(rows));
    let shown: Vec<Line> = content.lines.into_iter().skip(top).take(rows).collect();
    frame.render_widget(Paragraph::new(shown), text);
    frame.render_widget(
        Paragraph::new(Line::from(Span::styled(
            key_line(state, overlay, top, rows, total, content.lead.as_deref()),
            palette.dim(),
        ))),
        keys,
    );
}

/// "lines 12–40 of 54 · ↓/↑ scroll · PgDn/PgUp · Home/End · ? keys · Esc close"
fn key_line(
    state: &State,
    overlay: &Overlay,
    top: usize,
    rows: usize,
    total: usize,
    lead: Option<&str>,
) -> String {
    let km = &state.keymap;
    let mut parts: Vec<String> = lead.into_iter().map(str::to_string).collect();
    if total > rows {
        parts.push(format!(
            "lines {}–{} of {total}",
            top + 1,
            (top + rows).min(total)
        ));
        parts.push(km.hints(&[
            (&[Action::Down, Action::Up], "scroll"),
            (&[Action::PageDown, Action::PageUp], ""),
            (&[Action::Top, Action::Bottom], ""),
        ]));
    }
    match overlay {
        Overlay::Help { .. } => parts.push(format!("{} back", km.first(Action::Close))),
        // Any other key closes it, keeping the draft.
        Overlay::ConfigDiff { .. } => {}
        _ => {
            parts.push(format!("{} keys", km.first(Action::Help)));
            parts.push(format!("{} close", km.first(Action::Close)));
        }
    }
    format!(" {}", parts.join(" · "))
}

/// The lines `text` takes at `width`, each behind `indent` after the first (styled alike).
fn fit(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for line in lines {
        if line.width() <= width {
            out.push(line);
            continue;
        }
        let style = line.spans.first().map_or(line.style, |s| s.style);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let indent: String = text.chars().take_while(|c| *c == ' ').collect();
        let rest = text.trim_start();
        out.extend(
            wrapped(&indent, rest, width)
                .into_iter()
                .map(|l| l.style(style)),
        );
    }
    out
}

fn content(state: &State, overlay: &Overlay, width: usize, palette: &Palette) -> Option<Content> {
    let mut lead = None;
    let (title, lines) = match overlay {
        Overlay::Help { contexts, .. } => (" keys ".to_string(), help_lines(state, contexts)),
        Overlay::ConfigDiff {
            id, edited, fix, ..
        } => {
            let d = state.deployment(id)?;
            lead = Some(format!(
                "{} sends the change (a new revision rolls out) · any other key {}",
                state.keymap.first(Action::Yes),
                if *fix {
                    "cancels"
                } else {
                    "keeps it as a draft"
                }
            ));
            (
                " configs change ".to_string(),
                super::panels::config_diff_lines(d, edited, palette),
            )
        }
        Overlay::Detail { id, history, .. } => {
            let d = state.deployment(id)?;
            let mut lines = detail_lines(state, d, width, palette);
            lines.extend(history_lines(history, width, palette));
            (format!(" {} ", d.name), lines)
        }
        Overlay::Analysis { id, warnings, .. } => {
            let name = state
                .deployment(id)
                .map_or(id.as_str(), |d| d.name.as_str());
            (
                format!(" analysis · {name} "),
                analysis_lines(warnings.as_deref(), palette),
            )
        }
        _ => return None,
    };
    Some(Content {
        title,
        lines: fit(lines, width),
        lead,
    })
}

/// The keys of these contexts, a section each; the canvas's also says what the mouse does.
fn help_lines(state: &State, contexts: &[Context]) -> Vec<Line<'static>> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut lines: Vec<Line> = Vec::new();
    for (n, context) in contexts.iter().enumerate() {
        if n > 0 {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(
            context.title().to_uppercase(),
            bold,
        )));
        let all: Vec<_> = ACTIONS.iter().filter(|i| i.context == *context).collect();
        let mut seen: Vec<&str> = Vec::new();
        for info in &all {
            // One line per description: the four directions of a move share it.
            if seen.contains(&info.desc) {
                continue;
            }
            seen.push(info.desc);
            let group: Vec<Action> = all
                .iter()
                .filter(|i| i.desc == info.desc)
                .map(|i| i.action)
                .collect();
            let disabled = state.read_only && info.action.changes();
            let mut desc = info.desc.to_string();
            if disabled {
                desc.push_str(" (read-only)");
            }
            lines.push(Line::from(vec![
                Span::styled(format!("{:<30}", state.keymap.group_label(&group)), bold),
                Span::raw(desc),
            ]));
        }
        if *context == Context::Canvas {
            lines.push(Line::from(
                "mouse: click selects · drag a card moves it · drag the canvas pans · wheel pans (Shift: sideways)",
            ));
        }
    }
    lines
}

fn detail_lines(
    state: &State,
    d: &Deployment,
    width: usize,
    palette: &Palette,
) -> Vec<Line<'static>> {
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
        Line::from(format!(
            "image      {}",
            state.model.image_of(d).unwrap_or("(not built yet)")
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
        .get(&d.id)
        .filter(|_| d.status == DeploymentStatus::Failed)
    {
        lines.push(Line::from(Span::styled(
            format!("✗ {} failed:", f.stage.as_str()),
            palette.error(),
        )));
        for l in wrapped("  ", &f.reason, width) {
            lines.push(l.style(palette.error()));
        }
        if let Some(n) = f.serving {
            let text = format!(
                "revision #{n} still serves; {} lists the revisions to roll back to",
                state.keymap.first(Action::Revisions)
            );
            lines.extend(wrapped("  ", &text, width));
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
            palette.status(DeploymentStatus::Failed),
        )));
    }
    if let Some(lb) = state.model.loadbalancers.get(&d.id) {
        let addr = lb
            .address
            .clone()
            .unwrap_or_else(|| "Waiting for public address…".into());
        lines.push(Line::from(format!("address    {addr}")));
    }
    let links = crate::app::connections::describe(&state.model, d);
    for (i, link) in links.iter().enumerate() {
        let label = if i == 0 { "connected" } else { "" };
        lines.push(Line::from(format!("{label:<11}{link}")));
    }
    lines.push(Line::from(""));
    lines.push(Line::from("configs"));
    let pretty = serde_json::from_str::<serde_json::Value>(&d.configs)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| d.configs.clone());
    lines.extend(pretty.lines().map(|l| Line::from(format!("  {l}"))));
    lines
}

/// Who did what: the deployment's audit log entries, newest first.
fn history_lines(history: &History, width: usize, palette: &Palette) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(""), Line::from("who did what")];
    match history {
        History::Loading => lines.push(Line::from(Span::styled("  loading…", palette.dim()))),
        History::Unavailable(why) => {
            lines.extend(
                wrapped("  ", why, width)
                    .into_iter()
                    .map(|l| l.style(palette.dim())),
            );
        }
        History::Loaded(entries) if entries.is_empty() => lines.extend(
            wrapped(
                "  ",
                "nothing recorded: what tokens change through zopdeck serve is recorded here",
                width,
            )
            .into_iter()
            .map(|l| l.style(palette.dim())),
        ),
        History::Loaded(entries) => {
            for e in entries.iter().take(HISTORY_SHOWN) {
                let failed = e.status >= 400;
                let what = history_action(&e.method, &e.route);
                let who = format!("{} ({})", e.token_name, e.role);
                let text = format!(
                    "  {}  {who:<18} {what:<9} {}",
                    e.at.format("%m-%d %H:%M"),
                    e.status
                );
                lines.push(if failed {
                    Line::from(Span::styled(text, palette.error()))
                } else {
                    Line::from(text)
                });
            }
            if entries.len() > HISTORY_SHOWN {
                lines.push(Line::from(Span::styled(
                    format!(
                        "  … {} more: zopdeck audit --deployment <name>",
                        entries.len() - HISTORY_SHOWN
                    ),
                    palette.dim(),
                )));
            }
        }
    }
    lines
}

/// Entries the detail panel lists at most.
const HISTORY_SHOWN: usize = 20;

/// What a request did, in a word: `configs`, `rollback`, `create`, `delete`, ….
fn history_action(method: &str, route: &str) -> String {
    let rest = route
        .strip_prefix("/deployments/{id}")
        .map(|r| r.trim_start_matches('/'));
    match (method, rest) {
        ("DELETE", Some("")) => "delete".into(),
        ("POST", None) if route.ends_with("/deployments") => "create".into(),
        ("PUT", Some("canvas-position")) => "move".into(),
        ("POST", Some("revisions")) => "new revision".into(),
        (_, Some(r)) if !r.is_empty() => r.to_string(),
        _ => format!("{method} {route}"),
    }
}

fn analysis_lines(warnings: Option<&[Warning]>, palette: &Palette) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    match warnings {
        None => lines.push(Line::from("analyzing…")),
        Some([]) => lines.push(Line::from(Span::styled(
            "✓ no warnings",
            palette.status(DeploymentStatus::Active),
        ))),
        Some(ws) => {
            for w in ws {
                let (mark, style) = match w.severity {
                    Severity::Error => ("✗ error  ", palette.error()),
                    Severity::Warning => {
                        ("! warning", palette.status(DeploymentStatus::RollingOut))
                    }
                    Severity::Info => ("i info   ", Style::default()),
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{mark} "), style),
                    Span::styled(
                        format!("{} ", w.code),
                        Style::default().add_modifier(Modifier::BOLD),
                    ),
                    Span::styled(w.field.clone().unwrap_or_default(), palette.dim()),
                ]));
                lines.push(Line::from(format!("    {}", w.message)));
            }
        }
    }
    lines
}
