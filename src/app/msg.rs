//! What can happen to the TUI (`Msg`) and what it asks the outside world to do (`Cmd`).

use std::collections::BTreeMap;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::backend::model::*;

/// Everything the screen shows about one environment, loaded in one go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub environments: Vec<Environment>,
    pub environment: Option<Environment>,
    pub space: Option<Space>,
    pub deployments: Vec<Deployment>,
    /// Revision number by revision id, for the revisions the deployments point at.
    pub revision_numbers: Vec<(String, u32)>,
    /// The image each of those revisions runs.
    pub revision_images: Vec<(String, String)>,
    /// Latest rollout readiness (ready, desired) by deployment id.
    pub progress: Vec<(String, u32, u32)>,
    pub loadbalancers: Vec<(String, LoadBalancer)>,
    /// Why the failed deployments failed.
    pub failures: Vec<(String, super::model::Failure)>,
    /// Whether another process runs the jobs (this TUI follows it).
    pub viewer: bool,
    /// How changes reach the TUI at the time of loading.
    pub live: crate::backend::LiveMode,
    /// The number of the read that loaded this (see `State::reads_sent`).
    pub read: u64,
}

/// How saving a position failed: `gone` when the deployment no longer exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveError {
    pub message: String,
    pub gone: bool,
}

/// Why a poll failed, by what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollError {
    /// The server cannot be reached: go offline and retry with back-off.
    Unreachable(String),
    /// The token was rejected or lacks the right: polling again would not help.
    Refused(String),
    /// Anything else: try again at the next interval.
    Failed(String),
}

impl From<crate::backend::BackendError> for PollError {
    fn from(e: crate::backend::BackendError) -> Self {
        use crate::backend::BackendError as E;
        match e {
            E::Unavailable(m) => Self::Unreachable(m),
            E::Unauthorized(_) | E::Forbidden(_) => Self::Refused(e.to_string()),
            other => Self::Failed(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// A fresh snapshot from the backend.
    Loaded(Box<Snapshot>),
    /// A fresh snapshot of a board lane's environment.
    LaneLoaded(Box<Snapshot>),
    /// A change pushed by the backend.
    Changed(Change),
    /// The backend's feed skipped changes: reload.
    Missed,
    /// The answer to a poll of an environment's deployments.
    Polled {
        env_id: String,
        read: u64,
        result: Result<Vec<Deployment>, PollError>,
    },
    /// A revision (its number and image), fetched for a deployment that moved to it.
    Revision(Box<Revision>),
    /// Why a deployment failed (with the revision still serving), fetched.
    FailureLoaded {
        id: String,
        failure: super::model::Failure,
    },
    /// Positions an earlier run could not save.
    OutboxLoaded(BTreeMap<String, CanvasPosition>),
    /// The backend answered a position write.
    Saved {
        id: String,
        pos: CanvasPosition,
        result: Result<(), SaveError>,
    },
    /// A backend call failed.
    Failed(String),
    /// The backend could not be reached (loading failed for want of a connection).
    Unreachable(String),
    /// The backend refused the token: stop asking until the user reloads.
    Rejected(String),
    /// Animation tick (spinners); only sent while something animates.
    Tick,
    /// A pending write or a LoadBalancer check came due.
    Timer,
    EventsLoaded {
        id: String,
        result: Result<Vec<Event>, String>,
    },
    RevisionsLoaded {
        id: String,
        result: Result<Vec<Revision>, String>,
    },
    RolledBack {
        id: String,
        result: Result<Revision, String>,
    },
    /// Who did what to a deployment (its audit log entries, newest first).
    HistoryLoaded {
        id: String,
        result: Result<Vec<AuditEntry>, String>,
    },
    /// What promoting a deployment to another environment would do.
    PromotionLoaded {
        source_id: String,
        result: Result<Box<super::promote::Plan>, String>,
    },
    /// A promotion's answer: the target's new revision.
    Promoted {
        target_id: String,
        env_id: String,
        result: Result<Revision, String>,
    },
    /// An environment's cards, by name and place (for taking its layout).
    LayoutLoaded {
        env_id: String,
        result: Result<Vec<(String, CanvasPosition)>, String>,
    },
    /// The missing target, created from the promoted revision.
    PromotedNew {
        env_id: String,
        result: Result<Deployment, String>,
    },
    LoadBalancerPolled {
        id: String,
        result: Result<LoadBalancer, String>,
    },
    Analyzed {
        id: String,
        result: Result<Vec<Warning>, String>,
    },
    TornDown {
        id: String,
        result: Result<TeardownReport, String>,
    },
    Created {
        result: Result<Deployment, String>,
    },
    /// The editor closed: the edited text (or why it could not run).
    Edited {
        id: String,
        result: Result<String, String>,
    },
    Patched {
        id: String,
        result: Result<(), String>,
    },
    /// The spaces view's backend call answered.
    Spaces(Box<super::spaces::Answer>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Load the environment with this id or name (the first one when `None`). The numbers of
    /// `known_revisions` are not asked for again: revisions never change.
    Reload {
        env: Option<String>,
        known_revisions: Vec<String>,
        /// Numbers the read; its answer carries the number back.
        read: u64,
    },
    /// Load a board lane's environment (its answer: `Msg::LaneLoaded`).
    LoadLane {
        env_id: String,
        known_revisions: Vec<String>,
        read: u64,
    },
    FetchRevision {
        deployment_id: String,
        revision_id: String,
    },
    /// Why a failed deployment failed, and which revision still serves.
    FetchFailure {
        id: String,
    },
    /// List an environment's deployments (polling, without a live stream).
    PollDeployments {
        env_id: String,
        read: u64,
    },
    SavePosition {
        id: String,
        pos: CanvasPosition,
    },
    /// Write the pending positions to disk.
    StoreOutbox(BTreeMap<String, CanvasPosition>),
    /// A deployment's events (after an event id).
    LoadEvents {
        id: String,
        after: Option<String>,
    },
    LoadRevisions {
        id: String,
    },
    Rollback {
        id: String,
        to: String,
    },
    /// Roll back to the revision of this number (typed in the palette).
    RollbackTo {
        id: String,
        number: u32,
    },
    /// The audit log's entries of a deployment.
    LoadHistory {
        id: String,
    },
    /// What promoting `source` to `to_env` would do (its active revision, the target's).
    LoadPromotion {
        source: Box<Deployment>,
        to_env: Box<Environment>,
    },
    Promote {
        target_id: String,
        env_id: String,
        from_revision_id: String,
    },
    /// An environment's cards and their places.
    LoadLayout {
        env_id: String,
    },
    /// Create the missing target of a promotion (in `env_id`).
    PromoteNew {
        env_id: String,
        req: Box<NewDeployment>,
    },
    PollLoadBalancer {
        id: String,
    },
    Analyze {
        id: String,
    },
    TearDown {
        id: String,
    },
    Create(Box<NewDeployment>),
    /// Suspend the TUI and edit this text in the user's editor.
    EditConfigs {
        id: String,
        text: String,
    },
    PatchConfigs {
        id: String,
        patch: serde_json::Value,
    },
    /// A call of the spaces view.
    Spaces(super::spaces::Call),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    Quit,
}
