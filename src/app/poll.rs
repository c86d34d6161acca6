//! Polling, for a server that offers no live stream (or while it is down): one list request
//! for the shown environment per interval, and the open timeline's events after the last one
//! seen. What changed is applied as if it had been pushed.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::effect::{Effect, Effects};
use super::model::Model;
use super::msg::PollError;
use super::persist::Saves;
use crate::backend::LiveMode;
use crate::backend::model::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    pub interval: Duration,
    /// When the next poll is due; `None` while one is in flight or when not polling.
    pub next: Option<Instant>,
    /// The deployments shown when the poll in flight was sent: only those can have been
    /// deleted by the time it answers (a card created meanwhile is not in its answer).
    pub in_flight: Option<HashSet<String>>,
}

impl Default for Poll {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            next: None,
            in_flight: None,
        }
    }
}

impl Poll {
    /// Plans the next poll one interval from now, when polling is what keeps the screen
    /// current (`polling`: no live feed, connected, an environment shown).
    pub fn schedule(&mut self, polling: bool, now: Instant) {
        self.next = (polling && self.in_flight.is_none()).then(|| now + self.interval);
    }

    /// Stops polling (offline, or refused).
    pub fn stop(&mut self) {
        self.next = None;
    }

    /// Whether a poll is due now; then it is taken, with the cards shown at this moment.
    pub fn take_due(&mut self, shown: &[Deployment], now: Instant) -> bool {
        if self.next.is_none_or(|at| at > now) {
            return false;
        }
        self.next = None;
        self.in_flight = Some(shown.iter().map(|d| d.id.clone()).collect());
        true
    }
}

/// Whether polling is what keeps the screen current.
pub fn polling(model: &Model, connected: bool) -> bool {
    model.live == LiveMode::Polling && connected && model.environment.is_some()
}

/// What a poll's answer changes, as effects: changed and new deployments as changes, missing
/// ones as deleted, an unreachable server as offline, a refused token as rejected.
/// `ours(id)`: the user has that card (dragging it, or a move not saved yet).
#[allow(clippy::too_many_arguments)]
pub fn on_polled(
    poll: &mut Poll,
    model: &Model,
    saves: &Saves,
    ours: impl Fn(&str) -> bool,
    env_id: &str,
    read: u64,
    result: Result<Vec<Deployment>, PollError>,
    now: Instant,
) -> Effects {
    let known = poll.in_flight.take().unwrap_or_default();
    let list = match result {
        Ok(list) => list,
        Err(PollError::Unreachable(why)) => return vec![Effect::Offline(why)],
        // Asking again would be refused again: stop until the user reloads.
        Err(PollError::Refused(why)) => return vec![Effect::Rejected(why)],
        Err(PollError::Failed(why)) => {
            poll.schedule(polling(model, true), now);
            return vec![Effect::error(format!(
                "polling failed: {why}; trying again"
            ))];
        }
    };
    poll.schedule(polling(model, true), now);
    if model.environment.as_ref().is_none_or(|e| e.id != env_id) {
        // The user switched environments meanwhile; the switch loaded the new one.
        return vec![];
    }
    // What changed, found with one pass over each side (a poll may list thousands).
    let shown: HashMap<&str, &Deployment> = model
        .deployments
        .iter()
        .map(|d| (d.id.as_str(), d))
        .collect();
    let listed: HashSet<&str> = list.iter().map(|d| d.id.as_str()).collect();
    let gone = known
        .into_iter()
        .filter(|id| !listed.contains(id.as_str()) && shown.contains_key(id.as_str()))
        .map(|deployment_id| Change::DeploymentDeleted { deployment_id });
    let changed = list.iter().filter_map(|d| {
        let shown = shown.get(d.id.as_str()).copied();
        let mut d = d.clone();
        if let Some(s) = shown.filter(|_| saves.saved_since(&d.id, read)) {
            d.canvas_position = s.canvas_position;
        }
        differs(shown, &d, ours(&d.id)).then(|| Change::Deployment { data: Box::new(d) })
    });
    changed.chain(gone).map(Effect::Change).collect()
}

/// Whether the listed deployment differs from its card, if it has one (a position of ours
/// not yet saved does not count: it wins anyway).
fn differs(shown: Option<&Deployment>, listed: &Deployment, ours: bool) -> bool {
    let Some(shown) = shown else {
        return true;
    };
    if ours {
        return Deployment {
            canvas_position: shown.canvas_position,
            ..listed.clone()
        } != *shown;
    }
    shown != listed
}
