//! The deployment lifecycle on the command line: deployments, configs, positions, analysis,
//! revisions and rollbacks.

use std::io::Read;

use super::commands::{fmt, print_deployment};
use super::error::{CliError, Exit, fail};
use super::follow::{follow, follow_revision, follow_teardown};
use super::output::{self, deployment_rows, revision_rows};
use super::resolve::{first_revision, resolve, resolve_env, resolve_revision};
use super::{
    ConfigsCmd, ConfigsPatch, DeploymentsCmd, OutputFormat, PositionCmd, RevisionsCmd,
    RevisionsList, WaitArgs,
};
use crate::backend::model::*;
use crate::backend::{Backend, BackendError};

pub async fn deployments(b: &dyn Backend, cmd: &DeploymentsCmd) -> Result<(), CliError> {
    match cmd {
        DeploymentsCmd::List { env, output } => {
            let env_id = match env {
                Some(e) => Some(resolve_env(b, e).await?.id),
                None => None,
            };
            let deps = b.list_deployments(env_id.as_deref()).await.map_err(fmt)?;
            if output.format != OutputFormat::Table {
                return output::print(output.format, &deps, Vec::new);
            }
            let envs = b.list_environments().await.map_err(fmt)?;
            let name = |id: &str| {
                envs.iter()
                    .find(|e| e.id == id)
                    .map_or(id.to_string(), |e| e.name.clone())
            };
            let current = current_revisions(b, &deps).await;
            output::print(output.format, &deps, || {
                deployment_rows(&deps, &name, &current)
            })
        }
        DeploymentsCmd::Get {
            deployment,
            env,
            output,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            output::print(output.format, &d, || output::object_rows(&d))
        }
        DeploymentsCmd::Create {
            name,
            env,
            image,
            repo,
            branch,
            configs,
            wait,
            output,
        } => {
            if image.is_none() && repo.is_none() {
                return Err(CliError::usage(
                    "deployments create needs --image IMAGE (deploy an image) or --repo URL \
                     (build from a git repository)",
                ));
            }
            let env = resolve_env(b, env).await?;
            let configs =
                match configs {
                    Some(c) => Some(serde_json::from_str(c).map_err(|e| {
                        CliError::usage(format!("--configs is not valid JSON: {e}"))
                    })?),
                    None => None,
                };
            let req = NewDeployment {
                name: name.clone(),
                env_id: Some(env.id.clone()),
                source_type: Some(if repo.is_some() {
                    SourceType::Git
                } else {
                    SourceType::Image
                }),
                repo_url: repo.clone(),
                branch: branch.clone(),
                image: image.clone(),
                configs,
                ..Default::default()
            };
            let d = match b.create_deployment(req).await {
                Ok(d) => d,
                Err(e) => return Err(deploy_refused(b, &env.space_id, e).await),
            };
            output::note(format!("created {} ({}) in {}", d.name, d.id, env.name));
            let rev = first_revision(b, &d).await?;
            follow(b, &d, &rev, wait, output.format).await
        }
        DeploymentsCmd::Delete {
            deployment,
            env,
            wait,
        } => {
            let d = match resolve(b, deployment, env.as_deref()).await {
                // By id, a deployment deleted before: deleting it again is fine (the
                // contract's DELETE is idempotent); an id that never was is not found.
                Err(e) if e.exit == Exit::NotFound && deployment.starts_with("dep_") => {
                    b.delete_deployment(deployment).await.map_err(fmt)?;
                    output::note(format!("{deployment}: already deleted"));
                    return Ok(());
                }
                d => d?,
            };
            let report = b.delete_deployment(&d.id).await.map_err(fmt)?;
            if report.already_clean {
                output::note(format!("{}: already clean", d.name));
                return Ok(());
            }
            if wait.no_wait {
                output::note(format!(
                    "{}: teardown queued; it runs where the workers run",
                    d.name
                ));
                return Ok(());
            }
            follow_teardown(b, &d, wait).await
        }
        DeploymentsCmd::Wait {
            deployment,
            env,
            timeout,
            output,
        } => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let rev = first_revision(b, &d).await?;
            let wait = WaitArgs {
                no_wait: false,
                timeout: *timeout,
            };
            follow(b, &d, &rev, &wait, output.format).await
        }
    }
}

/// `configs get DEP`, `configs patch DEP PATCH`, and the shorthand `configs DEP PATCH`.
pub async fn configs(
    b: &dyn Backend,
    cmd: Option<&ConfigsCmd>,
    shorthand: &ConfigsPatch,
) -> Result<(), CliError> {
    let p = match cmd {
        Some(ConfigsCmd::Get {
            deployment,
            env,
            output,
        }) => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let configs: serde_json::Value = serde_json::from_str(&d.configs).map_err(|e| {
                fail!(
                    "the configs of {} are not valid JSON ({e}); fix them with `zopdeck configs patch`",
                    d.name
                )
            })?;
            let keys = || {
                configs
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default()
            };
            return output::print_named(output.format, &configs, keys, || {
                let mut rows = vec![vec!["KEY".into(), "VALUE".into()]];
                if let Some(obj) = configs.as_object() {
                    rows.extend(obj.iter().map(|(k, v)| vec![k.clone(), v.to_string()]));
                }
                rows
            });
        }
        Some(ConfigsCmd::Patch(p)) => p,
        None => shorthand,
    };
    let (Some(deployment), Some(patch)) = (&p.deployment, &p.patch) else {
        return Err(CliError::usage(
            "configs patch needs a deployment and a patch: zopdeck configs patch web '{\"replicas\": 3}'",
        ));
    };
    let d = resolve(b, deployment, p.env.as_deref()).await?;
    let text = if patch == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::usage(format!("cannot read the patch from stdin: {e}")))?;
        text
    } else {
        patch.clone()
    };
    let patch: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| CliError::usage(format!("the patch is not valid JSON: {e}")))?;
    if !patch.is_object() {
        return Err(CliError::usage(
            "the patch must be a JSON object of configs keys, e.g. '{\"replicas\": 3}'",
        ));
    }
    let updated = match b.patch_configs(&d.id, patch).await {
        Ok(updated) => updated,
        Err(e) => return Err(deploy_refused(b, &d.space_id, e).await),
    };
    if updated.configs == d.configs {
        // The newest revision may be an earlier patch still on its way: not this one.
        output::note(format!(
            "no change: the configs of {} already say that; no new revision",
            d.name
        ));
        return print_deployment(b, &d.id, p.output.format).await;
    }
    let revs = b.list_revisions(&d.id).await.map_err(fmt)?;
    match revs.first().filter(|r| r.trigger == Trigger::Config) {
        Some(rev) => {
            output::note(format!(
                "configs of {} patched: revision #{}",
                d.name, rev.number
            ));
            follow(b, &updated, rev, &p.wait, p.output.format).await
        }
        None => Err(fail!(
            "the configs of {} changed but no config revision is listed; \
             `zopdeck revisions list {}` shows what there is",
            d.name,
            d.name
        )),
    }
}

/// `position set DEP X Y`.
pub async fn position(b: &dyn Backend, cmd: &PositionCmd) -> Result<(), CliError> {
    let PositionCmd::Set {
        deployment,
        x,
        y,
        env,
        output,
    } = cmd;
    if !x.is_finite() || !y.is_finite() {
        return Err(CliError::usage(format!(
            "a position is two finite numbers (got {x}, {y})"
        )));
    }
    let d = resolve(b, deployment, env.as_deref()).await?;
    let pos = b
        .set_canvas_position(&d.id, CanvasPosition { x: *x, y: *y })
        .await
        .map_err(fmt)?;
    output::note(format!("{} is at {}, {}", d.name, pos.x, pos.y));
    output::print_named(
        output.format,
        &pos,
        || vec![d.name.clone()],
        || vec![vec![d.name.clone(), format!("{},{}", pos.x, pos.y)]],
    )
}

pub async fn analyze(
    b: &dyn Backend,
    deployment: &str,
    env: Option<&str>,
    format: OutputFormat,
) -> Result<(), CliError> {
    let d = resolve(b, deployment, env).await?;
    let report = b.analyze(&d.id).await.map_err(fmt)?;
    if report.warnings.is_empty() && format == OutputFormat::Table {
        output::note(format!("{}: nothing risky found", d.name));
    }
    let codes = || report.warnings.iter().map(|w| w.code.clone()).collect();
    output::print_named(format, &report, codes, || {
        let mut rows = vec![vec![
            "SEVERITY".into(),
            "CODE".into(),
            "FIELD".into(),
            "MESSAGE".into(),
        ]];
        rows.extend(report.warnings.iter().map(|w| {
            vec![
                w.severity.as_str().into(),
                w.code.clone(),
                w.field.clone().unwrap_or_default(),
                w.message.clone(),
            ]
        }));
        rows
    })
}

/// `revisions list|get|create`, and the shorthand `revisions DEP`.
pub async fn revisions(
    b: &dyn Backend,
    cmd: Option<&RevisionsCmd>,
    shorthand: &RevisionsList,
) -> Result<(), CliError> {
    let list = match cmd {
        None => shorthand,
        Some(RevisionsCmd::List(list)) => list,
        Some(RevisionsCmd::Get {
            deployment,
            revision,
            env,
            output,
        }) => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let rev = resolve_revision(b, &d, revision).await?;
            let rev = b.get_revision(&d.id, &rev.id).await.map_err(fmt)?;
            return output::print(output.format, &rev, || output::object_rows(&rev));
        }
        Some(RevisionsCmd::Create {
            deployment,
            image,
            build_id,
            note,
            env,
            wait,
            output,
        }) => {
            let d = resolve(b, deployment, env.as_deref()).await?;
            let created = match b
                .create_revision(
                    &d.id,
                    NewRevision {
                        image: Some(image.clone()),
                        build_id: build_id.clone(),
                        note: note.clone(),
                        delivery_id: None,
                    },
                )
                .await
            {
                Ok(created) => created,
                Err(e) => return Err(deploy_refused(b, &d.space_id, e).await),
            };
            let rev = created.revision;
            output::note(format!(
                "{} revision #{} created from {image}",
                d.name, rev.number
            ));
            return follow_revision(b, &d, &rev, wait, output.format).await;
        }
    };
    let Some(deployment) = &list.deployment else {
        return Err(CliError::usage(
            "revisions list needs a deployment: zopdeck revisions list web",
        ));
    };
    let d = resolve(b, deployment, list.env.as_deref()).await?;
    let revs = b.list_revisions(&d.id).await.map_err(fmt)?;
    output::print(list.output.format, &revs, || {
        revision_rows(&revs, d.current_revision_id.as_deref())
    })
}

pub async fn rollback(
    b: &dyn Backend,
    deployment: &str,
    to: &str,
    env: Option<&str>,
    wait: &WaitArgs,
    format: OutputFormat,
) -> Result<(), CliError> {
    let d = resolve(b, deployment, env).await?;
    let target = resolve_revision(b, &d, to).await?;
    let rev = match b.rollback(&d.id, &target.id).await {
        Ok(rev) => rev,
        Err(e) => return Err(deploy_refused(b, &d.space_id, e).await),
    };
    output::note(format!(
        "rollback of {} to #{} created revision #{}",
        d.name, target.number, rev.number
    ));
    follow_revision(b, &d, &rev, wait, format).await
}

/// A refused deploy, said the command line's way when the reason is an inactive space (the
/// engine's message names the HTTP route that activates it).
pub(super) async fn deploy_refused(b: &dyn Backend, space_id: &str, e: BackendError) -> CliError {
    if let BackendError::Conflict(_) = &e
        && let Ok(space) = b.get_space(space_id).await
        && space.status == SpaceStatus::Inactive
    {
        return CliError::new(
            Exit::Conflict,
            format!(
                "space {} is inactive and takes no new deploys; `zopdeck spaces status {} \
                 active` activates it",
                space.name, space.name
            ),
        );
    }
    fmt(e)
}

/// The current revision of each deployment (what it runs now: its number and image), looked
/// up a few at a time; one that cannot be read is left out.
async fn current_revisions(
    b: &dyn Backend,
    deps: &[Deployment],
) -> std::collections::HashMap<String, Revision> {
    use futures::StreamExt;
    let lookups = deps.iter().filter_map(|d| {
        let rev = d.current_revision_id.clone()?;
        let id = d.id.clone();
        Some(async move { b.get_revision(&id, &rev).await.ok().map(|r| (id, r)) })
    });
    futures::stream::iter(lookups)
        .buffer_unordered(16)
        .filter_map(|r| async move { r })
        .collect()
        .await
}
