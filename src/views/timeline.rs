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

    let mut lines: Vec<Line> = t
        .events
        .iter()
        .map(|e| event_line(e, t, state, palette))
        .collect();
    let active = state
        .deployment(&t.deployment_id)
        .is_some_and(|d| d.status == DeploymentStatus::Active);
    if active && let Some(p) = pending_text(state, &t.deployment_id, std::time::Instant::now()) {
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
    let end = lines.len().saturating_sub(t.scroll.unwrap_or(0));
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

fn event_line(e: &Event, t: &Timeline, state: &State, palette: &Palette) -> Line<'static> {
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
    let mut spans = vec![
        Span::styled(
            format!(" {:>8} ", when(&e.created_at, t, state.now)),
            palette.dim(),
        ),
        Span::raw(format!("{rev:<4}")),
        Span::raw(format!("{:<12}", e.stage.as_str())),
        Span::styled(format!("{:<10}", e.status.as_str()), status_style),
    ];
    let meta = &e.meta;
    if let Some((r, d)) = e.readiness() {
        spans.push(Span::raw(progress_bar(u64::from(r), u64::from(d))));
        spans.push(Span::raw(" "));
    }
    for key in ["imageRef", "address", "message"] {
        if let Some(v) = meta.get(key).and_then(|v| v.as_str()) {
            spans.push(Span::raw(format!("{v} ")));
        }
    }
    if let Some(reason) = meta.get("reason").and_then(|v| v.as_str()) {
        spans.push(Span::styled(reason.to_string(), palette.error()));
    }
    Line::from(spans)
}
