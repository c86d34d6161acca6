//! Polling, for a server that offers no live stream (or while it is down): one list request
//! for the shown environment per interval, and the open timeline's events after the last one
//! seen. What changed is applied as if it had been pushed.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::msg::{Cmd, PollError};
use super::state::{Connection, MessageKind, State};
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

/// Plans the next poll one interval from now, when polling is what keeps the screen current.
pub fn schedule(state: &mut State, now: Instant) {
    let polling = state.live == LiveMode::Polling
        && state.connection == Connection::Connected
        && state.environment.is_some();
    state.poll.next =
        (polling && state.poll.in_flight.is_none()).then(|| now + state.poll.interval);
}

/// The poll requests that came due.
pub fn due(state: &mut State, now: Instant) -> Vec<Cmd> {
    if state.poll.next.is_none_or(|at| at > now) {
        return vec![];
    }
    let Some(env) = state.environment.as_ref().map(|e| e.id.clone()) else {
        state.poll.next = None;
        return vec![];
    };
    state.poll.next = None;
    state.poll.in_flight = Some(state.deployments.iter().map(|d| d.id.clone()).collect());
    let read = state.next_read();
    let mut cmds = vec![Cmd::PollDeployments { env_id: env, read }];
    if let Some(t) = state.drawer.as_ref().filter(|t| t.loaded) {
        cmds.push(Cmd::LoadEvents {
            id: t.deployment_id.clone(),
            after: t.events.last().map(|e| e.id.clone()),
        });
    }
    cmds
}

/// Applies a poll's answer: changed and new deployments as changes, missing ones as deleted.
pub fn on_polled(
    state: &mut State,
    env_id: &str,
    read: u64,
    result: Result<Vec<Deployment>, PollError>,
    now: Instant,
) -> (bool, Vec<Cmd>) {
    let known = state.poll.in_flight.take().unwrap_or_default();
    let list = match result {
        Ok(list) => list,
        Err(PollError::Unreachable(why)) => {
            super::update::go_offline(state, &why, now);
            return (true, vec![]);
        }
        Err(PollError::Refused(why)) => {
            // Asking again would be refused again: stop until the user reloads.
            super::update::rejected(state, why);
            return (true, vec![]);
        }
        Err(PollError::Failed(why)) => {
            state.message = Some((
                format!("polling failed: {why}; trying again"),
                MessageKind::Error,
            ));
            schedule(state, now);
            return (true, vec![]);
        }
    };
    schedule(state, now);
    if state.environment.as_ref().is_none_or(|e| e.id != env_id) {
        // The user switched environments meanwhile; the switch loaded the new one.
        return (false, vec![]);
    }
    // What changed, found with one pass over each side (a poll may list thousands).
    let shown: HashMap<&str, &Deployment> = state
        .deployments
        .iter()
        .map(|d| (d.id.as_str(), d))
        .collect();
    let listed: HashSet<&str> = list.iter().map(|d| d.id.as_str()).collect();
    let gone: Vec<String> = known
        .into_iter()
        .filter(|id| !listed.contains(id.as_str()) && shown.contains_key(id.as_str()))
        .collect();
    let changes: Vec<Change> = list
        .iter()
        .filter_map(|d| {
            let shown = shown.get(d.id.as_str()).copied();
            let mut d = d.clone();
            if let Some(s) = shown.filter(|_| state.saved_since(&d.id, read)) {
                d.canvas_position = s.canvas_position;
            }
            differs(state, shown, &d).then(|| Change::Deployment { data: Box::new(d) })
        })
        .chain(
            gone.into_iter()
                .map(|deployment_id| Change::DeploymentDeleted { deployment_id }),
        )
        .collect();
    let mut redraw = false;
    let mut cmds = vec![];
    for change in changes {
        let (r, c) = super::update::on_change(state, change, now);
        redraw |= r;
        cmds.extend(c);
    }
    (redraw, cmds)
}

/// Whether the listed deployment differs from its card, if it has one (a position of ours
/// not yet saved does not count: it wins anyway).
fn differs(state: &State, shown: Option<&Deployment>, listed: &Deployment) -> bool {
    let Some(shown) = shown else {
        return true;
    };
    if state.pending.contains_key(&listed.id) || state.dragging(&listed.id) {
        return Deployment {
            canvas_position: shown.canvas_position,
            ..listed.clone()
        } != *shown;
    }
    shown != listed
}
