//! Pure render functions of `&State`. No I/O, no state changes.

pub mod board;
pub mod canvas;
pub mod card;
pub mod edges;
pub mod fix;
pub mod footer;
pub mod header;
pub mod overlays;
pub mod panels;
pub mod promote;
pub mod rollouts;
pub mod scrolled;
pub mod spaces;
pub mod status;
pub mod table;
pub mod theme;
pub mod timeline;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::State;
use crate::app::state::MessageKind;
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
    if state.table.is_some() {
        table::draw(state, cards, palette, frame.buffer_mut());
    } else if state.board.is_some() {
        let lanes = state.board_area();
        board::draw(state, lanes, palette, frame.buffer_mut());
        let compare = Rect::new(cards.x, lanes.y + lanes.height, cards.width, 1);
        frame.render_widget(Paragraph::new(board::compare_line(state, palette)), compare);
    } else {
        canvas::render(&canvas::View::of(state), cards, palette, frame.buffer_mut());
    }
    timeline::draw(frame, drawer, state, palette);
    rollouts::draw(frame, drawer, state, palette);
    draw_header(frame, header, state, palette);
    draw_status_bar(frame, footer, state, palette);
    overlays::draw(frame, body, state, palette);
}

fn draw_header(frame: &mut Frame, area: Rect, state: &State, palette: &Palette) {
    let line = header::line(state, palette, area.width);
    frame.render_widget(Paragraph::new(line), area);
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
        None => {
            let spans = footer::hints(state, palette);
            let [l, r] = Layout::horizontal([
                Constraint::Min(1),
                Constraint::Length(right.chars().count() as u16),
            ])
            .areas(area);
            frame.render_widget(Paragraph::new(Line::from(spans)), l);
            frame.render_widget(Paragraph::new(right), r);
            return;
        }
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
