//! The timeline drawer: a stage strip (building → deploying → rolling_out → active) and the
//! selected deployment's events, newest at the bottom.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::status::{Palette, SPINNER};
use super::wrapped;
use crate::app::State;
use crate::app::lb::pending_text;
use crate::app::timeline::{Phase, Timeline};
use crate::backend::model::*;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, palette: &Palette) {
    let Some(t) = &state.drawer else { return };
    let name = state
        .deployment(&t.deployment_id)
        .map_or("(gone)", |d| d.name.as_str());
    let title = match (t.scroll, t.unseen) {
        (Some(_), n) if n > 0 => format!(" timeline · {name} · {n} new (End follows) "),
        (Some(_), _) => format!(" timeline · {name} · scrolled (End follows) "),
        (None, _) => format!(" timeline · {name} "),
    };
    frame.render_widget(Clear, area);
    let block = Block::default().borders(Borders::TOP).title(Span::styled(
        title,
        Style::default().add_modifier(Modifier::BOLD),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [strip, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(stage_strip(t, state, palette)), strip);

    let width = usize::from(body.width);
    let rows = t.rows();
    // Scrolled `n` rows up from the tail: the view ends with the row before those (and, near
    // the top, still fills the drawer).
    let shown = rows.len().saturating_sub(t.scroll.unwrap_or(0));
    let mut lines: Vec<Line> = Vec::new();
    let mut bottom = 0;
    for (i, row) in rows.iter().enumerate() {
        lines.extend(row_lines(row.event, t, state, palette, width));
        if i + 1 == shown {
            bottom = lines.len();
        }
    }
    if t.scroll.is_none() {
        bottom = usize::MAX;
    }
    let active = state
        .deployment(&t.deployment_id)
        .is_some_and(|d| d.status == DeploymentStatus::Active);
    if active
        && t.scroll.is_none()
        && let Some(p) = pending_text(state, &t.deployment_id, std::time::Instant::now())
    {
        lines.push(Line::from(p.wait));
        if let Some(reason) = p.reason {
            lines.extend(wrapped("  why: ", &reason, usize::from(body.width)));
        }
    }
    if lines.is_empty() {
        let text = if t.loaded {
            "  no events yet"
        } else {
            "  loading…"
        };
        frame.render_widget(Paragraph::new(text), body);
        return;
    }
    let height = usize::from(body.height);
    let end = bottom.max(height).min(lines.len());
    let start = end.saturating_sub(height);
    frame.render_widget(Paragraph::new(lines[start..end].to_vec()), body);
}

fn stage_strip(t: &Timeline, state: &State, palette: &Palette) -> Line<'static> {
    let spinner = SPINNER[state.spinner % SPINNER.len()];
    let mut spans = vec![Span::raw(" ")];
    for (i, s) in t.stage_strip(state.now).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" → "));
        }
        let (mark, style) = match s.phase {
            Phase::Done => ("✓".to_string(), palette.status(DeploymentStatus::Active)),
            Phase::Running => (
                spinner.to_string(),
                palette.status(DeploymentStatus::RollingOut),
            ),
            Phase::Failed => ("✗".to_string(), palette.error()),
            Phase::Waiting => ("·".to_string(), palette.dim()),
        };
        let elapsed = s
            .elapsed
            .map_or(String::new(), |ms| format!(" {}", short_duration(ms)));
        spans.push(Span::styled(
            format!("{mark} {}{elapsed}", s.stage.as_str()),
            style,
        ));
    }
    Line::from(spans)
}

fn short_duration(ms: i64) -> String {
    match ms {
        ms if ms < 10_000 => format!("{:.1}s", ms as f64 / 1000.0),
        ms if ms < 120_000 => format!("{}s", ms / 1000),
        ms => format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60),
    }
}

fn when(at: &DateTime<Utc>, t: &Timeline, now: DateTime<Utc>) -> String {
    if t.absolute_times {
        return at.format("%H:%M:%S").to_string();
    }
    let secs = (now - *at).num_seconds().max(0);
    match secs {
        s if s < 60 => format!("{s}s ago"),
        s if s < 3600 => format!("{}m ago", s / 60),
        s => format!("{}h ago", s / 3600),
    }
}

fn progress_bar(ready: u64, desired: u64) -> String {
    let width = desired.clamp(1, 10);
    let filled = (ready * width)
        .checked_div(desired.max(1))
        .unwrap_or(0)
        .min(width);
    format!(
        "{}{} {ready}/{desired}",
        "▰".repeat(filled as usize),
        "▱".repeat((width - filled) as usize)
    )
}

/// Width of an event line's head: time, revision, stage, status.
const HEAD: usize = 36;

/// An event's lines: the head, then what it says (readiness, image, address, message, the
/// reason of a failure), wrapped under itself rather than cut at the edge.
fn row_lines(
    e: &Event,
    t: &Timeline,
    state: &State,
    palette: &Palette,
    width: usize,
) -> Vec<Line<'static>> {
    let rev = e
        .revision_id
        .as_ref()
        .and_then(|r| state.model.revision_numbers.get(r))
        .map_or(String::new(), |n| format!("#{n}"));
    let status_style = match e.status {
        EventStatus::Failed => palette.error(),
        EventStatus::Succeeded => palette.status(DeploymentStatus::Active),
        _ => Style::default(),
    };
    let head = vec![
        Span::styled(
            format!(" {:>8} ", when(&e.created_at, t, state.now)),
            palette.dim(),
        ),
        Span::raw(format!("{rev:<4}")),
        Span::raw(format!("{:<12}", e.stage.as_str())),
        Span::styled(format!("{:<10}", e.status.as_str()), status_style),
    ];
    let meta = &e.meta;
    let mut said: Vec<(String, Style)> = Vec::new();
    if let Some((r, d)) = e.readiness() {
        said.push((progress_bar(u64::from(r), u64::from(d)), Style::default()));
    }
    for key in ["imageRef", "address", "message"] {
        if let Some(v) = meta.get(key).and_then(|v| v.as_str()) {
            said.push((v.to_string(), Style::default()));
        }
    }
    if let Some(reason) = meta.get("reason").and_then(|v| v.as_str()) {
        said.push((reason.to_string(), palette.error()));
    }
    // Under the head on a wide drawer; a little indented on a narrow one.
    let indent = if width >= HEAD + 30 { HEAD } else { 4 };
    let first = width.saturating_sub(HEAD).max(10);
    let rest = width.saturating_sub(indent).max(10);
    let mut lines = Vec::new();
    for (i, chunk) in wrap_words(&said, first, rest).into_iter().enumerate() {
        let mut spans = if i == 0 {
            head.clone()
        } else {
            vec![Span::raw(" ".repeat(indent))]
        };
        spans.extend(chunk);
        lines.push(Line::from(spans));
    }
    if lines.is_empty() {
        lines.push(Line::from(head));
    }
    lines
}

/// Styled texts laid out in lines of `first` columns, then `rest`, breaking between words
/// (a word longer than a line is cut across lines).
fn wrap_words(parts: &[(String, Style)], first: usize, rest: usize) -> Vec<Vec<Span<'static>>> {
    let mut lines: Vec<Vec<Span<'static>>> = Vec::new();
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0usize;
    let width = |n: usize| if n == 0 { first } else { rest };
    for (text, style) in parts {
        for word in text.split_whitespace() {
            let mut word: String = word.to_string();
            loop {
                let room = width(lines.len());
                let len = word.chars().count();
                let gap = usize::from(used > 0);
                if used + gap + len <= room {
                    if gap == 1 {
                        line.push(Span::raw(" "));
                    }
                    line.push(Span::styled(word.clone(), *style));
                    used += gap + len;
                    break;
                }
                if used > 0 {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                    continue;
                }
                // Longer than a whole line: cut it.
                let head: String = word.chars().take(room).collect();
                word = word.chars().skip(room).collect();
                line.push(Span::styled(head, *style));
                lines.push(std::mem::take(&mut line));
                if word.is_empty() {
                    break;
                }
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
