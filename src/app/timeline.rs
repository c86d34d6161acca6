//! The timeline drawer: the selected deployment's events, live, following the tail unless
//! the user scrolled up.

use crate::backend::model::{Event, EventStatus, Stage, Timestamp};

#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub deployment_id: String,
    pub events: Vec<Event>,
    pub loaded: bool,
    /// `None`: follow the tail. `Some(n)`: the user scrolled; `n` rows up from the tail.
    pub scroll: Option<usize>,
    /// Events that arrived while scrolled up.
    pub unseen: usize,
    /// Absolute times instead of relative ones.
    pub absolute_times: bool,
}

impl Timeline {
    pub fn new(deployment_id: String) -> Self {
        Self {
            deployment_id,
            events: Vec::new(),
            loaded: false,
            scroll: None,
            unseen: 0,
            absolute_times: false,
        }
    }

    /// Adds events not seen yet, in order.
    pub fn add(&mut self, events: Vec<Event>) {
        for e in events {
            if self.events.iter().any(|x| x.id == e.id) {
                continue;
            }
            if self.scroll.is_some() {
                self.unseen += 1;
            }
            self.events.push(e);
        }
        self.events
            .sort_by_key(|e| crate::backend::model::ids::parse_event_id(&e.id).unwrap_or(i64::MAX));
    }

    /// The drawer's lines: each event, except that a run of progress events of one stage of
    /// one revision reads as one line that updates (the latest readiness and message), and
    /// the public address arriving keeps a line of its own.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let mut rows: Vec<Row> = Vec::new();
        for e in &self.events {
            let collapsible = e.status == EventStatus::Progress && !e.meta.contains_key("address");
            if let Some(last) = rows.last_mut()
                && collapsible
                && last.collapsible
                && last.event.stage == e.stage
                && last.event.revision_id == e.revision_id
            {
                last.event = e;
                last.updates += 1;
                continue;
            }
            rows.push(Row {
                event: e,
                updates: 1,
                since: e.created_at,
                collapsible,
            });
        }
        rows
    }

    /// Scrolls by `rows` (positive: towards older events). Back at the tail, it follows again.
    pub fn scroll_by(&mut self, rows: isize) {
        let max = self.rows().len().saturating_sub(1);
        let now = self.scroll.unwrap_or(0) as isize;
        let next = (now + rows).clamp(0, max as isize) as usize;
        if next == 0 {
            self.scroll = None;
            self.unseen = 0;
        } else {
            self.scroll = Some(next);
        }
    }

    pub fn to_top(&mut self) {
        self.scroll = Some(self.rows().len().saturating_sub(1)).filter(|n| *n > 0);
    }

    pub fn to_tail(&mut self) {
        self.scroll = None;
        self.unseen = 0;
    }

    /// The stages of the newest revision: how each stands and how long it took (or is taking).
    pub fn stage_strip(&self, now: Timestamp) -> Vec<StageState> {
        let Some(rev) = self.events.iter().rev().find_map(|e| e.revision_id.clone()) else {
            return Stage::ROLLOUT
                .iter()
                .map(|s| StageState {
                    stage: *s,
                    phase: Phase::Waiting,
                    elapsed: None,
                })
                .collect();
        };
        let events: Vec<&Event> = self
            .events
            .iter()
            .filter(|e| e.revision_id.as_deref() == Some(rev.as_str()))
            .collect();
        Stage::ROLLOUT
            .iter()
            .map(|&stage| {
                let of: Vec<&&Event> = events.iter().filter(|e| e.stage == stage).collect();
                let started = of.first().map(|e| e.created_at);
                let ended = of
                    .iter()
                    .find(|e| matches!(e.status, EventStatus::Succeeded | EventStatus::Failed));
                let phase = match (ended.map(|e| e.status), started) {
                    (Some(EventStatus::Failed), _) => Phase::Failed,
                    (Some(_), _) => Phase::Done,
                    (None, Some(_)) => Phase::Running,
                    (None, None) => Phase::Waiting,
                };
                let elapsed = started.map(|s| {
                    (ended.map_or(now, |e| e.created_at) - s)
                        .num_milliseconds()
                        .max(0)
                });
                StageState {
                    stage,
                    phase,
                    elapsed,
                }
            })
            .collect()
    }
}

/// One line of the drawer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row<'a> {
    /// The event shown (the latest of a collapsed run).
    pub event: &'a Event,
    /// How many events the line stands for.
    pub updates: usize,
    /// When the first of them came.
    pub since: Timestamp,
    collapsible: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Waiting,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageState {
    pub stage: Stage,
    pub phase: Phase,
    /// Milliseconds from the stage's start to its end (or to now while running).
    pub elapsed: Option<i64>,
}
