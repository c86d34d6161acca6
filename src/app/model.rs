//! What the backend says about the shown environment — its deployments and what each card
//! shows beside them — and how a loaded snapshot or a pushed change updates it. What that
//! means for the other features (a card to select, an address to wait for, a save to keep)
//! is returned as effects.

use std::collections::HashMap;

use super::effect::{Effect, Effects};
use super::msg::{Cmd, Snapshot};
use crate::backend::LiveMode;
use crate::backend::model::*;

/// Why a deployment failed, and which earlier revision still serves (a rolling update that
/// failed leaves the old pods running).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub stage: Stage,
    pub reason: String,
    /// The number of the newest revision still active, when it is not the failed one.
    pub serving: Option<u32>,
    /// Pods of the failed rollout that were ready when it failed (what did fit).
    pub ready: Option<u32>,
}

impl Failure {
    /// The failed event's stage and reason, if it is one.
    pub fn of_event(e: &Event) -> Option<Self> {
        (e.status == EventStatus::Failed).then(|| Self {
            stage: e.stage,
            reason: e
                .meta
                .get("reason")
                .and_then(|r| r.as_str())
                .unwrap_or("failed")
                .to_string(),
            serving: None,
            ready: None,
        })
    }
}

/// The replicas a deployment's configs ask for (1 when they do not say).
pub fn replicas(d: &Deployment) -> u32 {
    serde_json::from_str::<serde_json::Value>(&d.configs)
        .ok()
        .and_then(|c| c.get("replicas")?.as_u64())
        .map_or(1, |n| n as u32)
}

/// The revision still serving beside a failed current one: the newest active revision.
pub fn serving(revisions: &[Revision], current: Option<&str>) -> Option<u32> {
    revisions
        .iter()
        .filter(|r| r.status == RevisionStatus::Active && Some(r.id.as_str()) != current)
        .map(|r| r.number)
        .max()
}

/// A rollout seen by this TUI: since when, and when it ended (active, failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollout {
    pub since: Timestamp,
    pub ended: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Model {
    /// Whether the first snapshot has arrived.
    pub loaded: bool,
    pub environments: Vec<Environment>,
    pub environment: Option<Environment>,
    pub space: Option<Space>,
    /// The environment's deployments, in drawing order.
    pub deployments: Vec<Deployment>,
    pub revision_numbers: HashMap<String, u32>,
    /// The image each known revision runs (built or given).
    pub revision_images: HashMap<String, String>,
    /// Latest rollout readiness (ready, desired) by deployment id.
    pub progress: HashMap<String, (u32, u32)>,
    pub loadbalancers: HashMap<String, LoadBalancer>,
    /// Why failed deployments failed.
    pub failures: HashMap<String, Failure>,
    /// The rollouts seen in progress (and how they ended), by deployment id.
    pub rollouts: HashMap<String, Rollout>,
    /// How changes reach the TUI: pushed, streamed, or polled.
    pub live: LiveMode,
    /// Another process runs the jobs; this TUI follows it.
    pub viewer: bool,
}

impl Model {
    /// An environment's name (its id when it is not known).
    pub fn env_name(&self, env_id: &str) -> String {
        self.environments
            .iter()
            .find(|e| e.id == env_id)
            .map_or_else(|| env_id.to_string(), |e| e.name.clone())
    }

    pub fn deployment(&self, id: &str) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.id == id)
    }

    pub fn deployment_mut(&mut self, id: &str) -> Option<&mut Deployment> {
        self.deployments.iter_mut().find(|d| d.id == id)
    }

    /// Takes what a revision says of itself: its number and image.
    pub fn know_revision(&mut self, r: &Revision) {
        self.revision_numbers.insert(r.id.clone(), r.number);
        if let Some(image) = &r.image {
            self.revision_images.insert(r.id.clone(), image.clone());
        }
    }

    /// The image the deployment runs now: its current revision's, else the one it was
    /// created with (before its first build, or when the revision is not known yet).
    pub fn image_of<'a>(&'a self, d: &'a Deployment) -> Option<&'a str> {
        d.current_revision_id
            .as_ref()
            .and_then(|r| self.revision_images.get(r))
            .map(String::as_str)
            .or(d.image.as_deref())
    }

    pub fn revision_number(&self, d: &Deployment) -> Option<u32> {
        d.current_revision_id
            .as_ref()
            .and_then(|r| self.revision_numbers.get(r))
            .copied()
    }

    /// Ready pods of desired: as the rollout last said, else (active, loaded from the store)
    /// the replicas its configs ask for, which an active rollout has.
    pub fn readiness(&self, d: &Deployment) -> Option<(u32, u32)> {
        if let Some(p) = self.progress.get(&d.id) {
            return Some(*p);
        }
        (d.status == DeploymentStatus::Active).then(|| {
            let replicas = replicas(d);
            (replicas, replicas)
        })
    }

    pub fn waiting_for_address(&self, id: &str) -> bool {
        self.loadbalancers
            .get(id)
            .is_some_and(|lb| lb.status == LbStatus::Pending)
    }

    /// Whether a deployment belongs to the shown environment.
    pub fn shows(&self, d: &Deployment) -> bool {
        self.environment.as_ref().is_some_and(|e| e.id == d.env_id)
    }

    /// What is wrong with the environment's cluster, as its last reachability probe said.
    pub fn space_trouble(&self) -> Option<String> {
        let space = self.space.as_ref()?;
        let r = space.reachability.as_ref()?;
        (r.status != ReachabilityStatus::Reachable).then(|| {
            r.message
                .clone()
                .unwrap_or_else(|| format!("space {} is {}", space.name, r.status.as_str()))
        })
    }

    /// Takes a loaded snapshot. `keep` are positions newer than what it found (the user's,
    /// saved after the read was sent or not saved yet): they stay. Returns whether the
    /// environment changed.
    pub fn load(&mut self, s: Snapshot, keep: &HashMap<String, Option<CanvasPosition>>) -> bool {
        let switched =
            self.environment.as_ref().map(|e| &e.id) != s.environment.as_ref().map(|e| &e.id);
        self.loaded = true;
        self.environments = s.environments;
        self.environment = s.environment;
        self.space = s.space;
        self.deployments = s.deployments;
        for d in &mut self.deployments {
            if let Some(pos) = keep.get(&d.id) {
                d.canvas_position = *pos;
            }
        }
        self.revision_numbers.extend(s.revision_numbers);
        self.revision_images.extend(s.revision_images);
        self.progress = s
            .progress
            .into_iter()
            .map(|(id, r, d)| (id, (r, d)))
            .collect();
        self.loadbalancers = s.loadbalancers.into_iter().collect();
        self.failures = s.failures.into_iter().collect();
        if switched {
            self.rollouts.clear();
        }
        for d in &self.deployments {
            Self::track(&mut self.rollouts, d);
        }
        self.live = s.live;
        self.viewer = s.viewer;
        switched
    }

    /// Applies a deployment pushed by the backend. `keep_position` when the user has the card
    /// (dragging it, or a move not saved yet). Returns whether it is new, and the commands
    /// it needs (its revision's number).
    pub fn put_deployment(&mut self, mut d: Deployment, keep_position: bool) -> (bool, Vec<Cmd>) {
        let mut cmds = vec![];
        if let Some(rev) = &d.current_revision_id
            && !self.revision_numbers.contains_key(rev)
        {
            cmds.push(Cmd::FetchRevision {
                deployment_id: d.id.clone(),
                revision_id: rev.clone(),
            });
        }
        if d.status != DeploymentStatus::RollingOut {
            self.progress.remove(&d.id);
        }
        Self::track(&mut self.rollouts, &d);
        if d.status != DeploymentStatus::Failed {
            self.failures.remove(&d.id);
        } else if !self.failures.contains_key(&d.id) {
            // Failed without its event seen yet (a poll, a reload): ask why.
            cmds.push(Cmd::FetchFailure { id: d.id.clone() });
        }
        match self.deployments.iter().position(|x| x.id == d.id) {
            Some(i) => {
                if keep_position {
                    d.canvas_position = self.deployments[i].canvas_position;
                }
                self.deployments[i] = d;
                (false, cmds)
            }
            None => {
                self.deployments.push(d);
                (true, cmds)
            }
        }
    }

    /// Notes a rollout beginning or ending with the deployment's status.
    fn track(rollouts: &mut HashMap<String, Rollout>, d: &Deployment) {
        let open = rollouts.get(&d.id).filter(|r| r.ended.is_none()).copied();
        match (d.status.is_in_progress(), open) {
            (true, None) => {
                rollouts.insert(
                    d.id.clone(),
                    Rollout {
                        since: d.updated_at,
                        ended: None,
                    },
                );
            }
            (false, Some(r)) => {
                rollouts.insert(
                    d.id.clone(),
                    Rollout {
                        ended: Some(d.updated_at.max(r.since)),
                        ..r
                    },
                );
            }
            _ => {}
        }
    }

    /// A card is gone.
    pub fn remove(&mut self, id: &str) {
        self.deployments.retain(|d| d.id != id);
        self.loadbalancers.remove(id);
        self.progress.remove(id);
        self.failures.remove(id);
        self.rollouts.remove(id);
    }

    /// Whether a position is free of cards.
    pub fn free(&self, pos: CanvasPosition) -> bool {
        !self
            .deployments
            .iter()
            .any(|o| o.canvas_position == Some(pos))
    }
}

/// A change pushed by the backend, applied to the model; what follows for the rest is
/// returned. `ours(id)`: whether the user has that card (its position wins).
pub fn on_change(
    model: &mut Model,
    change: Change,
    ours: impl Fn(&str) -> bool,
    drawer_shows: Option<&str>,
) -> (bool, Effects) {
    match change {
        Change::Deployment { data } => {
            let d = *data;
            if !model.shows(&d) {
                return (false, vec![]);
            }
            let id = d.id.clone();
            let active = d.status == DeploymentStatus::Active;
            let needs_spot =
                d.canvas_position.is_none_or(|p| !model.free(p)) && model.deployment(&id).is_none();
            let (_, cmds) = model.put_deployment(d, ours(&id));
            let mut effects: Effects = cmds.into_iter().map(Effect::Cmd).collect();
            if needs_spot {
                effects.push(Effect::PlaceNew(id.clone()));
            }
            effects.push(Effect::SelectIfNone);
            effects.push(if active {
                Effect::WaitForAddress(id)
            } else {
                // A new rollout: its address is looked for again once it is active.
                Effect::StopWaiting(id)
            });
            (true, effects)
        }
        Change::DeploymentDeleted { deployment_id } => {
            model.remove(&deployment_id);
            (true, vec![Effect::Gone(deployment_id)])
        }
        Change::Event {
            deployment_id,
            data,
        } => {
            let shown = drawer_shows == Some(deployment_id.as_str());
            let mut effects = vec![];
            if shown {
                effects.push(Effect::Timeline(deployment_id.clone(), vec![data.clone()]));
            }
            // A build says which image it made: the card's image is that revision's.
            if data.stage == Stage::Building
                && data.status == EventStatus::Succeeded
                && let (Some(rev), Some(image)) = (
                    &data.revision_id,
                    data.meta.get("imageRef").and_then(|v| v.as_str()),
                )
            {
                model.revision_images.insert(rev.clone(), image.to_string());
            }
            if let Some(mut f) = Failure::of_event(&data) {
                // Red with its reason at once; which revision still serves is asked for.
                f.ready = model.progress.get(&deployment_id).map(|p| p.0);
                model.failures.insert(deployment_id.clone(), f);
                effects.push(Effect::Cmd(Cmd::FetchFailure {
                    id: deployment_id.clone(),
                }));
                return (true, effects);
            }
            match data.readiness() {
                Some(p) => {
                    model.progress.insert(deployment_id, p);
                    (true, effects)
                }
                None => (shown, effects),
            }
        }
        Change::Loadbalancer {
            deployment_id,
            data,
        } => {
            let shown = model.deployment(&deployment_id).is_some();
            let mut effects = vec![];
            if data.status != LbStatus::Pending {
                effects.push(Effect::StopWaiting(deployment_id.clone()));
            }
            model.loadbalancers.insert(deployment_id, data);
            (shown, effects)
        }
    }
}
