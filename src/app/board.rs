//! The board: environments side by side, each a lane with a live canvas of its own (its
//! cards, their stored layout, a selection and a viewport). The focused lane's model and
//! canvas are the state's own (`state.model`, `state.canvas`), so every canvas action works
//! in it unchanged; the other lanes are parked here and kept current by the same changes
//! (see `update::in_lane`).

use ratatui::layout::Rect;

use super::canvas::Canvas;
use super::effect::{Effect, Effects};
use super::keymap::{Action, Keymap};
use super::model::Model;
use super::state::Overlay;
use crate::backend::model::{Deployment, Environment};
use crossterm::event::KeyEvent;

/// A lane narrower than this puts the lanes in rows instead of columns.
pub const MIN_LANE_WIDTH: u16 = 40;
/// Lanes at the most (a wider choice is cut, saying so).
pub const MAX_LANES: usize = 4;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lane {
    pub env_id: String,
    /// The environment's name, known before its first load.
    pub name: String,
    /// Parked here while another lane has the focus; a placeholder while this one has it.
    pub model: Model,
    pub canvas: Canvas,
    /// Whether its first load has come (it is fitted to its lane then).
    pub loaded: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Board {
    pub lanes: Vec<Lane>,
    pub focus: usize,
    /// The canvas's viewport before the board opened, given back when it closes.
    pub before: super::geometry::Viewport,
    /// Without a live feed, when the parked lanes are loaded again.
    pub next_reload: Option<std::time::Instant>,
}

impl Board {
    /// The lane showing this environment.
    pub fn lane_of(&self, env_id: &str) -> Option<usize> {
        self.lanes.iter().position(|l| l.env_id == env_id)
    }

    /// The parked lanes (all but the focused one), with their index.
    pub fn parked(&self) -> impl Iterator<Item = (usize, &Lane)> {
        self.lanes
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i != self.focus)
    }
}

/// Whether `n` lanes go side by side (columns) in `width` columns.
pub fn in_columns(width: u16, n: usize) -> bool {
    n <= 1 || width / n.max(1) as u16 >= MIN_LANE_WIDTH
}

/// The lanes' areas in `area`: columns when each gets `MIN_LANE_WIDTH` columns, else rows.
pub fn lane_areas(area: Rect, n: usize) -> Vec<Rect> {
    let n16 = n.max(1) as u16;
    let columns = in_columns(area.width, n);
    (0..n16)
        .map(|i| {
            if columns {
                let x0 = area.x + area.width * i / n16;
                let x1 = area.x + area.width * (i + 1) / n16;
                Rect::new(x0, area.y, x1 - x0, area.height)
            } else {
                let y0 = area.y + area.height * i / n16;
                let y1 = area.y + area.height * (i + 1) / n16;
                Rect::new(area.x, y0, area.width, y1 - y0)
            }
        })
        .collect()
}

/// A lane's canvas: its area below the lane's title line, less the separator between
/// columns (the lane's first column).
pub fn canvas_of(lane: Rect, first: bool, columns: bool) -> Rect {
    let gap = u16::from(columns && !first);
    Rect::new(
        lane.x + gap,
        lane.y + 1,
        lane.width.saturating_sub(gap),
        lane.height.saturating_sub(1),
    )
}

/// The choice of environments for the board: each with whether it is on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    pub items: Vec<(Environment, bool)>,
    pub selected: usize,
    /// The shown environment: always on the board.
    pub shown: Option<String>,
}

impl Pick {
    /// Every environment, those of `chosen` (else the first `MAX_LANES`) ticked, the shown
    /// one always.
    pub fn new(envs: &[Environment], chosen: &[String], shown: Option<&str>) -> Self {
        let items = envs
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let on = Some(e.id.as_str()) == shown
                    || if chosen.is_empty() {
                        i < MAX_LANES
                    } else {
                        chosen.contains(&e.id)
                    };
                (e.clone(), on)
            })
            .collect();
        Self {
            items,
            selected: 0,
            shown: shown.map(str::to_string),
        }
    }

    pub fn chosen(&self) -> Vec<String> {
        self.items
            .iter()
            .filter(|(_, on)| *on)
            .map(|(e, _)| e.id.clone())
            .collect()
    }

    pub fn key(&mut self, km: &Keymap, key: &KeyEvent) -> Effects {
        let len = self.items.len();
        match super::keymap::choice(km, key, &mut self.selected, len, &[Action::Toggle]) {
            Some(Action::Close) => vec![Effect::Close],
            Some(Action::Toggle) => {
                let shown = self.shown.clone();
                let Some((env, on)) = self.items.get_mut(self.selected) else {
                    return vec![];
                };
                if Some(&env.id) == shown.as_ref() {
                    return vec![Effect::info(format!(
                        "{} is the environment shown: it is always on the board",
                        env.name
                    ))];
                }
                *on = !*on;
                vec![]
            }
            Some(Action::Choose) => {
                let chosen = self.chosen();
                if chosen.len() > MAX_LANES {
                    return vec![Effect::error(format!(
                        "{} environments ticked: the board shows at most {MAX_LANES}",
                        chosen.len()
                    ))];
                }
                vec![Effect::Close, Effect::OpenBoard(chosen)]
            }
            _ => vec![],
        }
    }
}

/// `E`: close the board when it is open; else pick its environments (or say why not).
pub fn toggle(board: Option<&Board>, pick: Option<Pick>) -> Effects {
    if board.is_some() {
        return vec![Effect::CloseBoard];
    }
    match pick {
        Some(p) if p.items.len() > 1 => vec![Effect::Open(Overlay::BoardPick(p))],
        _ => vec![Effect::info(
            "the board shows environments side by side, and there is one: create another \
             (s, then 3 and n)",
        )],
    }
}

/// What differs between a deployment and its namesakes in the other lanes: the image, the
/// revision, the configs' keys. `None` when they agree (or it has none).
pub fn drift(d: &Deployment, here: (&str, &Model), others: &[(&str, &Model)]) -> Option<String> {
    let image = |m: &Model, d: &Deployment| {
        m.image_of(d)
            .map(|i| i.rsplit(':').next().unwrap_or(i).to_string())
            .unwrap_or_else(|| "?".into())
    };
    let describe = |env: &str, m: &Model, d: &Deployment| {
        let rev = m
            .revision_number(d)
            .map_or(String::new(), |n| format!(" #{n}"));
        format!("{env}: {}{rev}", image(m, d))
    };
    let mut parts = vec![describe(here.0, here.1, d)];
    let mut keys: Vec<String> = Vec::new();
    let mut differs = false;
    let mine: serde_json::Value = serde_json::from_str(&d.configs).unwrap_or_default();
    for (env, m) in others {
        let Some(o) = m.deployments.iter().find(|o| o.name == d.name) else {
            continue;
        };
        parts.push(describe(env, m, o));
        differs |= here.1.image_of(d) != m.image_of(o);
        let theirs: serde_json::Value = serde_json::from_str(&o.configs).unwrap_or_default();
        for k in differing_keys(&mine, &theirs) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    if parts.len() < 2 || (!differs && keys.is_empty()) {
        return None;
    }
    let mut text = parts.join(" · ");
    if !keys.is_empty() {
        text.push_str(&format!(" · configs differ in {}", keys.join(", ")));
    }
    Some(text)
}

/// The top-level keys whose values differ between two configs objects.
fn differing_keys(a: &serde_json::Value, b: &serde_json::Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let (a, b) = (
        a.as_object().unwrap_or(&empty),
        b.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_are_columns_when_wide_and_rows_when_narrow() {
        let wide = lane_areas(Rect::new(0, 1, 160, 40), 3);
        assert_eq!(wide.iter().map(|r| r.width).sum::<u16>(), 160);
        assert!(wide.iter().all(|r| r.height == 40 && r.y == 1));
        let narrow = lane_areas(Rect::new(0, 1, 80, 22), 3);
        assert!(narrow.iter().all(|r| r.width == 80));
        assert_eq!(narrow.iter().map(|r| r.height).sum::<u16>(), 22);
        assert_eq!(narrow[1].y, narrow[0].y + narrow[0].height);
    }

    #[test]
    fn configs_keys_that_differ() {
        let a = serde_json::json!({"port": 8080, "replicas": 2, "envVars": {"A": "1"}});
        let b = serde_json::json!({"port": 8080, "replicas": 3, "expose": []});
        assert_eq!(differing_keys(&a, &b), ["envVars", "expose", "replicas"]);
    }
}
