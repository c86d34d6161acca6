//! Everything the TUI shows, owned by the event loop alone. Each feature keeps its own part
//! (`model`, `canvas`, `filter`, `saves`, `lb`, `poll`, `link`, `drafts`, the drawer and the
//! overlays); what one feature wants of another goes through `update` as an `Effect`.

use std::time::Instant;

use super::canvas::Canvas;
use super::configs_edit::Drafts;
use super::connection::Link;
use super::filter::Filter;
use super::keymap::Keymap;
use super::lb::LbWaits;
use super::model::Model;
use super::persist::Saves;
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

/// The audit log's entries of a deployment, as the detail panel shows them.
#[derive(Debug, Clone, PartialEq)]
pub enum History {
    Loading,
    Loaded(Vec<AuditEntry>),
    /// Why there is none to show (not an admin token, a server without the log, …).
    Unavailable(String),
}

/// The panel drawn over the canvas, with the state it owns.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The keys of where the user was (`back`, reopened on close), scrolled by `scroll` lines.
    Help {
        contexts: Vec<super::keymap::Context>,
        scroll: usize,
        back: Option<Box<Overlay>>,
    },
    /// Every action by name, or a command with its arguments (`rollback web 2`); `history`
    /// is how far back in the commands run before the query was recalled from.
    Palette {
        query: String,
        selected: usize,
        history: Option<usize>,
    },
    Environments {
        query: String,
        selected: usize,
    },
    Detail {
        id: String,
        scroll: usize,
        /// Who did what to it (the audit log of `zopdeck serve`).
        history: History,
    },
    ConfirmQuit,
    /// Revisions of a deployment, newest first (diff, rollback).
    Revisions(super::revisions::RevisionsPanel),
    LoadBalancer {
        id: String,
    },
    Analysis {
        id: String,
        warnings: Option<Vec<Warning>>,
        scroll: usize,
    },
    /// The create form.
    Create(Box<super::create_form::CreateForm>),
    /// An edited configs, shown as a diff before it is sent.
    ConfigDiff {
        id: String,
        edited: serde_json::Value,
        patch: serde_json::Value,
        scroll: usize,
        /// Opened by a one-key fix: no draft stays behind when it is declined.
        fix: bool,
    },
    /// Teardown asks for the deployment's name to be typed.
    Teardown {
        id: String,
        typed: String,
    },
    /// Spaces, their namespaces, environments, and the forms that create them.
    Spaces(Box<super::spaces::SpacesView>),
    /// The environments to put on the board.
    BoardPick(super::board::Pick),
    /// Promoting the selected card's revision to another environment.
    Promote(Box<super::promote::PromotePanel>),
    /// Taking another environment's card layout.
    Layout(Box<super::layout::LayoutCopy>),
    /// The fixes of a failed card, to choose from.
    Fix(super::fix::FixPick),
}

impl Overlay {
    /// The key contexts of this overlay, for its help (`?`).
    pub fn contexts(&self) -> Vec<super::keymap::Context> {
        use super::keymap::Context as C;
        match self {
            Overlay::Help { .. }
            | Overlay::Detail { .. }
            | Overlay::Analysis { .. }
            | Overlay::BoardPick(_)
            | Overlay::Fix(_) => vec![C::List],
            Overlay::Palette { .. } | Overlay::Environments { .. } => vec![C::Search],
            Overlay::ConfirmQuit => vec![C::Confirm],
            Overlay::ConfigDiff { .. } => vec![C::Confirm, C::List],
            Overlay::Revisions(_) => vec![C::Revisions, C::List, C::Confirm],
            Overlay::Promote(_) | Overlay::Layout(_) => vec![C::List, C::Confirm],
            Overlay::LoadBalancer { .. } => vec![C::LoadBalancer, C::List],
            Overlay::Create(_) | Overlay::Teardown { .. } => vec![C::Form],
            Overlay::Spaces(_) => vec![C::Spaces, C::List, C::Form, C::Search, C::Confirm],
        }
    }

    /// Whether characters typed in it are text (then `?` is typed, and F1 opens the help).
    pub fn takes_text(&self) -> bool {
        match self {
            Overlay::Palette { .. }
            | Overlay::Environments { .. }
            | Overlay::Create(_)
            | Overlay::Teardown { .. } => true,
            Overlay::Spaces(view) => view.form.is_some(),
            _ => false,
        }
    }
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
    /// The terminal's size in cells.
    pub screen: (u16, u16),
    /// Wall-clock time for relative times on screen; set by the event loop before drawing.
    pub now: Timestamp,
    /// Advances on each tick; drives spinners.
    pub spinner: usize,
    pub quit: bool,
    /// `--context`/`--namespace`: the environment to open, found once the catalog is loaded.
    pub start: Option<super::spaces::start::StartTarget>,
    /// The link to the backend: connected, offline (retrying), or refused.
    pub link: Link,
    /// What the backend says about the shown environment.
    pub model: Model,
    /// Reads of the environment (reloads and polls) sent so far; each is numbered by it.
    pub reads_sent: u64,
    /// Selection, viewport, dragging, undo.
    pub canvas: Canvas,
    pub filter: Filter,
    /// Card positions on their way to the backend.
    pub saves: Saves,
    /// Deployments waiting for their public address.
    pub lb: LbWaits,
    /// How changes reach the TUI when the backend does not push them.
    pub poll: super::poll::Poll,
    /// Edited configs not sent yet (invalid, failed or declined), by deployment.
    pub drafts: Drafts,
    /// The timeline drawer, when open; it follows the selected card.
    pub drawer: Option<Timeline>,
    pub overlay: Option<Overlay>,
    pub message: Option<(String, MessageKind)>,
    /// When the message has been read (it gives way to the footer's keys).
    pub message_until: Option<Instant>,
    /// The theme's name and the config's colours over it (the views resolve them).
    pub theme: crate::config::ThemeConfig,
    /// What was run from the palette, oldest first (recalled with its history keys).
    pub palette_history: Vec<String>,
    /// Environments side by side, when open.
    pub board: Option<super::board::Board>,
    /// The rollouts drawer is open (in the timeline drawer's place).
    pub rollouts_open: bool,
    /// The table view instead of the canvas.
    pub table: Option<super::table::TableView>,
    /// The environments last put on the board (ticked again next time).
    pub board_choice: Vec<String>,
}

impl State {
    pub fn new(backend_label: String, read_only: bool, keymap: Keymap) -> Self {
        Self {
            backend_label,
            read_only,
            keymap,
            screen: (80, 24),
            now: chrono::DateTime::from_timestamp(0, 0).unwrap_or_default(),
            spinner: 0,
            quit: false,
            start: None,
            link: Link::default(),
            model: Model::default(),
            reads_sent: 0,
            canvas: Canvas::default(),
            filter: Filter::default(),
            saves: Saves::default(),
            lb: LbWaits::default(),
            poll: super::poll::Poll::default(),
            drafts: Drafts::default(),
            drawer: None,
            overlay: None,
            message: None,
            message_until: None,
            theme: Default::default(),
            palette_history: Vec::new(),
            board: None,
            board_choice: Vec::new(),
            rollouts_open: false,
            table: None,
        }
    }

    /// Shows a message in the status bar for a while: a few seconds, longer for an error,
    /// and an offline or refused backend's until it changes.
    pub fn say(&mut self, text: String, kind: MessageKind, now: Instant) {
        let lasting = !self.link.connected();
        // Time to read it: a few seconds, and more for a long one.
        let secs = match kind {
            MessageKind::Info => 4,
            MessageKind::Error => 10,
        } + text.chars().count() as u64 / 25;
        self.message = Some((text, kind));
        self.message_until = (!lasting).then(|| now + std::time::Duration::from_secs(secs));
    }

    /// The canvas area in cells: everything between the header and the status bar.
    pub fn canvas_size(&self) -> (u16, u16) {
        (self.screen.0, self.screen.1.saturating_sub(2))
    }

    pub fn deployment(&self, id: &str) -> Option<&Deployment> {
        self.model.deployment(id)
    }

    pub fn selected_deployment(&self) -> Option<&Deployment> {
        self.deployment(self.canvas.selected.as_deref()?)
    }

    /// Whether anything on screen animates (and so needs ticks): spinners, the rollouts
    /// drawer's clocks.
    pub fn animating(&self) -> bool {
        let lanes = self
            .board
            .iter()
            .flat_map(|b| b.lanes.iter().map(|l| &l.model));
        std::iter::once(&self.model).chain(lanes).any(|m| {
            m.deployments
                .iter()
                .any(|d| d.status.is_in_progress() || m.waiting_for_address(&d.id))
        })
    }

    /// The next time a pending write or a LoadBalancer check is due, for the loop's timer.
    pub fn next_deadline(&self) -> Option<Instant> {
        // A pushing backend reports the address itself: the polls only wait.
        let polling = self.model.live == crate::backend::LiveMode::Polling;
        self.saves
            .next_due()
            .into_iter()
            .chain(self.lb.next_due().filter(|_| polling))
            .chain(self.link.retry_at)
            .chain(self.poll.next)
            .chain(self.message_until.filter(|_| self.message.is_some()))
            .chain(self.board.as_ref().and_then(|b| b.next_reload))
            .min()
    }

    /// Reloading the environment with this id or name (the shown one when `None`).
    pub fn reload(&mut self, env: Option<String>) -> super::msg::Cmd {
        super::msg::Cmd::Reload {
            env: env.or_else(|| self.model.environment.as_ref().map(|e| e.id.clone())),
            known_revisions: self.model.revision_numbers.keys().cloned().collect(),
            read: self.next_read(),
        }
    }

    /// Numbers a read of the environment about to be sent.
    pub fn next_read(&mut self) -> u64 {
        self.reads_sent += 1;
        self.reads_sent
    }

    /// What is wrong with the environment's cluster, as its last reachability probe said
    /// ("cluster kube-test unreachable: connection refused — check the kubeconfig context").
    pub fn space_trouble(&self) -> Option<String> {
        self.model.space_trouble()
    }

    /// How long until a relative time on screen ("12s ago") reads differently, measured from
    /// the `now` of the last frame: the loop redraws then, and not before.
    pub fn next_clock_change(&self) -> Option<std::time::Duration> {
        let t = self.drawer.as_ref()?;
        // The wait for a LoadBalancer's address, counted on screen in whole seconds.
        let lb_wait = self
            .model
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

    /// The part of the canvas area where cards show: above the open drawer; on the board,
    /// the focused lane's canvas.
    pub fn cards_area(&self) -> (u16, u16) {
        match &self.board {
            Some(b) => self
                .lane_canvases()
                .get(b.focus)
                .map_or((0, 0), |r| (r.width, r.height)),
            None => {
                let (w, h) = self.canvas_size();
                (w, h.saturating_sub(self.drawer_rows()))
            }
        }
    }

    /// The board's lanes on screen: below the header, above the line that compares the
    /// selected card across lanes, the drawer and the status bar.
    pub fn board_area(&self) -> ratatui::layout::Rect {
        let (w, h) = self.canvas_size();
        ratatui::layout::Rect::new(0, 1, w, h.saturating_sub(self.drawer_rows() + 1))
    }

    /// Each lane's canvas on screen (below its title line), in lane order.
    pub fn lane_canvases(&self) -> Vec<ratatui::layout::Rect> {
        let n = self.board.as_ref().map_or(0, |b| b.lanes.len());
        let area = self.board_area();
        let columns = super::board::in_columns(area.width, n);
        super::board::lane_areas(area, n)
            .into_iter()
            .enumerate()
            .map(|(i, r)| super::board::canvas_of(r, i == 0, columns))
            .collect()
    }

    /// Rows of the canvas area the open drawer takes (at the bottom).
    pub fn drawer_rows(&self) -> u16 {
        let h = self.canvas_size().1;
        match &self.drawer {
            Some(_) => (h * 2 / 5).max(8).min(h.saturating_sub(4)),
            None if self.rollouts_open => {
                let rows = super::rollouts::count(self) as u16;
                (rows + 2)
                    .clamp(4, (h * 2 / 5).max(4))
                    .min(h.saturating_sub(4))
            }
            None => 0,
        }
    }

    pub fn timeline_of(&self, id: &str) -> Option<&Timeline> {
        self.drawer.as_ref().filter(|t| t.deployment_id == id)
    }

    pub fn dragging(&self, id: &str) -> bool {
        self.canvas.dragging(id)
    }
}
