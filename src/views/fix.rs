//! The fixes of a failed card to choose from (roll back, scale to fit), with their keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::overlays::{centered, panel};
use super::status::Palette;
use crate::app::State;
use crate::app::fix::FixPick;
use crate::app::keymap::Action;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, pick: &FixPick, palette: &Palette) {
    let name = state
        .deployment(&pick.id)
        .map_or(pick.id.as_str(), |d| d.name.as_str());
    let r = centered(area, 72, pick.fixes.len() as u16 + 6);
    frame.render_widget(Clear, r);
    let block = panel(format!(" fix {name} "));
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let [body, keys] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let mut lines = vec![
        Line::from("each asks before it changes anything:"),
        Line::from(""),
    ];
    lines.extend(pick.fixes.iter().enumerate().map(|(i, fix)| {
        if i == pick.selected {
            Line::from(Span::styled(
                format!("▶ {}", fix.label()),
                palette.style(Style::default().add_modifier(Modifier::REVERSED)),
            ))
        } else {
            Line::from(format!("  {}", fix.label()))
        }
    }));
    frame.render_widget(Paragraph::new(lines), body);
    let hints = state.keymap.hints(&[
        (&[Action::Down, Action::Up], "choose"),
        (&[Action::Choose], "see it"),
        (&[Action::Close], "close"),
    ]);
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {hints}"), palette.dim())),
        keys,
    );
}
