//! The table view: a row per deployment — status, name (environment, on the board),
//! revision, image tag, ready/desired, age, address or why it failed — sorted as the header
//! marks, the selected row kept in view.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row as TableRow, StatefulWidget, Table, TableState};

use super::card::ellipsize;
use super::status::{Palette, status_symbol, status_word};
use crate::app::State;
use crate::app::table::{Row, SortKey, deployed, rows};
use crate::backend::model::*;

pub fn draw(state: &State, area: Rect, palette: &Palette, buf: &mut Buffer) {
    let Some(view) = state.table else {
        return;
    };
    let rows = rows(state);
    let board = state.board.is_some();
    let focus = state.board.as_ref().map(|b| b.focus);
    let mark = |key: SortKey, title: &str| {
        if view.sort == key {
            format!("{title} {}", if view.reverse { "▲" } else { "▼" })
        } else {
            title.to_string()
        }
    };
    let mut header = vec![mark(SortKey::Status, "STATUS"), mark(SortKey::Name, "NAME")];
    if board {
        header.push("ENV".into());
    }
    header.extend([
        mark(SortKey::Revision, "REV"),
        "IMAGE".into(),
        "READY".into(),
        mark(SortKey::Age, "AGE"),
        "ADDRESS / WHY".into(),
    ]);
    let selected = rows
        .iter()
        .position(|r| r.lane == focus && state.canvas.selected.as_deref() == Some(&r.d.id));
    let lines: Vec<TableRow> = rows
        .iter()
        .map(|r| table_row(r, state, palette, board))
        .collect();
    let mut widths = vec![Constraint::Length(14), Constraint::Fill(2)];
    if board {
        widths.push(Constraint::Fill(1));
    }
    widths.extend([
        Constraint::Length(6),
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Fill(4),
    ]);
    let table = Table::new(lines, widths)
        .header(TableRow::new(header).style(Style::default().add_modifier(Modifier::BOLD)))
        .row_highlight_style(palette.style(Style::default().add_modifier(Modifier::REVERSED)))
        .highlight_symbol("▶");
    let mut ts = TableState::default().with_selected(selected);
    StatefulWidget::render(table, area, buf, &mut ts);
    if rows.is_empty() {
        buf.set_string(area.x + 2, area.y + 2, "no deployments", palette.dim());
    }
}

fn table_row<'a>(r: &Row, state: &State, palette: &Palette, board: bool) -> TableRow<'a> {
    let d = r.d;
    let m = r.model;
    let style = palette.status(d.status);
    let mut cells = vec![
        Cell::from(Span::styled(
            format!("{} {}", status_symbol(d.status), status_word(d.status)),
            style,
        )),
        Cell::from(d.name.clone()),
    ];
    if board {
        cells.push(Cell::from(r.env.to_string()));
    }
    let rev = m
        .revision_number(d)
        .map_or(String::new(), |n| format!("#{n}"));
    let image = m
        .image_of(d)
        .map(|i| i.rsplit('/').next().unwrap_or(i).to_string())
        .unwrap_or_default();
    let ready = m
        .readiness(d)
        .map(|(a, b)| format!("{a}/{b}"))
        .unwrap_or_default();
    let age = super::panels::age_of(&deployed(d), state.now);
    let why = match (d.status, m.failures.get(&d.id), m.loadbalancers.get(&d.id)) {
        (DeploymentStatus::Failed, Some(f), _) => Line::from(Span::styled(
            ellipsize(&super::card::short_reason(f), 60),
            style,
        )),
        (
            _,
            _,
            Some(LoadBalancer {
                address: Some(a), ..
            }),
        ) => Line::from(a.clone()),
        _ => Line::default(),
    };
    cells.extend([
        Cell::from(rev),
        Cell::from(image),
        Cell::from(ready),
        Cell::from(age),
        Cell::from(why),
    ]);
    TableRow::new(cells)
}
