//! Everything the TUI shows, owned by the event loop alone.

use std::collections::HashMap;

use crate::backend::model::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    Error,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    /// "embedded (DIR)" or the remote URL.
    pub backend_label: String,
    pub read_only: bool,
    /// Whether the first snapshot has arrived.
    pub loaded: bool,
    pub environment: Option<Environment>,
    pub space: Option<Space>,
    pub deployments: Vec<Deployment>,
    pub revision_numbers: HashMap<String, u32>,
    pub progress: HashMap<String, (u32, u32)>,
    pub loadbalancers: HashMap<String, LoadBalancer>,
    pub selected: Option<String>,
    pub message: Option<(String, MessageKind)>,
    /// Advances on each tick; drives spinners.
    pub spinner: usize,
    pub quit: bool,
}

impl State {
    pub fn new(backend_label: String, read_only: bool) -> Self {
        Self {
            backend_label,
            read_only,
            ..Default::default()
        }
    }

    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected.as_deref()?;
        self.deployments.iter().position(|d| d.id == id)
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
}
