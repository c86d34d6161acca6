//! What can happen to the TUI (`Msg`) and what it asks the outside world to do (`Cmd`).

use crossterm::event::KeyEvent;

use crate::backend::model::*;

/// Everything the screen shows about one environment, loaded in one go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub environment: Option<Environment>,
    pub space: Option<Space>,
    pub deployments: Vec<Deployment>,
    /// Revision number by revision id, for the revisions the deployments point at.
    pub revision_numbers: Vec<(String, u32)>,
    /// Latest rollout readiness (ready, desired) by deployment id.
    pub progress: Vec<(String, u32, u32)>,
    pub loadbalancers: Vec<(String, LoadBalancer)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// A fresh snapshot from the backend.
    Loaded(Box<Snapshot>),
    /// A change pushed by the backend.
    Changed(Change),
    /// The backend's feed skipped changes: reload.
    Missed,
    /// A revision's number, fetched for a deployment that moved to it.
    RevisionNumber(String, u32),
    /// A backend call failed.
    Failed(String),
    /// Animation tick (spinners); only sent while something animates.
    Tick,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    Reload,
    FetchRevision {
        deployment_id: String,
        revision_id: String,
    },
    Quit,
}
