//! Waiting for a LoadBalancer's address: after a revision goes active on a deployment that
//! exposes ports. A backend that pushes its changes (the engine, a server's stream) reports the
//! address itself, so nothing is asked. When polling, ask after 1 s, then back off (×2 with up
//! to 10 % jitter, at most 30 s), never more than one request in flight per deployment, and
//! stop as soon as it is ready.

use std::time::{Duration, Instant};

use std::collections::HashMap;

use super::model::Model;
use super::msg::Cmd;
use super::state::State;
use crate::backend::model::{Deployment, DeploymentStatus, LbStatus, LoadBalancer};

pub const FIRST_CHECK: Duration = Duration::from_secs(1);
pub const MAX_DELAY: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbPoll {
    /// When the wait began (the deployment became active).
    pub since: Instant,
    pub next: Instant,
    /// The last delay used; the next one doubles it.
    pub delay: Duration,
    pub in_flight: bool,
    pub requests: u32,
}

/// Whether the deployment's configs expose ports (and so get a LoadBalancer).
pub fn exposes(d: &Deployment) -> bool {
    serde_json::from_str::<serde_json::Value>(&d.configs)
        .ok()
        .and_then(|v| {
            v.get("expose")
                .and_then(|e| e.as_array())
                .map(|a| !a.is_empty())
        })
        .unwrap_or(false)
}

/// The deployments waiting for their address, and the seed of the back-off's jitter.
#[derive(Debug, Clone, PartialEq)]
pub struct LbWaits {
    pub polls: HashMap<String, LbPoll>,
    /// Seed of the jitter of the back-off (xorshift; deterministic for a given seed).
    pub rng: u64,
}

impl Default for LbWaits {
    fn default() -> Self {
        Self {
            polls: HashMap::new(),
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }
}

impl LbWaits {
    /// Starts waiting for an address if the deployment is active, exposed, and has none yet.
    /// Returns whether it started (the card then shows the wait).
    pub fn maybe_start(&mut self, model: &Model, id: &str, now: Instant) -> bool {
        let Some(d) = model.deployment(id) else {
            return false;
        };
        let ready = model
            .loadbalancers
            .get(id)
            .is_some_and(|lb| lb.status == LbStatus::Ready);
        if d.status != DeploymentStatus::Active
            || !exposes(d)
            || ready
            || self.polls.contains_key(id)
        {
            return false;
        }
        self.polls.insert(
            id.to_string(),
            LbPoll {
                since: now,
                next: now + FIRST_CHECK,
                delay: FIRST_CHECK,
                in_flight: false,
                requests: 0,
            },
        );
        true
    }

    /// When the next check is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.polls
            .values()
            .filter(|p| !p.in_flight)
            .map(|p| p.next)
            .min()
    }

    /// Requests for the polls that are due (none unless the backend must be polled).
    pub fn due(&mut self, polling: bool, now: Instant) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        if !polling {
            return cmds;
        }
        for (id, p) in self.polls.iter_mut() {
            if !p.in_flight && p.next <= now {
                p.in_flight = true;
                p.requests += 1;
                cmds.push(Cmd::PollLoadBalancer { id: id.clone() });
            }
        }
        cmds
    }

    /// A poll answered: the LoadBalancer to show, if it answered. The next delay doubles,
    /// spread by up to 10 % of jitter.
    pub fn on_polled(
        &mut self,
        id: &str,
        result: Result<LoadBalancer, String>,
        now: Instant,
    ) -> Option<LoadBalancer> {
        let jitter = self.next_random();
        let p = self.polls.get_mut(id)?;
        p.in_flight = false;
        if let Ok(lb) = &result
            && lb.status != LbStatus::Pending
        {
            self.polls.remove(id);
            return result.ok();
        }
        let doubled = if p.requests <= 1 {
            FIRST_CHECK * 2
        } else {
            p.delay * 2
        };
        let base = doubled.min(MAX_DELAY);
        p.delay = base;
        p.next = now + base.mul_f64(1.0 + 0.1 * jitter.clamp(0.0, 1.0));
        result.ok()
    }

    /// Stops waiting (the address arrived another way, or the deployment is gone).
    pub fn stop(&mut self, id: &str) {
        self.polls.remove(id);
    }

    /// A number in [0, 1) for jitter (xorshift).
    fn next_random(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// "42 s", "3 min", "2 h": as precise as the screen is redrawn for (`next_clock_change`).
pub fn waited_text(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

/// A wait for an address as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLb {
    /// "Waiting for public address… 3 min", and when polling, when the next check is.
    pub wait: String,
    /// Why it still waits, where the cluster says (the Service's latest event).
    pub reason: Option<String>,
}

/// The wait for an address, `None` when nothing waits. How long: since the backend says the
/// wait began (the Service's creation on a cluster), else since this screen began waiting.
pub fn pending_text(state: &State, id: &str, now: Instant) -> Option<PendingLb> {
    let lb = state.model.loadbalancers.get(id);
    let poll = state.lb.polls.get(id);
    if lb.is_some_and(|lb| lb.status != LbStatus::Pending) || (lb.is_none() && poll.is_none()) {
        return None;
    }
    let pending = lb.and_then(|lb| lb.pending.as_ref());
    let waited = pending
        .and_then(|p| p.since)
        .map(|since| (state.now - since).num_seconds().max(0) as u64)
        .or_else(|| poll.map(|p| now.saturating_duration_since(p.since).as_secs()));
    let mut wait = String::from("Waiting for public address…");
    if let Some(w) = waited {
        wait.push(' ');
        wait.push_str(&waited_text(w));
    }
    if let Some(p) = poll.filter(|_| state.model.live == crate::backend::LiveMode::Polling) {
        if p.in_flight {
            wait.push_str(", checking now");
        } else {
            wait.push_str(&format!(
                ", next check in {} s",
                p.next.saturating_duration_since(now).as_secs().max(1)
            ));
        }
    }
    Some(PendingLb {
        wait,
        reason: pending.and_then(|p| p.reason.clone()),
    })
}
