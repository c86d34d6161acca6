//! Rollout rules as pure functions of typed objects: a Deployment's state with
//! `kubectl rollout status` semantics, and the pod failures that end a rollout early with their
//! reason (kubectl and Helm only wait for the progress deadline). The reasons match what a
//! kubelet and scheduler write — checked against the test cluster's node double, whose pod
//! dumps are in `testdata/pods-node-double.json`.

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};

use crate::backend::runtime::{RolloutPhase, RolloutProgress};

/// Where a Deployment's rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutState {
    /// Not done yet; `message` is kubectl's ("Waiting for deployment "web" rollout to finish: …").
    Progressing {
        ready: u32,
        desired: u32,
        message: String,
    },
    Complete {
        ready: u32,
        desired: u32,
    },
    /// The progress deadline passed (`ProgressDeadlineExceeded`).
    Failed {
        reason: String,
    },
}

impl RolloutState {
    /// As the runtime seam reports it.
    pub fn to_progress(&self) -> RolloutProgress {
        match self {
            RolloutState::Progressing {
                ready,
                desired,
                message,
            } => RolloutProgress {
                ready: *ready,
                desired: *desired,
                message: Some(message.clone()),
                phase: RolloutPhase::Progressing,
            },
            RolloutState::Complete { ready, desired } => RolloutProgress {
                ready: *ready,
                desired: *desired,
                message: None,
                phase: RolloutPhase::Complete,
            },
            RolloutState::Failed { reason } => RolloutProgress {
                ready: 0,
                desired: 0,
                message: Some(reason.clone()),
                phase: RolloutPhase::Failed(reason.clone()),
            },
        }
    }
}

/// The rollout state of `d`, whose apply produced `applied_generation` (the `metadata.generation`
/// the apply answered with). Until the controller has observed that generation, a status left
/// by the previous revision is never read as success — also when `d` is an older copy (a watch
/// event from before the apply).
pub fn deployment_state(d: &Deployment, applied_generation: i64) -> RolloutState {
    let name = d.metadata.name.as_deref().unwrap_or_default();
    let spec_replicas = d.spec.replicas;
    let desired = count(spec_replicas.unwrap_or(1));
    let generation = d.metadata.generation.unwrap_or(0).max(applied_generation);
    let status = d.status.clone().unwrap_or_default();
    if status.observed_generation.unwrap_or(0) < generation {
        return RolloutState::Progressing {
            ready: 0,
            desired,
            message: "Waiting for deployment spec update to be observed...".into(),
        };
    }
    let deadline_exceeded = status.conditions.iter().flatten().find(|c| {
        c.type_.as_deref() == Some("Progressing")
            && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    if let Some(c) = deadline_exceeded {
        let mut reason = format!("deployment {name:?} exceeded its progress deadline");
        if let Some(m) = c.message.as_deref().filter(|m| !m.is_empty()) {
            reason.push_str(&format!(": {m}"));
        }
        return RolloutState::Failed { reason };
    }
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    // Available pods of the new revision, as far as the Deployment's status tells.
    let ready = count(available.min(updated));
    let waiting = |what: String| RolloutState::Progressing {
        ready,
        desired,
        message: format!("Waiting for deployment {name:?} rollout to finish: {what}..."),
    };
    match spec_replicas {
        Some(want) if updated < want => {
            return waiting(format!(
                "{updated} out of {want} new replicas have been updated"
            ));
        }
        _ => {}
    }
    if replicas > updated {
        return waiting(format!(
            "{} old replicas are pending termination",
            replicas - updated
        ));
    }
    if available < updated {
        return waiting(format!(
            "{available} of {updated} updated replicas are available"
        ));
    }
    RolloutState::Complete { ready, desired }
}

fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// Why a pod cannot start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodFailureKind {
    /// `ErrImagePull`, `ImagePullBackOff`, `ErrImageNeverPull`.
    ImagePull,
    InvalidImageName,
    /// `CreateContainerConfigError` (a missing Secret or ConfigMap), `CreateContainerError`,
    /// `RunContainerError`.
    ContainerConfig,
    CrashLoop,
    /// `PodScheduled=False`, reason `Unschedulable`: worth a short grace period (`since`),
    /// since an autoscaler may add a node.
    Unschedulable,
}

/// A pod that cannot start, with a reason worded for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodFailure {
    pub pod: String,
    pub container: Option<String>,
    pub kind: PodFailureKind,
    /// e.g. `CreateContainerConfigError: secret "db-password" not found`.
    pub reason: String,
    /// Since when (Unschedulable: when PodScheduled turned False).
    pub since: Option<DateTime<Utc>>,
}

/// Why `pod` cannot start, if it cannot. A pod being deleted is not looked at.
pub fn pod_failure(pod: &Pod) -> Option<PodFailure> {
    if pod.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let name = pod.metadata.name.clone().unwrap_or_default();
    let status = pod.status.as_ref()?;
    let unschedulable = status.conditions.iter().flatten().find(|c| {
        c.type_ == "PodScheduled"
            && c.status == "False"
            && c.reason.as_deref() == Some("Unschedulable")
    });
    if let Some(c) = unschedulable {
        let message = c.message.as_deref().unwrap_or("no node can run the pod");
        return Some(PodFailure {
            pod: name,
            container: None,
            kind: PodFailureKind::Unschedulable,
            reason: format!("Unschedulable: {message}"),
            since: c.last_transition_time.as_ref().and_then(|t| {
                DateTime::from_timestamp(
                    t.0.as_second(),
                    t.0.subsec_nanosecond().max(0).unsigned_abs(),
                )
            }),
        });
    }
    let statuses = status.init_container_statuses.iter().flatten();
    statuses
        .chain(status.container_statuses.iter().flatten())
        .find_map(|cs| {
            container_failure(cs).map(|(kind, reason)| PodFailure {
                pod: name.clone(),
                container: Some(cs.name.clone()),
                kind,
                reason,
                since: None,
            })
        })
}

/// The first pod of `pods` that cannot start.
pub fn first_pod_failure<'a>(pods: impl IntoIterator<Item = &'a Pod>) -> Option<PodFailure> {
    pods.into_iter().find_map(pod_failure)
}

/// Pods whose `Ready` condition is True.
pub fn ready_pods<'a>(pods: impl IntoIterator<Item = &'a Pod>) -> u32 {
    let ready = pods
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter(|p| {
            p.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        })
        .count();
    u32::try_from(ready).unwrap_or(u32::MAX)
}

fn container_failure(cs: &ContainerStatus) -> Option<(PodFailureKind, String)> {
    let waiting = cs.state.as_ref()?.waiting.as_ref()?;
    let reason = waiting.reason.as_deref()?;
    let message = waiting.message.as_deref().unwrap_or_default();
    let with_message = |text: String| {
        if message.is_empty() {
            text
        } else {
            format!("{text}: {message}")
        }
    };
    let image = &cs.image;
    match reason {
        "ErrImagePull" | "ImagePullBackOff" | "ErrImageNeverPull" => Some((
            PodFailureKind::ImagePull,
            with_message(format!("{reason}: image {image:?} cannot be pulled")),
        )),
        "InvalidImageName" => Some((
            PodFailureKind::InvalidImageName,
            with_message(format!(
                "{reason}: {image:?} is not a valid image reference"
            )),
        )),
        "CreateContainerConfigError" | "CreateContainerError" | "RunContainerError" => Some((
            PodFailureKind::ContainerConfig,
            if message.is_empty() {
                format!("{reason}: container {:?} cannot be created", cs.name)
            } else {
                format!("{reason}: {message}")
            },
        )),
        "CrashLoopBackOff" => Some((PodFailureKind::CrashLoop, crash_loop(cs))),
        _ => None,
    }
}

fn crash_loop(cs: &ContainerStatus) -> String {
    let restarts = cs.restart_count;
    let times = if restarts == 1 { "time" } else { "times" };
    let last = cs.last_state.as_ref().and_then(|s| s.terminated.as_ref());
    match last {
        Some(t) => {
            let why = t
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            format!(
                "CrashLoopBackOff: container {:?} exited with code {}{why}, restarted {restarts} {times}",
                cs.name, t.exit_code
            )
        }
        None => format!(
            "CrashLoopBackOff: container {:?} keeps exiting, restarted {restarts} {times}",
            cs.name
        ),
    }
}

#[cfg(test)]
mod tests;
