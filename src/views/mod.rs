//! Pure render functions of `&State`. No I/O, no state changes.

pub mod deployments;
pub mod status;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::State;
use crate::app::state::MessageKind;
use status::Palette;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 10;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &State, palette: &Palette) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{})",
            area.width, area.height
        );
        let wrap = ratatui::widgets::Wrap { trim: true };
        frame.render_widget(Paragraph::new(msg).wrap(wrap), area);
        return;
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, state, palette);
    deployments::draw(frame, body, state, palette);
    draw_footer(frame, footer, state, palette);
}

fn draw_header(frame: &mut Frame, area: Rect, state: &State, palette: &Palette) {
    let bold = palette.style(Style::default().add_modifier(Modifier::BOLD));
    let mut spans = vec![Span::styled(" zopdeck ", bold)];
    match &state.environment {
        Some(env) => {
            spans.push(Span::raw(format!("│ env {} ", env.name)));
            let space = match &state.space {
                Some(s) if s.cloud_account_id == crate::backend::engine::SANDBOX_ACCOUNT => {
                    format!("{} (simulated)", s.name)
                }
                Some(s) => s.name.clone(),
                None => env.space_id.clone(),
            };
            spans.push(Span::raw(format!(
                "│ space {space} │ ns {} ",
                env.namespace
            )));
        }
        None if state.loaded => spans.push(Span::raw("│ no environment ")),
        None => spans.push(Span::raw("│ loading… ")),
    }
    spans.push(Span::raw(format!("│ {}", state.backend_label)));
    if state.read_only {
        spans.push(Span::styled(" │ READ-ONLY", bold));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_footer(frame: &mut Frame, area: Rect, state: &State, palette: &Palette) {
    let line = match &state.message {
        Some((text, MessageKind::Error)) => Line::from(Span::styled(
            format!(" ✗ {text}  (Esc dismisses)"),
            palette.error(),
        )),
        Some((text, MessageKind::Info)) => Line::from(format!(" {text}")),
        None => Line::from(" ↑↓/jk select  g/G first/last  Ctrl-R reload  q quit"),
    };
    frame.render_widget(Paragraph::new(line), area);
}
