//! Deployment operations of the embedded engine: create, configs patch, revisions, rollback,
//! promotion, canvas position, analyze, LoadBalancer and teardown. Each write is one
//! transaction.

use super::store::Connection;
use serde_json::Value;

use super::store::{catalog, history, jobs};
use super::{Engine, analyze, build};
use crate::backend::error::{BackendError, Result};
use crate::backend::model::configs::TypedConfigs;
use crate::backend::model::*;
use crate::backend::model::{ids, validate};
use crate::backend::runtime::ReleaseRef;

pub const ORG_ID: &str = "org_local";

/// Accepts configs as a JSON object or a string holding one; returns the canonical string.
fn configs_string(configs: Option<&Value>) -> Result<String> {
    let value = match configs {
        None | Some(Value::Null) => Value::Object(Default::default()),
        Some(Value::String(s)) => serde_json::from_str(s).map_err(|e| {
            BackendError::validation("configs", format!("configs is not valid JSON: {e}"))
        })?,
        Some(v) => v.clone(),
    };
    validate::json_text("configs", &value)?;
    TypedConfigs::parse(&value)?;
    Ok(value.to_string())
}

/// What a revision-creating operation decided from the deployment as the transaction reads it.
enum Plan {
    /// Nothing to write; the existing revision that answers the request, if any.
    Nothing(Option<Revision>),
    Revision {
        rev: Revision,
        /// The delivery's idempotency key (UUID v5), for push revisions.
        key: Option<String>,
        /// The deployment's configs from now on, when they change.
        new_configs: Option<String>,
    },
}

enum Added {
    Nothing(Option<Revision>),
    Revision(Revision),
}

/// Refuses new rollouts onto an inactive space (read in the caller's transaction).
fn require_active_space(c: &Connection, space_id: &str) -> Result<()> {
    let space = catalog::get_space(c, space_id)?
        .ok_or_else(|| BackendError::not_found("space", space_id))?;
    if space.status == SpaceStatus::Inactive {
        return Err(BackendError::Conflict(format!(
            "space {} is inactive and refuses new deploys; activate it with PUT /spaces/{}/status",
            space.name, space.id
        )));
    }
    Ok(())
}

/// An environment's name, for messages (its id when it is gone).
fn env_name(c: &Connection, env_id: &str) -> Result<String> {
    Ok(catalog::get_environment(c, env_id)?.map_or_else(|| env_id.to_string(), |e| e.name))
}

/// The image the deployment runs or is about to run: the newest revision's, as its configs
/// are the newest revision's. A patch made while a new image is still on its way keeps
/// that image instead of reverting to the running one.
fn current_image(c: &Connection, d: &Deployment) -> Result<Option<String>> {
    let newest = history::newest_revision(c, &d.id)?;
    Ok(newest.and_then(|r| r.image).or_else(|| d.image.clone()))
}

impl Engine {
    /// A live deployment.
    pub(super) fn deployment(&self, id: &str) -> Result<Deployment> {
        self.store
            .read(|c| catalog::get_deployment(c, id))?
            .ok_or_else(|| BackendError::not_found("deployment", id))
    }

    fn require_not_tearing_down(d: &Deployment) -> Result<()> {
        if d.status == DeploymentStatus::TearingDown {
            return Err(BackendError::Conflict(format!(
                "deployment {} is being torn down",
                d.name
            )));
        }
        Ok(())
    }

    pub(super) fn create_deployment_op(&self, req: NewDeployment) -> Result<Deployment> {
        validate::deployment_name(&req.name)?;
        validate::free_texts(&[
            ("envId", req.env_id.as_deref()),
            ("repoUrl", req.repo_url.as_deref()),
            ("branch", req.branch.as_deref()),
            ("image", req.image.as_deref()),
            ("integrationId", req.integration_id.as_deref()),
        ])?;
        let env_id = validate::required("envId", req.env_id.as_deref())?;
        let source_type = match req.source_type {
            Some(t) => t,
            None if req.image.is_some() => SourceType::Image,
            None if req.repo_url.is_some() => SourceType::Git,
            None => {
                return Err(BackendError::validation(
                    "sourceType",
                    "sourceType is required: \"git\" (with repoUrl and branch) or \"image\" (with image)",
                ));
            }
        };
        let (repo_url, branch, image) = match source_type {
            SourceType::Git => {
                let repo = validate::required("repoUrl", req.repo_url.as_deref())?;
                build::check_repo(repo, &self.settings)
                    .map_err(|m| BackendError::validation("repoUrl", m))?;
                let branch = req
                    .branch
                    .as_deref()
                    .map(str::trim)
                    .filter(|b| !b.is_empty())
                    .unwrap_or("main");
                (Some(repo.to_string()), Some(branch.to_string()), None)
            }
            SourceType::Image => {
                let image = validate::required_image("image", req.image.as_deref())?;
                (None, None, Some(image.to_string()))
            }
        };
        let configs = configs_string(req.configs.as_ref())?;
        if let Some(pos) = &req.canvas_position {
            validate::canvas_position(pos).map_err(|e| match e {
                BackendError::Validation { message, field } => BackendError::Validation {
                    message: format!("canvasPosition.{message}"),
                    field: field.map(|f| format!("canvasPosition.{f}")),
                },
                other => other,
            })?;
        }
        let env = self
            .store
            .read(|c| catalog::get_environment(c, env_id))?
            .ok_or_else(|| {
                BackendError::validation("envId", format!("no environment {env_id:?}"))
            })?;

        let now = self.now();
        let dep_id = ids::new_id("dep");
        let revision = Revision {
            id: ids::new_id("rev"),
            deployment_id: dep_id.clone(),
            number: 1,
            image: image.clone(),
            build_id: None,
            note: None,
            configs: configs.clone(),
            trigger: Trigger::Create,
            rollback_of: None,
            status: RevisionStatus::Pending,
            created_at: now,
        };
        let deployment = Deployment {
            id: dep_id.clone(),
            name: req.name.clone(),
            org_id: ORG_ID.into(),
            env_id: env.id.clone(),
            source_type,
            repo_url,
            branch,
            image,
            integration_id: req.integration_id.clone(),
            auto_deploy: req.auto_deploy,
            space_id: env.space_id.clone(),
            namespace: env.namespace.clone(),
            registry_url: env.registry_url.clone(),
            current_revision_id: Some(revision.id.clone()),
            status: DeploymentStatus::Pending,
            configs,
            canvas_position: req.canvas_position,
            last_deploy_at: None,
            drift: None,
            created_at: now,
            updated_at: now,
        };
        self.store.write(|c| {
            require_active_space(c, &env.space_id)?;
            if catalog::deployment_name_taken(c, &env.id, &req.name)? {
                return Err(BackendError::Conflict(format!(
                    "a deployment named {:?} already exists in environment {}",
                    req.name, env.name
                )));
            }
            catalog::insert_deployment(c, &deployment)?;
            history::insert_revision(c, &revision, None)?;
            jobs::enqueue(c, &dep_id, &revision.id, &now)?;
            Ok(())
        })?;
        self.job_queued();
        self.publish(Change::Deployment {
            data: Box::new(deployment.clone()),
        });
        Ok(deployment)
    }

    /// Reads the deployment, lets `plan` decide the new revision from what it reads, and
    /// writes the revision, the configs, the status and the job — all in one transaction,
    /// so that concurrent writers never build on a stale read (a lost update).
    fn add_revision(
        &self,
        id: &str,
        plan: impl FnOnce(&Connection, &Deployment) -> Result<Plan>,
    ) -> Result<Added> {
        let now = self.now();
        let added = self.store.write(|c| {
            let d = catalog::get_deployment(c, id)?
                .ok_or_else(|| BackendError::not_found("deployment", id))?;
            let (mut rev, key, new_configs) = match plan(c, &d)? {
                Plan::Nothing(existing) => return Ok(Added::Nothing(existing)),
                Plan::Revision {
                    rev,
                    key,
                    new_configs,
                } => (rev, key, new_configs),
            };
            Self::require_not_tearing_down(&d)?;
            require_active_space(c, &d.space_id)?;
            rev.number = history::next_revision_number(c, &d.id)?;
            history::insert_revision(c, &rev, key.as_deref())?;
            if let Some(configs) = &new_configs {
                catalog::set_deployment_configs(c, &d.id, configs, &now)?;
            }
            catalog::set_deployment_status(c, &d.id, DeploymentStatus::Pending, None, &now)?;
            // zopdeck's next revision takes the release over again.
            catalog::set_drift(c, &d.id, None)?;
            jobs::enqueue(c, &d.id, &rev.id, &now)?;
            Ok(Added::Revision(rev))
        })?;
        if let Added::Revision(_) = &added {
            self.job_queued();
            self.publish_deployment(id);
        }
        Ok(added)
    }

    fn new_revision(&self, d: &Deployment, trigger: Trigger) -> Revision {
        Revision {
            id: ids::new_id("rev"),
            deployment_id: d.id.clone(),
            number: 0,
            image: None,
            build_id: None,
            note: None,
            configs: d.configs.clone(),
            trigger,
            rollback_of: None,
            status: RevisionStatus::Pending,
            created_at: self.now(),
        }
    }

    pub(super) fn patch_configs_op(&self, id: &str, patch: Value) -> Result<Deployment> {
        if !patch.is_object() {
            self.deployment(id)?;
            return Err(BackendError::validation(
                "configs",
                "configs must be a JSON object (a JSON merge patch)",
            ));
        }
        validate::json_text("configs", &patch)?;
        self.add_revision(id, |c, d| {
            Self::require_not_tearing_down(d)?;
            let mut merged: Value = serde_json::from_str(&d.configs)
                .unwrap_or_else(|_| Value::Object(Default::default()));
            json_patch::merge(&mut merged, &patch);
            TypedConfigs::parse(&merged)?;
            let merged = merged.to_string();
            if merged == d.configs {
                return Ok(Plan::Nothing(None));
            }
            let mut rev = self.new_revision(d, Trigger::Config);
            rev.configs = merged.clone();
            rev.image = current_image(c, d)?;
            Ok(Plan::Revision {
                rev,
                key: None,
                new_configs: Some(merged),
            })
        })?;
        self.deployment(id)
    }

    pub(super) fn create_revision_op(&self, id: &str, req: NewRevision) -> Result<RevisionCreated> {
        validate::free_texts(&[
            ("image", req.image.as_deref()),
            ("buildID", req.build_id.as_deref()),
            ("note", req.note.as_deref()),
            ("deliveryId", req.delivery_id.as_deref()),
        ])?;
        let key = req
            .delivery_id
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(ids::delivery_key);
        if let Some(image) = &req.image {
            validate::image_ref("image", image)?;
        }
        let added = self.add_revision(id, |c, d| {
            // A replayed delivery gets the revision it created the first time.
            if let Some(key) = &key
                && let Some(existing) = history::revision_by_key(c, id, key)?
            {
                return Ok(Plan::Nothing(Some(existing)));
            }
            let trigger = if key.is_some() {
                Trigger::Push
            } else {
                Trigger::Manual
            };
            let mut rev = self.new_revision(d, trigger);
            rev.image = match (&req.image, d.source_type) {
                (Some(image), _) => Some(image.clone()),
                // A push to a git deployment builds the branch anew.
                (None, SourceType::Git) => None,
                (None, SourceType::Image) => current_image(c, d)?,
            };
            rev.build_id = req.build_id.clone();
            rev.note = req.note.clone();
            Ok(Plan::Revision {
                rev,
                key: key.clone(),
                new_configs: None,
            })
        })?;
        match added {
            Added::Revision(revision) => Ok(RevisionCreated {
                revision,
                created: true,
            }),
            Added::Nothing(Some(revision)) => Ok(RevisionCreated {
                revision,
                created: false,
            }),
            Added::Nothing(None) => Err(BackendError::Internal(
                "no revision was created and none was found".into(),
            )),
        }
    }

    pub(super) fn rollback_op(&self, id: &str, to: &str) -> Result<Revision> {
        validate::required("toRevisionID", Some(to))?;
        validate::free_text("toRevisionID", to)?;
        let added = self.add_revision(id, |c, d| {
            Self::require_not_tearing_down(d)?;
            let target = history::get_revision(c, to)?
                .filter(|r| r.deployment_id == id)
                .ok_or_else(|| BackendError::not_found("revision", to))?;
            if d.current_revision_id.as_deref() == Some(to) {
                return Err(BackendError::Conflict(format!(
                    "revision #{} is already the current revision of {}",
                    target.number, d.name
                )));
            }
            let mut rev = self.new_revision(d, Trigger::Rollback);
            rev.image = target.image.clone();
            rev.build_id = target.build_id.clone();
            rev.configs = target.configs.clone();
            rev.rollback_of = Some(target.id.clone());
            rev.note = Some(format!("Rollback to #{}", target.number));
            Ok(Plan::Revision {
                rev,
                key: None,
                new_configs: Some(target.configs),
            })
        })?;
        match added {
            Added::Revision(rev) => Ok(rev),
            Added::Nothing(_) => Err(BackendError::Internal(
                "the rollback created no revision".into(),
            )),
        }
    }

    /// A new revision of `id` with the image and configs of `from`, a revision of the same
    /// service in another environment (trigger `promote`, note "from staging #18").
    pub(super) fn promote_op(&self, id: &str, from: &str) -> Result<Revision> {
        validate::required("fromRevisionID", Some(from))?;
        validate::free_text("fromRevisionID", from)?;
        let added = self.add_revision(id, |c, d| {
            Self::require_not_tearing_down(d)?;
            let source = history::get_revision(c, from)?
                .ok_or_else(|| BackendError::not_found("revision", from))?;
            if source.deployment_id == d.id {
                return Err(BackendError::Conflict(format!(
                    "revision #{} is one of {}'s own: roll back to it instead of promoting it",
                    source.number, d.name
                )));
            }
            let origin = catalog::get_deployment(c, &source.deployment_id)?
                .ok_or_else(|| BackendError::not_found("deployment", &source.deployment_id))?;
            let env = env_name(c, &origin.env_id)?;
            let Some(image) = source.image.clone() else {
                return Err(BackendError::Conflict(format!(
                    "{env} #{} of {} has no image yet (it was not built): promote a revision \
                     that was built",
                    source.number, origin.name
                )));
            };
            if d.configs == source.configs && current_image(c, d)?.as_deref() == Some(&image) {
                let here = env_name(c, &d.env_id)?;
                return Err(BackendError::Conflict(format!(
                    "{} in {here} already runs the image and configs of {env} #{}",
                    d.name, source.number
                )));
            }
            let mut rev = self.new_revision(d, Trigger::Promote);
            rev.image = Some(image);
            rev.build_id = source.build_id.clone();
            rev.configs = source.configs.clone();
            rev.note = Some(format!("from {env} #{}", source.number));
            Ok(Plan::Revision {
                rev,
                key: None,
                new_configs: Some(source.configs),
            })
        })?;
        match added {
            Added::Revision(rev) => Ok(rev),
            Added::Nothing(_) => Err(BackendError::Internal(
                "the promotion created no revision".into(),
            )),
        }
    }

    pub(super) fn set_canvas_position_op(
        &self,
        id: &str,
        pos: CanvasPosition,
    ) -> Result<CanvasPosition> {
        validate::canvas_position(&pos)?;
        let now = self.now();
        // One row's own columns: no need to wait for the other replicas' writes.
        let moved = self
            .store
            .write_row(|c| catalog::move_deployment(c, id, pos, &now))?;
        let Some(d) = moved else {
            return Err(BackendError::not_found("deployment", id));
        };
        self.publish(Change::Deployment { data: Box::new(d) });
        Ok(pos)
    }

    pub(super) fn analyze_op(&self, id: &str) -> Result<AnalyzeReport> {
        let d = self.deployment(id)?;
        let image = self.store.read(|c| current_image(c, &d))?;
        let mut warnings = analyze::analyze(&d.configs, image.as_deref());
        // On the simulated cluster the room is known: replicas beyond it stay Pending.
        if let Ok((_, cluster)) = self.space_cluster(&d.space_id)
            && cluster.runtime == "sandbox"
            && let Ok(release) = self.release_ref(&d)
            && let Ok((capacity, used)) = self.sandbox.capacity_for(&release)
        {
            warnings.extend(analyze::capacity_warning(&d.configs, capacity, used));
        }
        Ok(AnalyzeReport { warnings })
    }

    pub(super) fn release_ref(&self, d: &Deployment) -> Result<ReleaseRef> {
        let (cluster, _) = self.space_cluster(&d.space_id)?;
        Ok(ReleaseRef {
            cluster,
            namespace: d.namespace.clone(),
            name: d.name.clone(),
        })
    }

    pub(super) async fn loadbalancer_op(&self, id: &str) -> Result<LoadBalancer> {
        let d = self.deployment(id)?;
        let (_, cluster) = self.space_cluster(&d.space_id)?;
        let runtime = self.runtime_for(&cluster)?;
        let lb = runtime
            .loadbalancer(&self.release_ref(&d)?)
            .await
            .map_err(|e| BackendError::Unavailable(e.message().to_string()))?;
        Ok(self.loadbalancer_as_configured(&d, lb))
    }

    /// A LoadBalancer as the runtime reports it, seen against the configs: exposed in the
    /// configs but not (yet) in the cluster means the Service is on its way.
    pub(super) fn loadbalancer_as_configured(
        &self,
        d: &Deployment,
        lb: LoadBalancer,
    ) -> LoadBalancer {
        let exposed = TypedConfigs::parse_str(&d.configs)
            .map(|c| c.expose)
            .unwrap_or_default();
        if lb.status == LbStatus::None && !exposed.is_empty() {
            return LoadBalancer::pending(exposed);
        }
        lb
    }
}
