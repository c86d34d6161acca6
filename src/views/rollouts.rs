//! The rollouts drawer: one live row per rollout — status, deployment, environment,
//! revision, ready/desired, how long it has run (or ran), and why it failed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::card::ellipsize;
use super::status::{Palette, status_symbol, status_word};
use crate::app::State;
use crate::app::rollouts::{Row, rows};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, palette: &Palette) {
    if !state.rollouts_open || area.height == 0 {
        return;
    }
    let rows = rows(state);
    let moving = rows.iter().filter(|r| r.ended.is_none()).count();
    let title = match (moving, rows.len()) {
        (_, 0) => " rollouts · none seen yet (w closes) ".to_string(),
        (0, n) => format!(" rollouts · none in progress · {n} ended "),
        (m, n) => format!(" rollouts · {m} in progress · {} ended ", n - m),
    };
    frame.render_widget(Clear, area);
    let block = Block::default().borders(Borders::TOP).title(Span::styled(
        title,
        Style::default().add_modifier(Modifier::BOLD),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let board = state.board.is_some();
    let lines: Vec<Line> = rows
        .iter()
        .take(usize::from(inner.height))
        .map(|r| line(r, state, palette, width, board))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn line(r: &Row, state: &State, palette: &Palette, width: usize, board: bool) -> Line<'static> {
    let style = palette.status(r.status);
    let status = format!(" {} {:<12}", status_symbol(r.status), status_word(r.status));
    let env = if board {
        format!("{:<10} ", ellipsize(&r.env, 10))
    } else {
        String::new()
    };
    let rev = r.revision.map_or("  ".to_string(), |n| format!("#{n}"));
    let ready = r.ready.map_or("—".to_string(), |(ready, desired)| {
        format!("{ready}/{desired}")
    });
    let end = r.ended.unwrap_or(state.now);
    let took = elapsed((end - r.since).num_seconds().max(0));
    let when = match r.ended {
        Some(_) => format!("took {took}"),
        None => took,
    };
    let head = format!(
        "{:<16} {env}{rev:<5} {ready:>7}  {when:<11}",
        ellipsize(&r.name, 16)
    );
    let mut spans = vec![Span::styled(status, style), Span::raw(head)];
    if let Some(reason) = &r.reason {
        let used: usize = spans.iter().map(Span::width).sum();
        spans.push(Span::styled(
            ellipsize(reason, width.saturating_sub(used + 1)),
            style,
        ));
    }
    Line::from(spans)
}

/// "8s", "2m10s", "1h4m".
fn elapsed(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}
