//! Service connections drawn under the cards: box-drawing lines between the sides of two
//! cards, routed orthogonally through the space between cards (of a few candidate routes,
//! the one that crosses the fewest cards on screen), an arrowhead at the target, the
//! variable's name on the longest level stretch when there is room. The selected card's
//! edges are heavy; an edge to a failing card is dashed in the failure's colour. Edges
//! wholly off screen cost a bounds check.

use std::collections::HashMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::canvas::View;
use super::status::Palette;
use crate::app::canvas::position;
use crate::app::connections;
use crate::backend::model::DeploymentStatus;

/// A card's cells, relative to the canvas area: [x0, x1) × [y0, y1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cells {
    x0: i64,
    y0: i64,
    x1: i64,
    y1: i64,
}

impl Cells {
    fn mid(&self) -> (i64, i64) {
        ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)
    }
}

const N: u8 = 1;
const E: u8 = 2;
const S: u8 = 4;
const W: u8 = 8;

/// How an edge is drawn, by importance (a cell shared by several takes the highest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Plain,
    Failing,
    Selected,
}

/// The lines of the area: each cell's connections and kind.
struct Grid {
    w: i64,
    h: i64,
    cells: HashMap<(i64, i64), (u8, Kind)>,
}

impl Grid {
    fn inside(&self, (x, y): (i64, i64)) -> bool {
        x >= 0 && y >= 0 && x < self.w && y < self.h
    }

    fn mark(&mut self, at: (i64, i64), bits: u8, kind: Kind) {
        if self.inside(at) {
            let cell = self.cells.entry(at).or_insert((0, kind));
            cell.0 |= bits;
            cell.1 = cell.1.max(kind);
        }
    }
}

/// Which screen cells cards take, to route around them.
struct Occupied {
    w: i64,
    h: i64,
    bits: Vec<bool>,
}

impl Occupied {
    fn new(w: i64, h: i64, cards: impl Iterator<Item = Cells>) -> Self {
        let mut bits = vec![false; (w.max(0) * h.max(0)) as usize];
        for c in cards {
            for y in c.y0.max(0)..c.y1.min(h) {
                for x in c.x0.max(0)..c.x1.min(w) {
                    bits[(y * w + x) as usize] = true;
                }
            }
        }
        Self { w, h, bits }
    }

    fn taken(&self, x: i64, y: i64) -> bool {
        x >= 0 && y >= 0 && x < self.w && y < self.h && self.bits[(y * self.w + x) as usize]
    }

    /// Cards' cells a route crosses on screen.
    fn crossings(&self, route: &[(i64, i64)]) -> usize {
        route
            .windows(2)
            .map(|s| {
                cells_of(s[0], s[1])
                    .filter(|&(x, y)| self.taken(x, y))
                    .count()
            })
            .sum()
    }
}

/// The cells from `a` to `b` (a level or upright stretch), both ends included.
fn cells_of(a: (i64, i64), b: (i64, i64)) -> impl Iterator<Item = (i64, i64)> {
    let (dx, dy) = ((b.0 - a.0).signum(), (b.1 - a.1).signum());
    let n = (b.0 - a.0).abs().max((b.1 - a.1).abs());
    (0..=n).map(move |i| (a.0 + dx * i, a.1 + dy * i))
}

/// Candidate routes from card `s` to card `t`, as turning points; the first starts beside
/// `s` and the last ends beside `t`, where the arrowhead goes.
fn candidates(s: Cells, t: Cells) -> Vec<Vec<(i64, i64)>> {
    let (scx, scy) = s.mid();
    let (tcx, tcy) = t.mid();
    let mut out = Vec::new();
    let beside = t.x0 >= s.x1 + 2 || t.x1 + 2 <= s.x0;
    let stacked = t.y0 > s.y1 || t.y1 < s.y0;
    if beside {
        let right = t.x0 >= s.x1 + 2;
        let p0 = if right { (s.x1, scy) } else { (s.x0 - 1, scy) };
        let pe = if right { (t.x0 - 1, tcy) } else { (t.x1, tcy) };
        if p0.1 == pe.1 {
            out.push(vec![p0, pe]);
        }
        let step = if right { 1 } else { -1 };
        for x in [(p0.0 + pe.0) / 2, p0.0 + step, pe.0 - step] {
            out.push(vec![p0, (x, p0.1), (x, pe.1), pe]);
        }
    }
    if stacked {
        let down = t.y0 > s.y1;
        let p0 = if down { (scx, s.y1) } else { (scx, s.y0 - 1) };
        let pe = if down { (tcx, t.y0 - 1) } else { (tcx, t.y1) };
        if p0.0 == pe.0 {
            out.push(vec![p0, pe]);
        }
        let step = if down { 1 } else { -1 };
        for y in [(p0.1 + pe.1) / 2, p0.1 + step, pe.1 - step] {
            out.push(vec![p0, (p0.0, y), (pe.0, y), pe]);
        }
    }
    // Around: below both cards, or above both, into the target's bottom or top.
    let below = s.y1.max(t.y1);
    out.push(vec![(scx, s.y1), (scx, below), (tcx, below), (tcx, t.y1)]);
    let above = s.y0.min(t.y0) - 1;
    out.push(vec![
        (scx, s.y0 - 1),
        (scx, above),
        (tcx, above),
        (tcx, t.y0 - 1),
    ]);
    out.retain(|r| r.windows(2).all(|p| p[0].0 == p[1].0 || p[0].1 == p[1].1));
    out
}

/// The bit from cell `a` toward `b`, on the same row or column.
fn toward(a: (i64, i64), b: (i64, i64)) -> u8 {
    match ((b.0 - a.0).signum(), (b.1 - a.1).signum()) {
        (1, _) => E,
        (-1, _) => W,
        (_, 1) => S,
        _ => N,
    }
}

/// Where a route's arrowhead goes and how it points: along the route's last step (repeated
/// cells skipped), or — a route of one cell — at where the target lies.
fn arrowhead(route: &[(i64, i64)], t: Cells) -> Option<((i64, i64), char)> {
    let &end = route.last()?;
    let from = match route.iter().rev().find(|&&c| c != end) {
        Some(&before) => toward(before, end),
        None => toward(
            end,
            (end.0.clamp(t.x0, t.x1 - 1), end.1.clamp(t.y0, t.y1 - 1)),
        ),
    };
    let head = match from {
        E => '▶',
        W => '◀',
        S => '▼',
        _ => '▲',
    };
    Some((end, head))
}

fn opposite(bit: u8) -> u8 {
    match bit {
        N => S,
        S => N,
        E => W,
        _ => E,
    }
}

fn glyph(bits: u8, kind: Kind) -> char {
    let (h, v, corners) = match kind {
        Kind::Selected => ('━', '┃', ['┏', '┓', '┗', '┛', '┳', '┻', '┣', '┫', '╋']),
        Kind::Failing => ('┄', '┆', ['┌', '┐', '└', '┘', '┬', '┴', '├', '┤', '┼']),
        Kind::Plain => ('─', '│', ['┌', '┐', '└', '┘', '┬', '┴', '├', '┤', '┼']),
    };
    match bits {
        b if b == E | S => corners[0],
        b if b == W | S => corners[1],
        b if b == E | N => corners[2],
        b if b == W | N => corners[3],
        b if b == E | W | S => corners[4],
        b if b == E | W | N => corners[5],
        b if b == N | S | E => corners[6],
        b if b == N | S | W => corners[7],
        b if b == N | S | E | W => corners[8],
        b if b & (N | S) != 0 && b & (E | W) == 0 => v,
        _ => h,
    }
}

/// Draws the view's connections in `area`, under where the cards go.
pub fn render(view: &View, area: Rect, palette: &Palette, buf: &mut Buffer) {
    let edges = connections::edges(view.model);
    if edges.is_empty() {
        return;
    }
    let v = &view.canvas.viewport;
    let (cw, ch) = v.card_cells();
    let cells: HashMap<&str, Cells> = view
        .model
        .deployments
        .iter()
        .map(|d| {
            let p = position(d);
            let (x, y) = v.to_cell(p.x, p.y);
            let c = Cells {
                x0: x,
                y0: y,
                x1: x + i64::from(cw),
                y1: y + i64::from(ch),
            };
            (d.id.as_str(), c)
        })
        .collect();
    let (w, h) = (i64::from(area.width), i64::from(area.height));
    let on_screen = |c: &Cells| c.x1 > 0 && c.y1 > 0 && c.x0 < w && c.y0 < h;
    let occupied = Occupied::new(w, h, cells.values().copied().filter(on_screen));
    let selected = view.canvas.selected.as_deref().filter(|_| view.focused);
    let mut grid = Grid {
        w,
        h,
        cells: HashMap::new(),
    };
    let mut heads: Vec<((i64, i64), char, Kind)> = Vec::new();
    let mut labels: Vec<((i64, i64), String, Kind)> = Vec::new();
    for e in &edges {
        let (Some(&s), Some(&t)) = (cells.get(e.from.as_str()), cells.get(e.to.as_str())) else {
            continue;
        };
        // Off screen altogether: nothing to draw.
        let (x0, y0) = (s.x0.min(t.x0) - 2, s.y0.min(t.y0) - 2);
        let (x1, y1) = (s.x1.max(t.x1) + 2, s.y1.max(t.y1) + 2);
        if x1 < 0 || y1 < 0 || x0 >= w || y0 >= h {
            continue;
        }
        let Some(route) = candidates(s, t)
            .into_iter()
            .min_by_key(|r| occupied.crossings(r))
        else {
            continue;
        };
        let kind = if selected.is_some_and(|id| id == e.from || id == e.to) {
            Kind::Selected
        } else if connections::to_failing(view.model, e) {
            Kind::Failing
        } else {
            Kind::Plain
        };
        draw_route(&mut grid, &route, s, kind);
        if let Some((at, head)) = arrowhead(&route, t) {
            heads.push((at, head, kind));
        }
        if let Some(label) = &e.label {
            labels.extend(label_spot(&route, label, &occupied).map(|at| (at, label.clone(), kind)));
        }
    }
    let style = |kind: Kind| match kind {
        Kind::Plain => palette.dim(),
        Kind::Failing => palette.status(DeploymentStatus::Failed),
        Kind::Selected => palette.style(Style::default().add_modifier(Modifier::BOLD)),
    };
    for (&(x, y), &(bits, kind)) in &grid.cells {
        if let Some(cell) = buf.cell_mut((area.x + x as u16, area.y + y as u16)) {
            cell.set_char(glyph(bits, kind)).set_style(style(kind));
        }
    }
    for ((x, y), head, kind) in heads {
        if grid.inside((x, y))
            && let Some(cell) = buf.cell_mut((area.x + x as u16, area.y + y as u16))
        {
            cell.set_char(head).set_style(style(kind));
        }
    }
    for ((x, y), label, kind) in labels {
        buf.set_string(
            area.x + x as u16,
            area.y + y as u16,
            format!(" {label} "),
            style(kind).add_modifier(Modifier::ITALIC),
        );
    }
}

/// Marks a route's cells: each joined to the next, the first to the source card.
fn draw_route(grid: &mut Grid, route: &[(i64, i64)], s: Cells, kind: Kind) {
    let Some(&first) = route.first() else {
        return;
    };
    // The first cell leans on the card it leaves.
    let from_card = if first.0 >= s.x1 {
        W
    } else if first.0 < s.x0 {
        E
    } else if first.1 >= s.y1 {
        N
    } else {
        S
    };
    grid.mark(first, from_card, kind);
    for seg in route.windows(2) {
        let cells: Vec<(i64, i64)> = cells_of(seg[0], seg[1]).collect();
        for pair in cells.windows(2) {
            let bit = toward(pair[0], pair[1]);
            grid.mark(pair[0], bit, kind);
            grid.mark(pair[1], opposite(bit), kind);
        }
    }
}

/// Where a label fits: centred on the route's longest level stretch, on screen, over no
/// card, with a cell to spare at each end.
fn label_spot(route: &[(i64, i64)], label: &str, occupied: &Occupied) -> Option<(i64, i64)> {
    let width = label.chars().count() as i64 + 2;
    let (a, b) = route
        .windows(2)
        .filter(|s| s[0].1 == s[1].1)
        .map(|s| (s[0].0.min(s[1].0), s[0].0.max(s[1].0), s[0].1))
        .max_by_key(|(x0, x1, _)| x1 - x0)
        .map(|(x0, x1, y)| ((x0, y), (x1, y)))?;
    if b.0 - a.0 < width + 2 {
        return None;
    }
    let x = a.0 + (b.0 - a.0 - width) / 2;
    let y = a.1;
    let clear = (x..x + width).all(|cx| cx >= 0 && cx < occupied.w && !occupied.taken(cx, y));
    (clear && y >= 0 && y < occupied.h).then_some((x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrowheads_point_along_the_last_step_or_at_the_target() {
        let t = Cells {
            x0: 10,
            y0: 0,
            x1: 20,
            y1: 5,
        };
        // A repeated last cell (a step of no length) does not turn the head upwards.
        assert_eq!(
            arrowhead(&[(5, 2), (8, 2), (9, 2), (9, 2)], t),
            Some(((9, 2), '▶'))
        );
        assert_eq!(arrowhead(&[(9, 0), (9, 1)], t), Some(((9, 1), '▼')));
        // One cell: at the target, wherever it lies.
        assert_eq!(arrowhead(&[(9, 2)], t), Some(((9, 2), '▶')));
        assert_eq!(arrowhead(&[(21, 2)], t), Some(((21, 2), '◀')));
        assert_eq!(arrowhead(&[(12, 6)], t), Some(((12, 6), '▲')));
        assert_eq!(arrowhead(&[(12, -1)], t), Some(((12, -1), '▼')));
        assert_eq!(arrowhead(&[], t), None);
    }
}
