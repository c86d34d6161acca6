//! `x`: one-key fixes for a failed card — roll back to the last revision that was active
//! (the revisions panel opens on it with the diff and asks), and, when pods found no room,
//! scale to the replicas that fit (the configs diff asks before the patch). Each fix creates
//! a revision like any other change.

use crossterm::event::KeyEvent;
use serde_json::{Value, json};

use super::effect::{Effect, Effects};
use super::keymap::{Action, Keymap, choice};
use super::model::Failure;
use super::state::Overlay;
use crate::backend::model::{Deployment, DeploymentStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// Roll back to this revision (the newest still active).
    RollBack(u32),
    /// Ask for this many replicas (what fit).
    Scale(u32),
}

impl Fix {
    pub fn label(self) -> String {
        match self {
            Fix::RollBack(n) => format!("roll back to #{n} (the last revision that was active)"),
            Fix::Scale(n) => format!("scale to {n} replica(s) (fits)"),
        }
    }
}

/// The choice between the fixes, when more than one applies.
#[derive(Debug, Clone, PartialEq)]
pub struct FixPick {
    pub id: String,
    pub fixes: Vec<Fix>,
    pub selected: usize,
}

/// The fixes a failed deployment has: a rollback when an earlier revision still serves, a
/// smaller scale when pods found no room (the count that fit: what the cluster says it has
/// room for, else the pods that were ready when the rollout failed).
pub fn fixes(d: &Deployment, failure: Option<&Failure>) -> Vec<Fix> {
    let Some(f) = failure.filter(|_| d.status == DeploymentStatus::Failed) else {
        return vec![];
    };
    let mut fixes: Vec<Fix> = f.serving.map(Fix::RollBack).into_iter().collect();
    let asked = super::model::replicas(d);
    if no_room(&f.reason)
        && let Some(n) = room(&f.reason)
            .or(f.ready)
            .filter(|n| *n >= 1 && *n < asked)
    {
        fixes.push(Fix::Scale(n));
    }
    fixes
}

/// Whether the reason says pods found no room (Pending, Unschedulable, Insufficient …).
fn no_room(reason: &str) -> bool {
    ["Insufficient", "Unschedulable", "Pending", "capacity"]
        .iter()
        .any(|w| reason.contains(w))
}

/// The room a reason states: "runs 24 replicas, 20 used by other releases" has room for 4.
fn room(reason: &str) -> Option<u32> {
    let after = reason.split("runs ").nth(1)?;
    let (capacity, rest) = after.split_once(" replicas, ")?;
    let used = rest.split_whitespace().next()?;
    let (capacity, used): (u32, u32) = (capacity.trim().parse().ok()?, used.parse().ok()?);
    Some(capacity.saturating_sub(used))
}

/// `x` on a card: its one fix at once, a choice of several, or why there is none.
pub fn open(d: Option<&Deployment>, failure: Option<&Failure>) -> Effects {
    let Some(d) = d else {
        return vec![Effect::info("select a deployment first")];
    };
    let fixes = fixes(d, failure);
    match fixes.as_slice() {
        [] if d.status != DeploymentStatus::Failed => vec![Effect::info(format!(
            "x fixes a failed deployment; {} is {}",
            d.name,
            d.status.as_str()
        ))],
        [] => vec![Effect::info(format!(
            "no one-key fix for {}: no earlier revision serves and its pods did not fail \
             for want of room — Enter shows why it failed, r its revisions",
            d.name
        ))],
        [one] => start(d, *one),
        _ => vec![Effect::Open(Overlay::Fix(FixPick {
            id: d.id.clone(),
            fixes,
            selected: 0,
        }))],
    }
}

/// A fix, asked first: the revisions panel on the rollback's target, or the configs diff.
pub fn start(d: &Deployment, fix: Fix) -> Effects {
    match fix {
        Fix::RollBack(n) => super::revisions::open_at(d.id.clone(), n),
        Fix::Scale(n) => {
            let mut edited: Value = serde_json::from_str(&d.configs).unwrap_or_else(|_| json!({}));
            edited["replicas"] = json!(n);
            vec![Effect::Open(Overlay::ConfigDiff {
                id: d.id.clone(),
                edited,
                patch: json!({ "replicas": n }),
                scroll: 0,
                fix: true,
            })]
        }
    }
}

impl FixPick {
    pub fn key(&mut self, km: &Keymap, key: &KeyEvent, d: Option<&Deployment>) -> Effects {
        match choice(km, key, &mut self.selected, self.fixes.len(), &[]) {
            Some(Action::Close) => vec![Effect::Close],
            Some(Action::Choose) => match (d, self.fixes.get(self.selected)) {
                (Some(d), Some(fix)) => start(d, *fix),
                _ => vec![Effect::Close],
            },
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_room_a_reason_states() {
        let r = "47 pod(s) Pending: Insufficient capacity (sandbox cluster runs 24 replicas, \
                 20 used by other releases)";
        assert!(no_room(r));
        assert_eq!(room(r), Some(4));
        assert_eq!(room("Unschedulable: 0/3 nodes are available"), None);
        assert!(!no_room("CrashLoopBackOff: exit 1"));
    }
}
