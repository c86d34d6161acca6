//! What a feature asks of the rest of the TUI, as values: a feature changes only its own
//! state and returns these; `update` carries them out (gitui's queue of internal events).

use super::keymap::Action;
use super::msg::Cmd;
use super::state::{MessageKind, Overlay};
use crate::backend::model::{CanvasPosition, Change, Deployment, Event};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Something to run outside: a backend call, the editor, the clipboard.
    Cmd(Cmd),
    /// A line for the status bar.
    Say(String, MessageKind),
    /// A line for the status bar, unless another is being shown (it is worth less).
    Note(String),
    /// Clear the status bar's line.
    Unsay,
    /// Select this card and scroll it into view.
    Select(String),
    /// Select the card nearest the top-left (after the selected one went away).
    SelectFirst,
    /// Open the drawer on the selected card, unless it shows it already.
    FollowInDrawer,
    CloseDrawer,
    /// Open this overlay (in place of any other).
    Open(Overlay),
    /// Close the open overlay.
    Close,
    /// Load the environment with this id or name (the shown one when `None`).
    Reload(Option<String>),
    /// Load the shown environment again, if one is shown.
    ReloadShown,
    /// Close the overlay and show this environment's canvas, from its top-left, unfiltered.
    ShowEnvironment(String),
    /// The backend cannot be reached: keep the last state, retry with back-off.
    Offline(String),
    /// The backend refused the token: ask nothing until the user reloads.
    Rejected(String),
    /// A change to show, as if the backend had pushed it.
    Change(Change),
    /// A card the backend just made, unless a pushed change brought it already.
    Add(Box<Deployment>),
    /// Put a card here: on screen at once, saved after its debounce.
    Place {
        id: String,
        pos: CanvasPosition,
    },
    /// Show a card here, without saving (it follows the pointer, or its save is pending).
    Show {
        id: String,
        pos: CanvasPosition,
    },
    /// Give a new card a free spot near the view's centre (and save it).
    PlaceNew(String),
    /// Select the first card when none is selected.
    SelectIfNone,
    /// Scroll the view so that the selected card is on screen (above the drawer).
    ShowSelected,
    /// A card went away: stop what waits on it, and move the selection off it.
    Gone(String),
    /// Events of a deployment for the drawer, if it shows that deployment.
    Timeline(String, Vec<Event>),
    /// Wait for this deployment's public address (if it is active, exposed, without one).
    WaitForAddress(String),
    /// Stop waiting for its address (it came, or a new rollout began).
    StopWaiting(String),
    /// Carry out an action (picked in the palette).
    Run(Action),
    /// Filter the cards by this text.
    Filter(String),
    /// Zoom the canvas to this step.
    Zoom(super::geometry::Zoom),
    /// Open the board on these environments (the shown one is always on it).
    OpenBoard(Vec<String>),
    /// Close the board: the focused lane's environment stays shown.
    CloseBoard,
    /// Give the keys to this lane of the board.
    FocusLane(usize),
    /// Record these moves, made at once, as one undo step.
    RecordStep(Vec<super::state::Move>),
    /// Handle this mouse event (again, once a lane has the keys).
    Mouse(crossterm::event::MouseEvent),
    /// Look this way (a built-in theme's name; the config's colours stay over it).
    Theme(String),
    Quit,
}

impl Effect {
    pub fn info(text: impl Into<String>) -> Self {
        Self::Say(text.into(), MessageKind::Info)
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self::Say(text.into(), MessageKind::Error)
    }

    /// The refusal of a changing action in read-only mode.
    pub fn read_only(what: &str) -> Self {
        Self::error(format!(
            "read-only: {what} is disabled (started with --read-only or read_only = true)"
        ))
    }
}

/// A feature's answer: its effects (empty: nothing beyond its own state changed).
pub type Effects = Vec<Effect>;
