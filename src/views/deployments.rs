//! The first screen: the environment's deployments as a live table.
//! (The environment canvas replaces it as the main screen.)

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use super::status::{Palette, SPINNER, status_symbol, status_word};
use crate::app::State;
use crate::backend::model::*;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, palette: &Palette) {
    let block = Block::default()
        .borders(Borders::TOP)
        .title(" deployments ");
    if state.deployments.is_empty() {
        let text = if state.loaded {
            "No deployments in this environment yet."
        } else {
            "Loading…"
        };
        frame.render_widget(Paragraph::new(format!("\n  {text}")).block(block), area);
        return;
    }
    let spinner = SPINNER[state.spinner % SPINNER.len()];
    let rows = state.deployments.iter().map(|d| {
        let status = Line::from(vec![Span::styled(
            format!("{} {}", status_symbol(d.status), status_word(d.status)),
            palette.status(d.status),
        )]);
        let rev = state
            .revision_number(d)
            .map_or("–".to_string(), |n| format!("#{n}"));
        let ready = match (d.status, state.progress.get(&d.id)) {
            (DeploymentStatus::RollingOut, Some((r, t))) => format!("{r}/{t}"),
            _ => String::new(),
        };
        let address = match state.loadbalancers.get(&d.id) {
            Some(LoadBalancer {
                status: LbStatus::Ready,
                address: Some(a),
                ..
            }) => a.clone(),
            Some(LoadBalancer {
                status: LbStatus::Pending,
                ..
            }) => format!("Waiting for public address… {spinner}"),
            _ => "–".to_string(),
        };
        Row::new(vec![
            Cell::from(d.name.clone()),
            Cell::from(status),
            Cell::from(rev),
            Cell::from(ready),
            Cell::from(address),
        ])
    });
    let header = Row::new(["NAME", "STATUS", "REV", "READY", "ADDRESS"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let table = Table::new(
        rows,
        [
            Constraint::Length(20),
            Constraint::Length(15),
            Constraint::Length(5),
            Constraint::Length(7),
            Constraint::Min(10),
        ],
    )
    .header(header)
    .block(block)
    .row_highlight_style(palette.style(Style::default().add_modifier(Modifier::REVERSED)))
    .highlight_symbol("▶ ");
    let mut table_state = TableState::default().with_selected(state.selected_index());
    frame.render_stateful_widget(table, area, &mut table_state);
}
