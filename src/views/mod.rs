//! Pure render functions of `&State`. No I/O, no state changes.

pub mod canvas;
pub mod card;
pub mod overlays;
pub mod panels;
pub mod spaces;
pub mod status;
pub mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::State;
use crate::app::state::{Connection, MessageKind, Overlay};
use crate::backend::LiveMode;
use status::Palette;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &State, palette: &Palette) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = format!(
            "terminal too small (need {MIN_WIDTH}×{MIN_HEIGHT}, have {}×{})",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let drawer_rows = state.drawer_rows();
    let [cards, drawer] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(drawer_rows)]).areas(body);
    canvas::render(state, cards, palette, frame.buffer_mut());
    timeline::draw(frame, drawer, state, palette);
    draw_header(frame, header, state, palette);
    draw_status_bar(frame, footer, state, palette);
    overlays::draw(frame, body, state, palette);
}

fn draw_header(frame: &mut Frame, area: Rect, state: &State, palette: &Palette) {
    let bold = palette.style(Style::default().add_modifier(Modifier::BOLD));
    let mut spans = vec![Span::styled(" zopdeck ", bold)];
    match &state.model.environment {
        Some(env) => {
            spans.push(Span::raw(format!("│ env {} ", env.name)));
            let space = match &state.model.space {
                Some(s) if s.cloud_account_id == crate::backend::model::SANDBOX_ACCOUNT => {
                    format!("{} (simulated)", s.name)
                }
                Some(s) => s.name.clone(),
                None => env.space_id.clone(),
            };
            spans.push(Span::raw(format!("│ space {space} ")));
            if let Some(r) = state
                .model
                .space
                .as_ref()
                .and_then(|s| s.reachability.as_ref())
                && r.status != crate::backend::model::ReachabilityStatus::Reachable
            {
                spans.push(Span::styled(
                    format!("✗ {} ", r.status.as_str()),
                    palette.error(),
                ));
            }
            spans.push(Span::raw(format!("│ ns {} ", env.namespace)));
        }
        None if state.model.loaded => spans.push(Span::raw("│ no environment ")),
        None => spans.push(Span::raw("│ loading… ")),
    }
    spans.push(Span::raw(format!(
        "│ {}% ",
        state.canvas.viewport.zoom.percent()
    )));
    if state.read_only {
        spans.push(Span::styled("│ READ-ONLY ", bold));
    }
    match &state.link.connection {
        Connection::Connected => spans.push(Span::raw(match state.model.live {
            LiveMode::Pushed => "│ ● live ".to_string(),
            LiveMode::Stream => "│ ● live · stream ".to_string(),
            LiveMode::Polling => format!("│ ◌ polling · {} s ", state.poll.interval.as_secs()),
        })),
        Connection::Offline(why) => spans.push(Span::styled(
            format!("│ ✗ offline — {why} "),
            palette.error(),
        )),
        Connection::Rejected(why) => spans.push(Span::styled(
            if why.contains("zopdeck login") {
                "│ ✗ token rejected — run zopdeck login "
            } else {
                "│ ✗ refused by the server (see below) "
            },
            palette.error(),
        )),
    }
    // Last, as it is the longest and the first to be cut on a narrow terminal.
    spans.push(Span::raw(format!("│ {}", state.backend_label)));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn hints(state: &State) -> String {
    if state.filter.editing {
        return format!(" filter: {}▏  Enter keep · Esc clear", state.filter.text);
    }
    match &state.overlay {
        Some(Overlay::Palette { .. } | Overlay::Environments { .. }) => {
            " type to filter · ↑↓ choose · Enter pick · Esc close".into()
        }
        Some(Overlay::ConfirmQuit) => " y quit · any other key stays".into(),
        Some(_) => " Esc close".into(),
        None => {
            let k = &state.keymap;
            use crate::app::keymap::Action;
            let mut s = format!(
                " {} select · {} move · Tab next · {} zoom · {} filter · {} commands · {} help · {} quit",
                "←↓↑→",
                "⇧+arrows",
                "+/-/0/f",
                k.label(Action::Filter),
                k.label(Action::Palette),
                k.label(Action::Help),
                k.label(Action::Quit).split(" / ").next().unwrap_or("q"),
            );
            if !state.filter.is_empty() {
                s = format!(" filter: {} (Esc clears) ·{s}", state.filter.text);
            }
            s
        }
    }
}

fn draw_status_bar(frame: &mut Frame, area: Rect, state: &State, palette: &Palette) {
    let pending = state.saves.pending.len();
    let right = if pending > 0 {
        format!(" {pending} position change(s) pending ")
    } else {
        String::new()
    };
    let left = match &state.message {
        Some((text, MessageKind::Error)) => Span::styled(format!(" ✗ {text}"), palette.error()),
        Some((text, MessageKind::Info)) => Span::raw(format!(" {text}")),
        None => Span::styled(hints(state), palette.dim()),
    };
    let [l, r] = Layout::horizontal([
        Constraint::Min(1),
        Constraint::Length(right.chars().count() as u16),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), l);
    frame.render_widget(Paragraph::new(right), r);
}

/// `text` word-wrapped to `width` columns, the first line behind `label`, the others indented
/// to line up under the text.
pub fn wrapped(label: &str, text: &str, width: usize) -> Vec<Line<'static>> {
    let indent = " ".repeat(label.chars().count());
    let options = textwrap::Options::new(width.max(label.len() + 8))
        .initial_indent(label)
        .subsequent_indent(&indent);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|l| Line::from(l.into_owned()))
        .collect()
}
