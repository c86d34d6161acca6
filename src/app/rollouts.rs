//! `w`: the rollouts drawer — every rollout in progress in the environment (or on the board),
//! one live row per deployment: stage, ready/desired, elapsed, and why it failed; rollouts
//! that ended during the session stay below, newest first. Its rows are read from the
//! models; nothing is asked of the backend.

use super::model::Model;
use super::state::State;
use crate::backend::model::*;

/// One row of the drawer.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub env: String,
    pub id: String,
    pub name: String,
    pub status: DeploymentStatus,
    pub revision: Option<u32>,
    pub ready: Option<(u32, u32)>,
    pub since: Timestamp,
    pub ended: Option<Timestamp>,
    pub reason: Option<String>,
}

/// Every shown model (the environment, and the board's other lanes) with its lane's name
/// when it has one.
fn shown(state: &State) -> impl Iterator<Item = (Option<&str>, &Model)> {
    std::iter::once((None, &state.model)).chain(
        state
            .board
            .iter()
            .flat_map(|b| b.parked().map(|(_, l)| (Some(l.name.as_str()), &l.model))),
    )
}

/// How many rows `rows` gives, without building them (the drawer's height asks often).
pub fn count(state: &State) -> usize {
    shown(state)
        .map(|(_, m)| {
            m.deployments
                .iter()
                .filter(|d| m.rollouts.contains_key(&d.id))
                .count()
        })
        .sum()
}

/// The rows of every shown model (the board's lanes, else the environment): those in
/// progress first (the oldest first), then those that ended (the newest first).
pub fn rows(state: &State) -> Vec<Row> {
    let mut rows: Vec<Row> = shown(state)
        .map(|(name, m)| (name.map_or_else(|| env_name(m), str::to_string), m))
        .flat_map(|(env, m)| {
            m.deployments.iter().filter_map(move |d| {
                let r = m.rollouts.get(&d.id)?;
                Some(Row {
                    env: env.clone(),
                    id: d.id.clone(),
                    name: d.name.clone(),
                    status: d.status,
                    revision: m.revision_number(d),
                    ready: m.progress.get(&d.id).copied().or_else(|| done_ready(m, d)),
                    since: r.since,
                    ended: r.ended,
                    reason: m.failures.get(&d.id).map(|f| f.reason.clone()),
                })
            })
        })
        .collect();
    rows.sort_by(|a, b| match (a.ended, b.ended) {
        (None, None) => a.since.cmp(&b.since),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => y.cmp(&x),
    });
    rows
}

/// Ready of desired once a rollout ended: all its replicas when active, what was ready when
/// it failed.
fn done_ready(m: &Model, d: &Deployment) -> Option<(u32, u32)> {
    match d.status {
        DeploymentStatus::Failed => {
            Some((m.failures.get(&d.id)?.ready?, super::model::replicas(d)))
        }
        _ => m.readiness(d),
    }
}

fn env_name(m: &Model) -> String {
    m.environment
        .as_ref()
        .map_or_else(String::new, |e| e.name.clone())
}
