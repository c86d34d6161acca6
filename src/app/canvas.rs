//! The canvas: which card is selected, the part of the canvas on screen, dragging, and the
//! session's moves for undo/redo. Keys and the mouse change it; a card's new position leaves
//! as `Effect::Place` (shown at once, saved by `persist`). Pure: time is not read here.

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::effect::{Effect, Effects};
use super::filter::Filter;
use super::geometry::{self, Direction, Rect, Viewport, Zoom};
use super::model::Model;
use super::state::{Drag, Move};
use crate::backend::model::{CanvasPosition, Deployment, DeploymentStatus};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Canvas {
    pub selected: Option<String>,
    pub viewport: Viewport,
    pub drag: Option<Drag>,
    /// Walking the connections (`>`/`<`): the card it began at, and the card it is on.
    pub walk: Option<(String, String)>,
    /// Steps of the session, each one or more moves (a copied layout moves many at once).
    pub undo: Vec<Vec<Move>>,
    pub redo: Vec<Vec<Move>>,
}

/// What the canvas reads of the rest: the cards, the filter, the canvas area's size.
#[derive(Clone, Copy)]
pub struct Cards<'a> {
    pub model: &'a Model,
    pub filter: &'a Filter,
    /// The canvas area in cells.
    pub size: (u16, u16),
}

/// Puts the cards of a step where `at` says (before or after it), selecting the first; a
/// step of several moves says how many it `did`.
fn replay(step: &[Move], at: impl Fn(&Move) -> CanvasPosition, did: &str) -> Effects {
    let mut effects: Effects = step
        .iter()
        .map(|m| Effect::Place {
            id: m.id.clone(),
            pos: at(m),
        })
        .collect();
    if let Some(first) = step.first() {
        effects.push(Effect::Select(first.id.clone()));
    }
    if step.len() > 1 {
        effects.push(Effect::info(format!("{did}: {} card moves", step.len())));
    }
    effects
}

/// A card's position: every card has one once loaded (auto-placed when missing).
pub fn position(d: &Deployment) -> CanvasPosition {
    d.canvas_position
        .unwrap_or(CanvasPosition { x: 0.0, y: 0.0 })
}

pub fn card_rect(d: &Deployment) -> Rect {
    Rect::card(position(d))
}

impl Cards<'_> {
    /// Cards the user can reach: all, or those matching the filter.
    fn reachable(&self) -> Vec<(usize, CanvasPosition)> {
        self.model
            .deployments
            .iter()
            .enumerate()
            .filter(|(_, d)| self.filter.matches(d))
            .map(|(i, d)| (i, position(d)))
            .collect()
    }
}

impl Canvas {
    pub fn dragging(&self, id: &str) -> bool {
        matches!(&self.drag, Some(Drag::Card { id: d, .. }) if d == id)
    }

    fn selected_card<'a>(&self, cards: &Cards<'a>) -> Option<&'a Deployment> {
        cards.model.deployment(self.selected.as_deref()?)
    }

    fn select_index(&mut self, cards: &Cards, i: usize) {
        if let Some(d) = cards.model.deployments.get(i) {
            self.selected = Some(d.id.clone());
            self.ensure_visible(cards);
        }
    }

    /// Selects a card by id and scrolls it into view.
    pub fn select(&mut self, cards: &Cards, id: &str) {
        self.selected = Some(id.to_string());
        self.ensure_visible(cards);
    }

    /// The card nearest the top-left, where selection starts.
    pub fn select_first(&mut self, cards: &Cards) {
        let first = cards
            .reachable()
            .into_iter()
            .min_by(|a, b| (a.1.x.hypot(a.1.y)).total_cmp(&b.1.x.hypot(b.1.y)))
            .map(|(i, _)| i);
        match first {
            Some(i) => self.select_index(cards, i),
            None => self.selected = None,
        }
    }

    /// Keeps the selection on a card that exists and matches the filter; a filter that
    /// matches nothing leaves it where it was.
    pub fn keep_selection(&mut self, cards: &Cards) {
        if cards.reachable().is_empty() && self.selected_card(cards).is_some() {
            return;
        }
        if self
            .selected_card(cards)
            .is_none_or(|d| !cards.filter.matches(d))
        {
            self.selected = None;
            self.select_first(cards);
        }
    }

    pub fn select_direction(&mut self, cards: &Cards, dir: Direction) -> bool {
        let Some(current) = self
            .selected_card(cards)
            .map(|d| (d.id.clone(), position(d)))
        else {
            self.select_first(cards);
            return true;
        };
        let others: Vec<(usize, CanvasPosition)> = cards
            .reachable()
            .into_iter()
            .filter(|(i, _)| cards.model.deployments[*i].id != current.0)
            .collect();
        match geometry::nearest_in_direction(current.1, dir, &others) {
            Some(i) => {
                self.select_index(cards, i);
                true
            }
            None => false,
        }
    }

    /// Tab order: reading order (top to bottom, then left to right).
    pub fn select_next(&mut self, cards: &Cards, forward: bool) -> bool {
        let mut order = cards.reachable();
        if order.is_empty() {
            return false;
        }
        order.sort_by(|a, b| a.1.y.total_cmp(&b.1.y).then(a.1.x.total_cmp(&b.1.x)));
        let at = self.selected.as_ref().and_then(|id| {
            order
                .iter()
                .position(|(i, _)| &cards.model.deployments[*i].id == id)
        });
        let n = order.len();
        let next = match (at, forward) {
            (None, _) => 0,
            (Some(k), true) => (k + 1) % n,
            (Some(k), false) => (k + n - 1) % n,
        };
        self.select_index(cards, order[next].0);
        true
    }

    /// Selects the next card, in reading order, that failed or was changed outside zopdeck;
    /// false when none is.
    pub fn select_next_unhealthy(&mut self, cards: &Cards) -> bool {
        let mut order: Vec<(usize, CanvasPosition)> = cards
            .model
            .deployments
            .iter()
            .enumerate()
            .filter(|(_, d)| d.status == DeploymentStatus::Failed || d.drift.is_some())
            .map(|(i, d)| (i, position(d)))
            .collect();
        if order.is_empty() {
            return false;
        }
        order.sort_by(|a, b| a.1.y.total_cmp(&b.1.y).then(a.1.x.total_cmp(&b.1.x)));
        let here = self.selected_card(cards).map(position);
        let next = here
            .and_then(|p| order.iter().find(|(_, q)| (q.y, q.x) > (p.y, p.x)).copied())
            .unwrap_or(order[0]);
        self.select_index(cards, next.0);
        true
    }

    /// Scrolls the view the least needed to show the selected card whole (when it fits).
    pub fn ensure_visible(&mut self, cards: &Cards) {
        if let Some(d) = self.selected_card(cards) {
            self.show(card_rect(d), cards.size);
        }
    }

    /// Scrolls the view the least needed to show `r` whole (when it fits).
    fn show(&mut self, r: Rect, (w, h): (u16, u16)) {
        let v = &mut self.viewport;
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

    /// Records a move in the session's history; a run of moves of one card while its write
    /// is still pending (`unsaved`) counts as one move.
    pub fn record(&mut self, id: &str, from: CanvasPosition, to: CanvasPosition, unsaved: bool) {
        self.redo.clear();
        if let Some([last]) = self.undo.last_mut().map(Vec::as_mut_slice)
            && last.id == id
            && last.to == from
            && unsaved
        {
            last.to = to;
            return;
        }
        self.undo.push(vec![Move {
            id: id.to_string(),
            from,
            to,
        }]);
    }

    /// Records moves made at once (a copied layout) as one step.
    pub fn record_step(&mut self, moves: Vec<Move>) {
        if !moves.is_empty() {
            self.redo.clear();
            self.undo.push(moves);
        }
    }

    /// Moves the selected card by whole cells (`unsaved`: its last move is not saved yet).
    pub fn move_selected(
        &mut self,
        cards: &Cards,
        dir: Direction,
        cells: i64,
        unsaved: impl Fn(&str) -> bool,
    ) -> Effects {
        let Some(d) = self.selected_card(cards) else {
            return vec![];
        };
        let (id, from) = (d.id.clone(), position(d));
        let (dx, dy) = match dir {
            Direction::Left => (-cells, 0),
            Direction::Right => (cells, 0),
            Direction::Up => (0, -cells),
            Direction::Down => (0, cells),
        };
        let v = self.viewport;
        let to = CanvasPosition {
            x: from.x + dx as f64 * v.px_per_col(),
            y: from.y + dy as f64 * v.px_per_row(),
        };
        if !to.is_valid() {
            return vec![Effect::error("the card is at the edge of the canvas")];
        }
        self.record(&id, from, to, unsaved(&id));
        self.show(Rect::card(to), cards.size);
        vec![Effect::Place { id, pos: to }]
    }

    pub fn undo(&mut self) -> Effects {
        let Some(step) = self.undo.pop() else {
            return vec![Effect::info("nothing to undo")];
        };
        let effects = replay(&step, |m| m.from, "undone");
        self.redo.push(step);
        effects
    }

    pub fn redo(&mut self) -> Effects {
        let Some(step) = self.redo.pop() else {
            return vec![Effect::info("nothing to redo")];
        };
        let effects = replay(&step, |m| m.to, "redone");
        self.undo.push(step);
        effects
    }

    pub fn pan(&mut self, (w, h): (u16, u16), dir: Direction) {
        let (cols, rows) = (i64::from(w / 4).max(1), i64::from(h / 4).max(1));
        match dir {
            Direction::Left => self.viewport.pan(-cols, 0),
            Direction::Right => self.viewport.pan(cols, 0),
            Direction::Up => self.viewport.pan(0, -rows),
            Direction::Down => self.viewport.pan(0, rows),
        }
    }

    pub fn zoom(&mut self, (w, h): (u16, u16), zoom: Zoom) {
        self.viewport.set_zoom(zoom, w, h);
    }

    /// The largest zoom at which every card fits, centred on them.
    pub fn fit(&mut self, cards: &Cards) {
        let rects: Vec<Rect> = cards.model.deployments.iter().map(card_rect).collect();
        let Some(first) = rects.first() else { return };
        let (mut x0, mut y0, mut x1, mut y1) =
            (first.x, first.y, first.x + first.w, first.y + first.h);
        for r in &rects {
            x0 = x0.min(r.x);
            y0 = y0.min(r.y);
            x1 = x1.max(r.x + r.w);
            y1 = y1.max(r.y + r.h);
        }
        let (w, h) = cards.size;
        let zoom = Zoom::ALL
            .into_iter()
            .rev()
            .find(|z| {
                let v = Viewport {
                    zoom: *z,
                    ..self.viewport
                };
                (x1 - x0) <= f64::from(w) * v.px_per_col()
                    && (y1 - y0) <= f64::from(h) * v.px_per_row()
            })
            .unwrap_or(Zoom::Quarter);
        let v = &mut self.viewport;
        v.zoom = zoom;
        v.origin_x = (x0 + x1) / 2.0 - f64::from(w) / 2.0 * v.px_per_col();
        v.origin_y = (y0 + y1) / 2.0 - f64::from(h) / 2.0 * v.px_per_row();
    }

    /// Fits the cards at `max` zoom at the most, their top-left corner at the view's (so
    /// that the lanes of a board line up).
    pub fn fit_top_left(&mut self, cards: &Cards, max: Zoom) {
        self.fit(cards);
        let v = &mut self.viewport;
        v.zoom = v.zoom.min(max);
        let rects: Vec<Rect> = cards.model.deployments.iter().map(card_rect).collect();
        let Some(first) = rects.first() else {
            return;
        };
        let bounds = rects.iter().fold(
            (first.x, first.y, first.x + first.w, first.y + first.h),
            |(x0, y0, x1, y1), r| {
                (
                    x0.min(r.x),
                    y0.min(r.y),
                    x1.max(r.x + r.w),
                    y1.max(r.y + r.h),
                )
            },
        );
        let (x0, y0, x1, y1) = bounds;
        let (w, h) = cards.size;
        // A cell of margin where it leaves every card whole.
        let margin_x = x1 - x0 + v.px_per_col() <= f64::from(w) * v.px_per_col();
        let margin_y = y1 - y0 + v.px_per_row() <= f64::from(h) * v.px_per_row();
        v.origin_x = x0 - if margin_x { v.px_per_col() } else { 0.0 };
        v.origin_y = y0 - if margin_y { v.px_per_row() } else { 0.0 };
    }

    /// A free spot near the centre of the view for a new card (`except`: the card itself,
    /// when it is on the canvas already).
    pub fn free_spot_in_view(&self, cards: &Cards, except: Option<&str>) -> CanvasPosition {
        let (w, h) = cards.size;
        let taken: Vec<CanvasPosition> = cards
            .model
            .deployments
            .iter()
            .filter(|d| Some(d.id.as_str()) != except)
            .map(position)
            .collect();
        let v = &self.viewport;
        let view = (
            v.origin_x,
            v.origin_y,
            v.origin_x + f64::from(w) * v.px_per_col(),
            v.origin_y + f64::from(h) * v.px_per_row(),
        );
        geometry::free_spot_in_view(&taken, view)
            .unwrap_or_else(|| geometry::free_spot(&taken, Some(v.centre(w, h))))
    }

    /// The topmost card under a canvas point: the selected card is drawn last, so it wins.
    pub fn card_at(&self, cards: &Cards, x: f64, y: f64) -> Option<String> {
        if let Some(d) = self.selected_card(cards)
            && card_rect(d).contains(x, y)
        {
            return Some(d.id.clone());
        }
        cards
            .model
            .deployments
            .iter()
            .rev()
            .find(|d| card_rect(d).contains(x, y))
            .map(|d| d.id.clone())
    }

    /// The mouse on the canvas (`row` counted from the canvas's top): click selects, dragging a
    /// card moves it (unless `read_only`), dragging empty canvas pans, the wheel pans. Returns
    /// whether anything changed, and the effects. A card being dragged moves on screen through
    /// `Effect::Show`, and is saved when dropped (`Effect::Place`).
    pub fn mouse(
        &mut self,
        cards: &Cards,
        m: &MouseEvent,
        row: u16,
        read_only: bool,
        unsaved: impl Fn(&str) -> bool,
    ) -> (bool, Effects) {
        let col = m.column;
        let (cx, cy) = self.viewport.to_canvas(i64::from(col), i64::from(row));
        let shift = m.modifiers.contains(KeyModifiers::SHIFT);
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) => {
                match self.card_at(cards, cx, cy) {
                    Some(id) => {
                        let from = cards
                            .model
                            .deployment(&id)
                            .map(position)
                            .unwrap_or(CanvasPosition { x: cx, y: cy });
                        self.selected = Some(id.clone());
                        self.drag = Some(Drag::Card {
                            id,
                            grab: (cx - from.x, cy - from.y),
                            from,
                        });
                    }
                    None => self.drag = Some(Drag::Pan { col, row }),
                }
                (true, vec![])
            }
            MouseEventKind::Drag(MouseButton::Left) => match self.drag.clone() {
                Some(Drag::Card { id, grab, .. }) => {
                    if read_only {
                        return (false, vec![]);
                    }
                    let pos = CanvasPosition {
                        x: cx - grab.0,
                        y: cy - grab.1,
                    };
                    if !pos.is_valid() {
                        return (false, vec![]);
                    }
                    (true, vec![Effect::Show { id, pos }])
                }
                Some(Drag::Pan { col: c0, row: r0 }) => {
                    self.viewport.pan(
                        i64::from(c0) - i64::from(col),
                        i64::from(r0) - i64::from(row),
                    );
                    self.drag = Some(Drag::Pan { col, row });
                    (true, vec![])
                }
                None => (false, vec![]),
            },
            MouseEventKind::Up(MouseButton::Left) => match self.drag.take() {
                Some(Drag::Card { id, from, .. }) => {
                    if read_only {
                        return (true, vec![Effect::error("read-only: moves are disabled")]);
                    }
                    let to = cards.model.deployment(&id).map(position).unwrap_or(from);
                    if to == from {
                        return (true, vec![]);
                    }
                    self.record(&id, from, to, unsaved(&id));
                    (true, vec![Effect::Place { id, pos: to }])
                }
                _ => (false, vec![]),
            },
            MouseEventKind::ScrollDown if shift => self.pan_by(4, 0),
            MouseEventKind::ScrollUp if shift => self.pan_by(-4, 0),
            MouseEventKind::ScrollDown => self.pan_by(0, 2),
            MouseEventKind::ScrollUp => self.pan_by(0, -2),
            MouseEventKind::ScrollRight => self.pan_by(4, 0),
            MouseEventKind::ScrollLeft => self.pan_by(-4, 0),
            _ => (false, vec![]),
        }
    }

    fn pan_by(&mut self, cols: i64, rows: i64) -> (bool, Effects) {
        self.viewport.pan(cols, rows);
        (true, vec![])
    }
}

/// Free spots for cards with no position, or sitting exactly on an earlier card.
pub fn auto_place(model: &Model) -> Effects {
    let mut taken: Vec<CanvasPosition> = Vec::new();
    let mut moves = Vec::new();
    for d in &model.deployments {
        match d
            .canvas_position
            .filter(|p| p.is_valid() && !taken.contains(p))
        {
            Some(p) => taken.push(p),
            None => moves.push(d.id.clone()),
        }
    }
    moves
        .into_iter()
        .map(|id| {
            let pos = geometry::free_spot(&taken, None);
            taken.push(pos);
            Effect::Place { id, pos }
        })
        .collect()
}
