//! The environment canvas: cards at their positions, culled to the view and clipped at its
//! edges. Only cards that intersect the view are drawn, so 10,000 cards cost what 50 do.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Widget};

use super::card::{self, CardLook};
use super::status::Palette;
use crate::app::State;
use crate::app::canvas::Canvas;
use crate::app::filter::Filter;
use crate::app::model::Model;

/// What one canvas is drawn from: the shown environment's, or a lane of the board.
#[derive(Clone, Copy)]
pub struct View<'a> {
    pub model: &'a Model,
    pub canvas: &'a Canvas,
    pub filter: &'a Filter,
    /// The spinners' frame.
    pub spinner: usize,
    /// Whether the keys go to this canvas (a board's other lanes show no selection).
    pub focused: bool,
}

impl<'a> View<'a> {
    /// The canvas the keys go to.
    pub fn of(state: &'a State) -> Self {
        Self {
            model: &state.model,
            canvas: &state.canvas,
            filter: &state.filter,
            spinner: state.spinner,
            focused: true,
        }
    }
}

pub fn render(view: &View, area: Rect, palette: &Palette, buf: &mut Buffer) {
    if view.model.deployments.is_empty() {
        let text = if !view.model.loaded {
            "Loading…"
        } else if view.model.environment.is_none() {
            "No environment yet."
        } else {
            "No deployments in this environment yet."
        };
        Paragraph::new(format!("\n  {text}")).render(area, buf);
        return;
    }
    // Under the cards: the connections between them.
    super::edges::render(view, area, palette, buf);
    let (cw, ch) = view.canvas.viewport.card_cells();
    let mut scratch = Buffer::empty(Rect::new(0, 0, cw, ch));
    let selected = view.canvas.selected.as_deref().filter(|_| view.focused);
    // The selected card is drawn last: on top of any it overlaps.
    let order = view
        .model
        .deployments
        .iter()
        .filter(|d| Some(d.id.as_str()) != selected)
        .chain(selected.and_then(|id| view.model.deployment(id)));
    // Cards wholly off screen, by the side they lie beyond: left, right, above, below.
    let mut beyond = [0usize; 4];
    for d in order {
        let (col, row) = {
            let p = crate::app::canvas::position(d);
            view.canvas.viewport.to_cell(p.x, p.y)
        };
        if col >= i64::from(area.width)
            || row >= i64::from(area.height)
            || col + i64::from(cw) <= 0
            || row + i64::from(ch) <= 0
        {
            let side = if col + i64::from(cw) <= 0 {
                0
            } else if col >= i64::from(area.width) {
                1
            } else if row + i64::from(ch) <= 0 {
                2
            } else {
                3
            };
            beyond[side] += 1;
            continue;
        }
        scratch.reset();
        let look = CardLook {
            selected: Some(d.id.as_str()) == selected,
            dragged: view.canvas.dragging(&d.id),
            dimmed: !view.filter.matches(d),
        };
        card::render(view, d, &look, palette, &mut scratch);
        blit(&scratch, col, row, area, buf);
    }
    markers(beyond, area, palette, buf);
}

/// "◀ 3" at the middle of the left edge, "▶ 5" of the right, "▲ 2" and "▼ 4" at the top and
/// bottom: how many cards lie off screen that way.
fn markers(beyond: [usize; 4], area: Rect, palette: &Palette, buf: &mut Buffer) {
    if area.width < 8 || area.height < 3 {
        return;
    }
    let style = palette.style(
        ratatui::style::Style::default()
            .add_modifier(ratatui::style::Modifier::BOLD | ratatui::style::Modifier::REVERSED),
    );
    let mid_row = area.y + area.height / 2;
    let mid_col = area.x + area.width / 2;
    let [left, right, up, down] = beyond;
    let mut put = |text: String, x: u16, y: u16| {
        buf.set_string(x, y, &text, style);
    };
    if left > 0 {
        put(format!("◀ {left} "), area.x, mid_row);
    }
    if right > 0 {
        let text = format!(" {right} ▶");
        let x = area.x + area.width.saturating_sub(text.chars().count() as u16);
        put(text, x, mid_row);
    }
    if up > 0 {
        let text = format!(" ▲ {up} ");
        put(
            text.clone(),
            mid_col.saturating_sub(text.chars().count() as u16 / 2),
            area.y,
        );
    }
    if down > 0 {
        let text = format!(" ▼ {down} ");
        let y = area.y + area.height - 1;
        put(
            text.clone(),
            mid_col.saturating_sub(text.chars().count() as u16 / 2),
            y,
        );
    }
}

/// Copies the on-screen part of a card drawn at (col, row) of the canvas area.
fn blit(card: &Buffer, col: i64, row: i64, area: Rect, buf: &mut Buffer) {
    let (w, h) = (i64::from(card.area.width), i64::from(card.area.height));
    for dy in 0..h {
        let y = row + dy;
        if y < 0 || y >= i64::from(area.height) {
            continue;
        }
        for dx in 0..w {
            let x = col + dx;
            if x < 0 || x >= i64::from(area.width) {
                continue;
            }
            if let (Some(src), Some(dst)) = (
                card.cell((dx as u16, dy as u16)),
                buf.cell_mut((area.x + x as u16, area.y + y as u16)),
            ) {
                *dst = src.clone();
            }
        }
    }
}
