//! Everything the TUI shows, owned by the event loop alone.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use super::geometry::{Rect, Viewport};
use super::keymap::Keymap;
use super::lb::LbPoll;
use super::timeline::Timeline;
use crate::backend::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    Error,
}

/// A canvas position waiting to be saved by the backend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PendingWrite {
    pub pos: CanvasPosition,
    /// When to send it (debounce, then back-off after failures).
    pub due: Instant,
    pub attempt: u32,
    pub in_flight: bool,
}

/// One card move of the session, for undo and redo.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub id: String,
    pub from: CanvasPosition,
    pub to: CanvasPosition,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Drag {
    /// A card follows the pointer; `grab` is the pointer's offset inside the card (px).
    Card {
        id: String,
        grab: (f64, f64),
        from: CanvasPosition,
    },
    /// Empty canvas: the view follows the pointer.
    Pan { col: u16, row: u16 },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Palette {
        query: String,
        selected: usize,
    },
    Environments {
        query: String,
        selected: usize,
    },
    Detail {
        id: String,
    },
    ConfirmQuit,
    /// Revisions of a deployment, newest first; `diff` shows the selected one against the
    /// current; `confirm` asks before a rollback.
    Revisions {
        id: String,
        list: Vec<Revision>,
        loaded: bool,
        selected: usize,
        diff: bool,
        confirm: bool,
    },
    LoadBalancer {
        id: String,
    },
    Analysis {
        id: String,
        warnings: Option<Vec<Warning>>,
    },
    /// The create form.
    Create(Box<super::create_form::CreateForm>),
    /// An edited configs, shown as a diff before it is sent.
    ConfigDiff {
        id: String,
        edited: serde_json::Value,
        patch: serde_json::Value,
    },
    /// Teardown asks for the deployment's name to be typed.
    Teardown {
        id: String,
        typed: String,
    },
    /// Spaces, their namespaces, environments, and the forms that create them.
    Spaces(Box<super::spaces::SpacesView>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connected,
    Offline(String),
    /// The server refused the token (or its rights): nothing is asked again until the user
    /// reloads (after `zopdeck login`).
    Rejected(String),
}

#[derive(Debug, Clone)]
pub struct State {
    /// "embedded engine · DIR" or the remote URL.
    pub backend_label: String,
    pub read_only: bool,
    pub keymap: Keymap,
    /// Whether the first snapshot has arrived.
    pub loaded: bool,
    pub connection: Connection,
    pub environments: Vec<Environment>,
    pub environment: Option<Environment>,
    pub space: Option<Space>,
    /// The environment's deployments, in drawing order.
    pub deployments: Vec<Deployment>,
    pub revision_numbers: HashMap<String, u32>,
    pub progress: HashMap<String, (u32, u32)>,
    pub loadbalancers: HashMap<String, LoadBalancer>,
    pub selected: Option<String>,
    pub viewport: Viewport,
    /// The terminal's size in cells.
    pub screen: (u16, u16),
    pub drag: Option<Drag>,
    pub pending: BTreeMap<String, PendingWrite>,
    pub undo: Vec<Move>,
    pub redo: Vec<Move>,
    pub filter: String,
    pub filter_editing: bool,
    pub overlay: Option<Overlay>,
    pub message: Option<(String, MessageKind)>,
    /// Edited configs not sent yet (invalid, failed or declined), by deployment.
    pub config_drafts: HashMap<String, String>,
    /// The timeline drawer, when open; it follows the selected card.
    pub drawer: Option<Timeline>,
    /// Deployments waiting for their public address.
    pub lb_polls: HashMap<String, LbPoll>,
    /// Wall-clock time for relative times on screen; set by the event loop before drawing.
    pub now: Timestamp,
    /// How changes reach the TUI: pushed, streamed, or polled (`poll`).
    pub live: crate::backend::LiveMode,
    pub poll: super::poll::Poll,
    /// Reads of the environment (reloads and polls) sent so far; each is numbered by it.
    pub reads_sent: u64,
    /// Cards whose position was saved, with `reads_sent` at that moment: an answer to a read
    /// numbered up to that may predate the save, and does not move the card back.
    pub saved_after_read: HashMap<String, u64>,
    /// When to try reaching an unreachable backend again, and the delay used last.
    pub retry_at: Option<Instant>,
    pub retry_delay: std::time::Duration,
    /// Seed of the jitter of LoadBalancer back-off.
    pub rng: u64,
    /// Advances on each tick; drives spinners.
    pub spinner: usize,
    pub quit: bool,
    /// `--context`/`--namespace`: the environment to open, found once the catalog is loaded.
    pub start: Option<super::spaces::start::StartTarget>,
}

impl State {
    pub fn new(backend_label: String, read_only: bool, keymap: Keymap) -> Self {
        Self {
            backend_label,
            read_only,
            keymap,
            loaded: false,
            connection: Connection::Connected,
            environments: Vec::new(),
            environment: None,
            space: None,
            deployments: Vec::new(),
            revision_numbers: HashMap::new(),
            progress: HashMap::new(),
            loadbalancers: HashMap::new(),
            selected: None,
            viewport: Viewport::default(),
            screen: (80, 24),
            drag: None,
            pending: BTreeMap::new(),
            undo: Vec::new(),
            redo: Vec::new(),
            filter: String::new(),
            filter_editing: false,
            overlay: None,
            message: None,
            config_drafts: HashMap::new(),
            drawer: None,
            lb_polls: HashMap::new(),
            live: crate::backend::LiveMode::Pushed,
            poll: super::poll::Poll::default(),
            reads_sent: 0,
            saved_after_read: HashMap::new(),
            now: chrono::DateTime::from_timestamp(0, 0).unwrap_or_default(),
            rng: 0x9E37_79B9_7F4A_7C15,
            retry_at: None,
            retry_delay: std::time::Duration::ZERO,
            spinner: 0,
            quit: false,
            start: None,
        }
    }

    /// The canvas area in cells: everything between the header and the status bar.
    pub fn canvas_size(&self) -> (u16, u16) {
        (self.screen.0, self.screen.1.saturating_sub(2))
    }

    pub fn deployment(&self, id: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.id == id)
    }

    pub fn selected_deployment(&self) -> Option<&Deployment> {
        self.deployment(self.selected.as_deref()?)
    }

    /// A card's position: every card has one once loaded (auto-placed when missing).
    pub fn position(&self, d: &Deployment) -> CanvasPosition {
        d.canvas_position
            .unwrap_or(CanvasPosition { x: 0.0, y: 0.0 })
    }

    pub fn card_rect(&self, d: &Deployment) -> Rect {
        Rect::card(self.position(d))
    }

    /// Whether a card matches the filter (always, without one).
    pub fn matches_filter(&self, d: &Deployment) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let f = self.filter.to_lowercase();
        d.name.to_lowercase().contains(&f) || d.status.as_str().contains(&f) || {
            let word = crate::views::status::status_word(d.status);
            word.contains(&f)
        }
    }

    /// Whether anything on screen animates (and so needs ticks).
    pub fn animating(&self) -> bool {
        self.deployments
            .iter()
            .any(|d| d.status.is_in_progress() || self.waiting_for_address(&d.id))
    }

    pub fn waiting_for_address(&self, id: &str) -> bool {
        self.loadbalancers
            .get(id)
            .is_some_and(|lb| lb.status == LbStatus::Pending)
    }

    pub fn revision_number(&self, d: &Deployment) -> Option<u32> {
        d.current_revision_id
            .as_ref()
            .and_then(|r| self.revision_numbers.get(r))
            .copied()
    }

    /// The next time a pending write or a LoadBalancer check is due, for the loop's timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        let writes = self
            .pending
            .values()
            .filter(|p| !p.in_flight)
            .map(|p| p.due);
        // A pushing backend reports the address itself: the polls only wait.
        let polling = self.live == crate::backend::LiveMode::Polling;
        let polls = self
            .lb_polls
            .values()
            .filter(|p| polling && !p.in_flight)
            .map(|p| p.next);
        writes
            .chain(polls)
            .chain(self.retry_at)
            .chain(self.poll.next)
            .min()
    }

    /// Reloading the environment with this id or name (the shown one when `None`).
    pub fn reload(&mut self, env: Option<String>) -> super::msg::Cmd {
        super::msg::Cmd::Reload {
            env: env.or_else(|| self.environment.as_ref().map(|e| e.id.clone())),
            known_revisions: self.revision_numbers.keys().cloned().collect(),
            read: self.next_read(),
        }
    }

    /// Numbers a read of the environment about to be sent.
    pub fn next_read(&mut self) -> u64 {
        self.reads_sent += 1;
        self.reads_sent
    }

    /// Whether the answer to read `read` may predate the last save of this card's position.
    pub fn saved_since(&self, id: &str, read: u64) -> bool {
        self.saved_after_read.get(id).is_some_and(|&r| r >= read)
    }

    /// What is wrong with the environment's cluster, as its last reachability probe said
    /// ("cluster kube-test unreachable: connection refused — check the kubeconfig context").
    pub fn space_trouble(&self) -> Option<String> {
        let space = self.space.as_ref()?;
        let r = space.reachability.as_ref()?;
        (r.status != crate::backend::model::ReachabilityStatus::Reachable).then(|| {
            r.message
                .clone()
                .unwrap_or_else(|| format!("space {} is {}", space.name, r.status.as_str()))
        })
    }

    /// How long until a relative time on screen ("12s ago") reads differently, measured from
    /// the `now` of the last frame: the loop redraws then, and not before.
    pub fn next_clock_change(&self) -> Option<std::time::Duration> {
        let t = self.drawer.as_ref()?;
        // The wait for a LoadBalancer's address, counted on screen in whole seconds.
        let lb_wait = self
            .loadbalancers
            .get(&t.deployment_id)
            .filter(|lb| lb.status == crate::backend::model::LbStatus::Pending)
            .and_then(|lb| lb.pending.as_ref()?.since);
        let event_times = t
            .events
            .iter()
            .rev()
            .take(if t.absolute_times { 0 } else { 500 })
            .map(|e| e.created_at);
        lb_wait
            .into_iter()
            .chain(event_times)
            .map(|at| {
                let age = (self.now - at).num_milliseconds().max(0);
                let unit = match age {
                    a if a < 60_000 => 1_000,
                    a if a < 3_600_000 => 60_000,
                    _ => 3_600_000,
                };
                unit - age % unit
            })
            .min()
            .map(|ms| std::time::Duration::from_millis(ms as u64))
    }

    /// A number in [0, 1) for jitter (xorshift; deterministic for a given seed).
    pub fn next_random(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Rows of the canvas area the open drawer takes (at the bottom).
    pub fn drawer_rows(&self) -> u16 {
        let h = self.canvas_size().1;
        match &self.drawer {
            Some(_) => (h * 2 / 5).max(8).min(h.saturating_sub(4)),
            None => 0,
        }
    }

    pub fn timeline_of(&self, id: &str) -> Option<&Timeline> {
        self.drawer.as_ref().filter(|t| t.deployment_id == id)
    }

    pub fn dragging(&self, id: &str) -> bool {
        matches!(&self.drag, Some(Drag::Card { id: d, .. }) if d == id)
    }
}
