//! Canvas operations on the state: selection, moves, undo/redo, zoom, pan, fit and
//! auto-placement. Pure: time comes in as an argument.

use std::time::Instant;

use super::geometry::{self, Direction, Rect, Zoom};
use super::msg::Cmd;
use super::persist;
use super::state::{MessageKind, Move, State};
use crate::backend::model::CanvasPosition;

/// Cards the user can reach: all, or those matching the filter.
fn reachable(state: &State) -> Vec<(usize, CanvasPosition)> {
    state
        .deployments
        .iter()
        .enumerate()
        .filter(|(_, d)| state.matches_filter(d))
        .map(|(i, d)| (i, state.position(d)))
        .collect()
}

pub fn select_index(state: &mut State, i: usize) {
    if let Some(d) = state.deployments.get(i) {
        state.selected = Some(d.id.clone());
        ensure_visible(state);
    }
}

/// The card nearest the top-left, where selection starts.
pub fn select_first(state: &mut State) {
    let first = reachable(state)
        .into_iter()
        .min_by(|a, b| (a.1.x.hypot(a.1.y)).total_cmp(&b.1.x.hypot(b.1.y)))
        .map(|(i, _)| i);
    if let Some(i) = first {
        select_index(state, i);
    }
}

pub fn select_direction(state: &mut State, dir: Direction) -> bool {
    let Some(current) = state
        .selected_deployment()
        .map(|d| (d.id.clone(), state.position(d)))
    else {
        select_first(state);
        return true;
    };
    let others: Vec<(usize, CanvasPosition)> = reachable(state)
        .into_iter()
        .filter(|(i, _)| state.deployments[*i].id != current.0)
        .collect();
    match geometry::nearest_in_direction(current.1, dir, &others) {
        Some(i) => {
            select_index(state, i);
            true
        }
        None => false,
    }
}

/// Tab order: reading order (top to bottom, then left to right).
pub fn select_next(state: &mut State, forward: bool) -> bool {
    let mut order = reachable(state);
    if order.is_empty() {
        return false;
    }
    order.sort_by(|a, b| a.1.y.total_cmp(&b.1.y).then(a.1.x.total_cmp(&b.1.x)));
    let at = state.selected.as_ref().and_then(|id| {
        order
            .iter()
            .position(|(i, _)| &state.deployments[*i].id == id)
    });
    let n = order.len();
    let next = match (at, forward) {
        (None, _) => 0,
        (Some(k), true) => (k + 1) % n,
        (Some(k), false) => (k + n - 1) % n,
    };
    select_index(state, order[next].0);
    true
}

/// Scrolls the view the least needed to show the selected card whole (when it fits).
pub fn ensure_visible(state: &mut State) {
    let Some(d) = state.selected_deployment() else {
        return;
    };
    let r = state.card_rect(d);
    let (w, h) = state.canvas_size();
    let v = &mut state.viewport;
    let (vw, vh) = (f64::from(w) * v.px_per_col(), f64::from(h) * v.px_per_row());
    if r.x < v.origin_x {
        v.origin_x = r.x - v.px_per_col();
    } else if r.x + r.w > v.origin_x + vw {
        v.origin_x = (r.x + r.w - vw + v.px_per_col()).min(r.x - v.px_per_col());
    }
    if r.y < v.origin_y {
        v.origin_y = r.y - v.px_per_row();
    } else if r.y + r.h > v.origin_y + vh {
        v.origin_y = (r.y + r.h - vh + v.px_per_row()).min(r.y - v.px_per_row());
    }
}

/// Sets a card's position on screen at once, and schedules its save.
pub fn place(state: &mut State, id: &str, pos: CanvasPosition, now: Instant) -> Vec<Cmd> {
    if !pos.is_valid() {
        return vec![];
    }
    if let Some(d) = state.deployments.iter_mut().find(|d| d.id == id) {
        d.canvas_position = Some(pos);
    }
    persist::schedule(state, id, pos, now)
}

/// Records a move in the session's history; a run of moves of one card while its write is
/// still pending counts as one move.
pub fn record(state: &mut State, id: &str, from: CanvasPosition, to: CanvasPosition) {
    state.redo.clear();
    if let Some(last) = state.undo.last_mut()
        && last.id == id
        && last.to == from
        && state.pending.contains_key(id)
    {
        last.to = to;
        return;
    }
    state.undo.push(Move {
        id: id.to_string(),
        from,
        to,
    });
}

/// Moves the selected card by whole cells.
pub fn move_selected(state: &mut State, dir: Direction, cells: i64, now: Instant) -> Vec<Cmd> {
    let Some(d) = state.selected_deployment() else {
        return vec![];
    };
    let id = d.id.clone();
    let from = state.position(d);
    let (dx, dy) = match dir {
        Direction::Left => (-cells, 0),
        Direction::Right => (cells, 0),
        Direction::Up => (0, -cells),
        Direction::Down => (0, cells),
    };
    let v = state.viewport;
    let to = CanvasPosition {
        x: from.x + dx as f64 * v.px_per_col(),
        y: from.y + dy as f64 * v.px_per_row(),
    };
    if !to.is_valid() {
        state.message = Some((
            "the card is at the edge of the canvas".into(),
            MessageKind::Error,
        ));
        return vec![];
    }
    record(state, &id, from, to);
    let cmds = place(state, &id, to, now);
    ensure_visible(state);
    cmds
}

pub fn undo(state: &mut State, now: Instant) -> Vec<Cmd> {
    let Some(m) = state.undo.pop() else {
        state.message = Some(("nothing to undo".into(), MessageKind::Info));
        return vec![];
    };
    let cmds = place(state, &m.id, m.from, now);
    state.selected = Some(m.id.clone());
    state.redo.push(m);
    ensure_visible(state);
    cmds
}

pub fn redo(state: &mut State, now: Instant) -> Vec<Cmd> {
    let Some(m) = state.redo.pop() else {
        state.message = Some(("nothing to redo".into(), MessageKind::Info));
        return vec![];
    };
    let cmds = place(state, &m.id, m.to, now);
    state.selected = Some(m.id.clone());
    state.undo.push(m);
    ensure_visible(state);
    cmds
}

pub fn pan(state: &mut State, dir: Direction) {
    let (w, h) = state.canvas_size();
    let (cols, rows) = (i64::from(w / 4).max(1), i64::from(h / 4).max(1));
    match dir {
        Direction::Left => state.viewport.pan(-cols, 0),
        Direction::Right => state.viewport.pan(cols, 0),
        Direction::Up => state.viewport.pan(0, -rows),
        Direction::Down => state.viewport.pan(0, rows),
    }
}

pub fn zoom(state: &mut State, zoom: Zoom) {
    let (w, h) = state.canvas_size();
    state.viewport.set_zoom(zoom, w, h);
}

/// The largest zoom at which every card fits, centred on them.
pub fn fit(state: &mut State) {
    let rects: Vec<Rect> = state
        .deployments
        .iter()
        .map(|d| state.card_rect(d))
        .collect();
    let Some(first) = rects.first() else { return };
    let (mut x0, mut y0, mut x1, mut y1) = (first.x, first.y, first.x + first.w, first.y + first.h);
    for r in &rects {
        x0 = x0.min(r.x);
        y0 = y0.min(r.y);
        x1 = x1.max(r.x + r.w);
        y1 = y1.max(r.y + r.h);
    }
    let (w, h) = state.canvas_size();
    let zoom = [Zoom::Double, Zoom::Full, Zoom::Half]
        .into_iter()
        .find(|z| {
            let v = geometry::Viewport {
                zoom: *z,
                ..state.viewport
            };
            (x1 - x0) <= f64::from(w) * v.px_per_col() && (y1 - y0) <= f64::from(h) * v.px_per_row()
        })
        .unwrap_or(Zoom::Half);
    let v = &mut state.viewport;
    v.zoom = zoom;
    v.origin_x = (x0 + x1) / 2.0 - f64::from(w) / 2.0 * v.px_per_col();
    v.origin_y = (y0 + y1) / 2.0 - f64::from(h) / 2.0 * v.px_per_row();
}

/// Gives a free spot to cards with no position, or sitting exactly on an earlier card, and
/// saves those spots.
pub fn auto_place(state: &mut State, now: Instant) -> Vec<Cmd> {
    let mut taken: Vec<CanvasPosition> = Vec::new();
    let mut moves = Vec::new();
    for d in &state.deployments {
        match d
            .canvas_position
            .filter(|p| p.is_valid() && !taken.contains(p))
        {
            Some(p) => taken.push(p),
            None => moves.push(d.id.clone()),
        }
    }
    let mut cmds = Vec::new();
    for id in moves {
        let spot = geometry::free_spot(&taken, None);
        taken.push(spot);
        cmds.extend(place(state, &id, spot, now));
    }
    cmds
}

/// A free spot near the centre of the view (for new cards).
pub fn free_spot_in_view(state: &State) -> CanvasPosition {
    let (w, h) = state.canvas_size();
    let taken: Vec<CanvasPosition> = state
        .deployments
        .iter()
        .map(|d| state.position(d))
        .collect();
    geometry::free_spot(&taken, Some(state.viewport.centre(w, h)))
}

/// The topmost card under a canvas point: the selected card is drawn last, so it wins.
pub fn card_at(state: &State, x: f64, y: f64) -> Option<String> {
    if let Some(d) = state.selected_deployment()
        && state.card_rect(d).contains(x, y)
    {
        return Some(d.id.clone());
    }
    state
        .deployments
        .iter()
        .rev()
        .find(|d| state.card_rect(d).contains(x, y))
        .map(|d| d.id.clone())
}
