//! Teardown, as a job of its own: a delete marks the deployment `tearing_down`, cancels its
//! rollouts and queues the teardown, which uninstalls the release under a lease (retried with
//! back-off while the cluster is unreachable; Kubernetes deletes, LoadBalancer finalizers
//! included, finish in the background), says so in the timeline, then soft-deletes the row.

use std::sync::Arc;

use serde_json::json;

use super::store::{Job, JobKind, NewEvent, catalog, jobs};
use super::{Engine, lb_watch};
use crate::backend::error::{BackendError, Result};
use crate::backend::model::*;

use super::lifecycle::JobEnd;

impl Engine {
    /// Queues the teardown (idempotent: a deployment already tearing down keeps its job, one
    /// already gone reports `already_clean`).
    pub(super) fn delete_deployment_op(&self, id: &str) -> Result<TeardownReport> {
        let now = self.now();
        let queued = self.store.write(|c| {
            let Some(d) = catalog::get_deployment(c, id)? else {
                return if catalog::deployment_was_deleted(c, id)? {
                    Ok(false)
                } else {
                    Err(BackendError::not_found("deployment", id))
                };
            };
            if d.status == DeploymentStatus::TearingDown && jobs::has_open_teardown(c, id)? {
                return Ok(true);
            }
            jobs::cancel_for_deployment(c, id, &now)?;
            catalog::set_deployment_status(c, id, DeploymentStatus::TearingDown, None, &now)?;
            let revision = d.current_revision_id.unwrap_or_default();
            jobs::enqueue_kind(c, id, &revision, JobKind::Teardown, &now)?;
            Ok(true)
        })?;
        if !queued {
            return Ok(TeardownReport {
                already_clean: true,
            });
        }
        lb_watch::stop(self, id);
        self.job_queued();
        self.publish_deployment(id);
        Ok(TeardownReport {
            already_clean: false,
        })
    }

    /// Appends a teardown event for the job (nothing once the job no longer holds its lease).
    fn teardown_event(
        &self,
        job: &Job,
        status: EventStatus,
        meta: serde_json::Value,
    ) -> Result<()> {
        let ev = NewEvent {
            deployment_id: job.deployment_id.clone(),
            revision_id: None,
            stage: Stage::TearingDown,
            status,
            meta: match meta {
                serde_json::Value::Object(m) => m,
                _ => Default::default(),
            },
            // Boundaries once per job; progress (a retry) once per attempt.
            dedupe_key: Some(match status {
                EventStatus::Progress => {
                    format!("teardown/{}/progress/{}", job.id, job.attempts)
                }
                _ => format!("teardown/{}/{}", job.id, status.as_str()),
            }),
        };
        if let Some(event) = self
            .store
            .append_event(ev, self.now(), Some((job.id, &self.owner)))?
        {
            self.publish(Change::Event {
                deployment_id: job.deployment_id.clone(),
                data: event,
            });
        }
        Ok(())
    }

    pub(super) async fn run_teardown(self: &Arc<Self>, job: &Job) -> Result<JobEnd> {
        let id = &job.deployment_id;
        let Some(d) = self.store.read(|c| catalog::get_deployment(c, id))? else {
            return Ok(JobEnd::Done);
        };
        let (_, cluster) = self.space_cluster(&d.space_id)?;
        let runtime = self.runtime_for(&cluster)?;
        let release = self.release_ref(&d)?;
        self.teardown_event(
            job,
            EventStatus::Started,
            json!({"release": release.name, "namespace": release.namespace}),
        )?;
        match runtime.uninstall(&release).await {
            Ok(already_clean) => {
                self.teardown_event(
                    job,
                    EventStatus::Succeeded,
                    json!({"alreadyClean": already_clean}),
                )?;
                let now = self.now();
                let deleted = self.store.write(|c| {
                    if !jobs::holds(c, job.id, &self.owner)? {
                        return Ok(false);
                    }
                    catalog::soft_delete_deployment(c, id, &now)?;
                    Ok(true)
                })?;
                if !deleted {
                    return Ok(JobEnd::Cancelled);
                }
                self.publish(Change::DeploymentDeleted {
                    deployment_id: id.clone(),
                });
                tracing::info!(deployment = %d.name, already_clean, "torn down");
                Ok(JobEnd::Done)
            }
            Err(e) if e.is_transient() => {
                self.teardown_event(
                    job,
                    EventStatus::Progress,
                    json!({"message": format!("{}; retrying", e.message())}),
                )?;
                Err(BackendError::Unavailable(e.message().to_string()))
            }
            Err(e) => {
                let reason = format!(
                    "teardown of {} failed: {}; fix that, then delete it again",
                    d.name,
                    e.message()
                );
                self.teardown_event(job, EventStatus::Failed, json!({"reason": reason}))?;
                let now = self.now();
                self.store
                    .write(|c| catalog::teardown_failed(c, id, &now))?;
                self.publish_deployment(id);
                Ok(JobEnd::Failed(reason))
            }
        }
    }
}
