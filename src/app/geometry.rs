//! The canvas's geometry: canvas pixels ↔ terminal cells at a zoom, card rectangles,
//! directional neighbours and free spots. Pure functions, no terminal types.

use crate::backend::model::CanvasPosition;

/// Canvas pixels per terminal column and row at 100 % (the web canvas's layout carries over).
pub const PX_PER_COL: f64 = 8.0;
pub const PX_PER_ROW: f64 = 16.0;
/// A card's size in canvas pixels: 26 × 5 cells at 100 %.
pub const CARD_W: f64 = 208.0;
pub const CARD_H: f64 = 80.0;
/// Where auto-placed cards go: a grid from the top-left, one card plus a gap apart.
const GRID_ORIGIN: (f64, f64) = (64.0, 64.0);
const GRID_STEP: (f64, f64) = (CARD_W + 32.0, CARD_H + 32.0);

/// The zoom steps, from 25 % (a 64-card canvas fits 80×24) to 200 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub enum Zoom {
    Quarter,
    Half,
    ThreeQuarters,
    #[default]
    Full,
    OneAndHalf,
    Double,
}

impl Zoom {
    /// Every step, smallest first.
    pub const ALL: [Zoom; 6] = [
        Zoom::Quarter,
        Zoom::Half,
        Zoom::ThreeQuarters,
        Zoom::Full,
        Zoom::OneAndHalf,
        Zoom::Double,
    ];

    pub fn factor(self) -> f64 {
        match self {
            Self::Quarter => 0.25,
            Self::Half => 0.5,
            Self::ThreeQuarters => 0.75,
            Self::Full => 1.0,
            Self::OneAndHalf => 1.5,
            Self::Double => 2.0,
        }
    }
    pub fn percent(self) -> u16 {
        (self.factor() * 100.0) as u16
    }
    fn step(self, by: isize) -> Self {
        let at = Self::ALL.iter().position(|z| *z == self).unwrap_or(3) as isize;
        Self::ALL[(at + by).clamp(0, Self::ALL.len() as isize - 1) as usize]
    }
    pub fn zoom_in(self) -> Self {
        self.step(1)
    }
    pub fn zoom_out(self) -> Self {
        self.step(-1)
    }
}

/// What part of the canvas the screen shows: the canvas point at the top-left cell, and zoom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub origin_x: f64,
    pub origin_y: f64,
    pub zoom: Zoom,
}

impl Default for Viewport {
    fn default() -> Self {
        Self {
            origin_x: 0.0,
            origin_y: 0.0,
            zoom: Zoom::Full,
        }
    }
}

impl Viewport {
    pub fn px_per_col(&self) -> f64 {
        PX_PER_COL / self.zoom.factor()
    }
    pub fn px_per_row(&self) -> f64 {
        PX_PER_ROW / self.zoom.factor()
    }

    /// The cell (column, row) of a canvas point, relative to the canvas area's top-left.
    /// May be negative or beyond the area: the caller clips.
    pub fn to_cell(&self, x: f64, y: f64) -> (i64, i64) {
        (
            ((x - self.origin_x) / self.px_per_col()).floor() as i64,
            ((y - self.origin_y) / self.px_per_row()).floor() as i64,
        )
    }

    /// The canvas point at the top-left of a cell.
    pub fn to_canvas(&self, col: i64, row: i64) -> (f64, f64) {
        (
            self.origin_x + col as f64 * self.px_per_col(),
            self.origin_y + row as f64 * self.px_per_row(),
        )
    }

    /// A card's size in cells at this zoom.
    pub fn card_cells(&self) -> (u16, u16) {
        let z = self.zoom.factor();
        (
            (CARD_W / PX_PER_COL * z).round() as u16,
            (CARD_H / PX_PER_ROW * z).round().max(1.0) as u16,
        )
    }

    pub fn pan(&mut self, cols: i64, rows: i64) {
        self.origin_x += cols as f64 * self.px_per_col();
        self.origin_y += rows as f64 * self.px_per_row();
    }

    /// Changes the zoom keeping the canvas point at the centre of a `w`×`h` area in place.
    pub fn set_zoom(&mut self, zoom: Zoom, w: u16, h: u16) {
        let cx = self.origin_x + f64::from(w) / 2.0 * self.px_per_col();
        let cy = self.origin_y + f64::from(h) / 2.0 * self.px_per_row();
        self.zoom = zoom;
        self.origin_x = cx - f64::from(w) / 2.0 * self.px_per_col();
        self.origin_y = cy - f64::from(h) / 2.0 * self.px_per_row();
    }

    /// The canvas point at the centre of a `w`×`h` area.
    pub fn centre(&self, w: u16, h: u16) -> (f64, f64) {
        (
            self.origin_x + f64::from(w) / 2.0 * self.px_per_col(),
            self.origin_y + f64::from(h) / 2.0 * self.px_per_row(),
        )
    }
}

/// A card's rectangle in canvas pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn card(p: CanvasPosition) -> Self {
        Self {
            x: p.x,
            y: p.y,
            w: CARD_W,
            h: CARD_H,
        }
    }
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x && x < self.x + self.w && y >= self.y && y < self.y + self.h
    }
    pub fn centre(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Left,
    Right,
    Up,
    Down,
}

/// The index of the card nearest to `from` in a direction, as in a grid: the nearest card of
/// the same row (left/right) or column (up/down) — cards that overlap it across the move —
/// and only when there is none, the nearest in that half-plane, where sideways offset counts
/// double.
pub fn nearest_in_direction(
    from: CanvasPosition,
    dir: Direction,
    others: &[(usize, CanvasPosition)],
) -> Option<usize> {
    let (fx, fy) = Rect::card(from).centre();
    let ahead: Vec<(usize, f64, f64)> = others
        .iter()
        .filter_map(|&(i, p)| {
            let (x, y) = Rect::card(p).centre();
            let (along, across) = match dir {
                Direction::Right => (x - fx, y - fy),
                Direction::Left => (fx - x, y - fy),
                Direction::Down => (y - fy, x - fx),
                Direction::Up => (fy - y, x - fx),
            };
            (along > 0.5).then_some((i, along, across))
        })
        .collect();
    // The width of a row or a column: a card's extent across the move.
    let band = match dir {
        Direction::Left | Direction::Right => CARD_H,
        Direction::Up | Direction::Down => CARD_W,
    };
    let in_line = ahead
        .iter()
        .filter(|(_, _, across)| across.abs() < band)
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.2.abs().total_cmp(&b.2.abs())));
    in_line
        .or_else(|| {
            ahead.iter().min_by(|a, b| {
                // Rows are twice as tall as columns are wide in pixels per cell; weigh alike.
                (a.1 + 2.0 * a.2.abs()).total_cmp(&(b.1 + 2.0 * b.2.abs()))
            })
        })
        .map(|(i, _, _)| *i)
}

/// A free grid spot for a new card inside the visible part of the canvas (`x0, y0` to `x1,
/// y1`, in canvas pixels, the drawer left out): from the spot nearest the view's centre on, in
/// reading order (along its row, then the rows below, then from the view's top). `None` when
/// the view has no free spot.
pub fn free_spot_in_view(
    taken: &[CanvasPosition],
    (x0, y0, x1, y1): (f64, f64, f64, f64),
) -> Option<CanvasPosition> {
    let rects: Vec<Rect> = taken.iter().map(|p| Rect::card(*p)).collect();
    let first = |lo: f64, origin: f64, step: f64| ((lo - origin) / step).ceil() as i64;
    let last =
        |hi: f64, size: f64, origin: f64, step: f64| ((hi - size - origin) / step).floor() as i64;
    let (c0, c1) = (
        first(x0, GRID_ORIGIN.0, GRID_STEP.0),
        last(x1, CARD_W, GRID_ORIGIN.0, GRID_STEP.0),
    );
    let (r0, r1) = (
        first(y0, GRID_ORIGIN.1, GRID_STEP.1),
        last(y1, CARD_H, GRID_ORIGIN.1, GRID_STEP.1),
    );
    if c1 < c0 || r1 < r0 {
        return None;
    }
    let at = |c: i64, r: i64| CanvasPosition {
        x: GRID_ORIGIN.0 + c as f64 * GRID_STEP.0,
        y: GRID_ORIGIN.1 + r as f64 * GRID_STEP.1,
    };
    // The slot nearest the centre, then on in reading order, round to the top.
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let near_c = (((cx - CARD_W / 2.0 - GRID_ORIGIN.0) / GRID_STEP.0).round() as i64).clamp(c0, c1);
    let near_r = (((cy - CARD_H / 2.0 - GRID_ORIGIN.1) / GRID_STEP.1).round() as i64).clamp(r0, r1);
    let cols = c1 - c0 + 1;
    let slots = cols * (r1 - r0 + 1);
    let start = (near_r - r0) * cols + (near_c - c0);
    (0..slots)
        .map(|k| (start + k) % slots)
        .map(|n| at(c0 + n % cols, r0 + n / cols))
        .find(|p| !rects.iter().any(|r| r.overlaps(&Rect::card(*p))))
}

/// A free spot for a new card, scanning a grid from the top-left, nearest to `near` first.
pub fn free_spot(taken: &[CanvasPosition], near: Option<(f64, f64)>) -> CanvasPosition {
    let rects: Vec<Rect> = taken.iter().map(|p| Rect::card(*p)).collect();
    let free = |p: CanvasPosition| !rects.iter().any(|r| r.overlaps(&Rect::card(p)));
    let (ox, oy) = match near {
        Some((x, y)) => (
            GRID_ORIGIN.0
                + ((x - CARD_W / 2.0 - GRID_ORIGIN.0) / GRID_STEP.0).round() * GRID_STEP.0,
            GRID_ORIGIN.1
                + ((y - CARD_H / 2.0 - GRID_ORIGIN.1) / GRID_STEP.1).round() * GRID_STEP.1,
        ),
        None => GRID_ORIGIN,
    };
    // Spiral out ring by ring; the number of cards bounds how far we need to go.
    let max_ring = (taken.len() as i64 + 2).min(10_000);
    for ring in 0..=max_ring {
        for dy in -ring..=ring {
            for dx in -ring..=ring {
                if dx.abs() != ring && dy.abs() != ring {
                    continue;
                }
                let p = CanvasPosition {
                    x: ox + dx as f64 * GRID_STEP.0,
                    y: oy + dy as f64 * GRID_STEP.1,
                };
                if near.is_none() && (p.x < GRID_ORIGIN.0 || p.y < GRID_ORIGIN.1) {
                    continue;
                }
                if free(p) {
                    return p;
                }
            }
        }
    }
    CanvasPosition {
        x: ox,
        y: oy + (max_ring + 1) as f64 * GRID_STEP.1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f64, y: f64) -> CanvasPosition {
        CanvasPosition { x, y }
    }

    #[test]
    fn cells_and_pixels_map_both_ways() {
        let mut v = Viewport::default();
        assert_eq!(v.to_cell(320.0, 180.0), (40, 11));
        assert_eq!(v.card_cells(), (26, 5));
        v.zoom = Zoom::Double;
        assert_eq!(v.to_cell(320.0, 180.0), (80, 22));
        assert_eq!(v.card_cells(), (52, 10));
        v.zoom = Zoom::Half;
        assert_eq!(v.to_cell(320.0, 176.0), (20, 5));
        assert_eq!(v.card_cells(), (13, 3));
        assert_eq!(v.to_canvas(20, 5), (320.0, 160.0));
    }

    #[test]
    fn zoom_keeps_the_centre() {
        let mut v = Viewport::default();
        let before = v.centre(100, 40);
        v.set_zoom(Zoom::Double, 100, 40);
        let after = v.centre(100, 40);
        assert!((before.0 - after.0).abs() < 1e-9 && (before.1 - after.1).abs() < 1e-9);
    }

    #[test]
    fn directional_neighbours() {
        let cards = [
            (1, p(400.0, 0.0)),
            (2, p(0.0, 300.0)),
            (3, p(200.0, 600.0)),
            (4, p(800.0, 20.0)),
        ];
        let from = p(0.0, 0.0);
        assert_eq!(
            nearest_in_direction(from, Direction::Right, &cards),
            Some(1)
        );
        assert_eq!(nearest_in_direction(from, Direction::Down, &cards), Some(2));
        assert_eq!(nearest_in_direction(from, Direction::Left, &cards), None);
        assert_eq!(
            nearest_in_direction(p(400.0, 0.0), Direction::Right, &cards),
            Some(4)
        );
        assert_eq!(
            nearest_in_direction(p(400.0, 0.0), Direction::Left, &cards),
            Some(2)
        );
    }

    #[test]
    fn moving_as_in_a_grid_stays_in_the_row_or_column() {
        // A row of far cards and a nearer card one row down: right stays in the row.
        let cards = [
            (1, p(1200.0, 0.0)),
            (2, p(240.0, 112.0)),
            (3, p(0.0, 560.0)),
        ];
        assert_eq!(
            nearest_in_direction(p(0.0, 0.0), Direction::Right, &cards),
            Some(1)
        );
        // Down stays in the column, over a nearer card beside it.
        assert_eq!(
            nearest_in_direction(p(0.0, 0.0), Direction::Down, &cards),
            Some(3)
        );
        // Nothing in the row: the nearest ahead.
        assert_eq!(
            nearest_in_direction(p(0.0, 560.0), Direction::Right, &cards[..2]),
            Some(2)
        );
    }

    #[test]
    fn zoom_steps_from_a_quarter_to_double() {
        let mut z = Zoom::Full;
        let mut seen = vec![z.percent()];
        for _ in 0..6 {
            z = z.zoom_out();
            seen.push(z.percent());
        }
        assert_eq!(seen, [100, 75, 50, 25, 25, 25, 25]);
        assert_eq!(
            Zoom::Quarter.zoom_in().zoom_in().zoom_in().zoom_in(),
            Zoom::OneAndHalf
        );
        assert_eq!(Zoom::Double.zoom_in(), Zoom::Double);
    }

    #[test]
    fn sixty_new_cards_fill_the_view_in_reading_order_without_overlap() {
        // A view of 100×30 cells at 100 % from the canvas's top-left.
        let view = (0.0, 0.0, 800.0, 480.0);
        let mut taken = vec![p(64.0, 64.0)];
        let mut placed = Vec::new();
        while let Some(spot) = free_spot_in_view(&taken, view) {
            taken.push(spot);
            placed.push(spot);
        }
        // 3 columns × 4 rows of slots fit, one taken already.
        assert_eq!(
            placed.len(),
            11,
            "the view's free slots, then none: {placed:?}"
        );
        // Starting near the centre, along the row.
        assert!(placed[0].y >= 176.0, "{placed:?}");
        for (i, a) in taken.iter().enumerate() {
            assert!(a.x >= 0.0 && a.x + CARD_W <= 800.0 && a.y + CARD_H <= 480.0);
            for b in &taken[i + 1..] {
                assert!(!Rect::card(*a).overlaps(&Rect::card(*b)), "{a:?} {b:?}");
            }
        }
        // Outside the view, the spiral still finds a spot for the rest.
        for _ in 0..49 {
            let spot = free_spot(&taken, Some((400.0, 240.0)));
            assert!(
                taken
                    .iter()
                    .all(|t| !Rect::card(*t).overlaps(&Rect::card(spot)))
            );
            taken.push(spot);
        }
    }

    #[test]
    fn free_spots_avoid_cards() {
        let first = free_spot(&[], None);
        assert_eq!(first, p(64.0, 64.0));
        let second = free_spot(&[first], None);
        assert!(!Rect::card(second).overlaps(&Rect::card(first)));
        let many: Vec<CanvasPosition> = (0..50)
            .map(|i| p(64.0 + (i % 7) as f64 * 240.0, 64.0 + (i / 7) as f64 * 112.0))
            .collect();
        let spot = free_spot(&many, Some((500.0, 300.0)));
        assert!(
            many.iter()
                .all(|m| !Rect::card(*m).overlaps(&Rect::card(spot)))
        );
    }
}
