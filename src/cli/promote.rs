//! Environments side by side on the command line: `promote` (a revision of one environment
//! rolled out in another) and `layout copy` (one environment's card places taken by another's).

use super::commands::fmt;
use super::deployments::deploy_refused;
use super::error::{CliError, Exit};
use super::follow::{follow, follow_revision};
use super::output;
use super::resolve::{first_revision, resolve, resolve_env, resolve_revision};
use super::{OutputFormat, WaitArgs};
use crate::backend::Backend;
use crate::backend::model::*;

/// What `promote` was asked: from where (default: the deployment's own environment), to
/// where, which revision (default: the active one), and whether to create a missing target.
pub struct Promotion<'a> {
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub revision: Option<&'a str>,
    pub create: bool,
}

pub async fn promote(
    b: &dyn Backend,
    deployment: &str,
    how: &Promotion<'_>,
    wait: &WaitArgs,
    format: OutputFormat,
) -> Result<(), CliError> {
    let source = resolve(b, deployment, how.from).await?;
    let from = b.get_environment(&source.env_id).await.map_err(fmt)?;
    let to = resolve_env(b, how.to).await?;
    if to.id == from.id {
        return Err(CliError::usage(format!(
            "{} is already in {}: --to names another environment (to go back to an earlier \
             revision here, `zopdeck rollback {} --to N`)",
            source.name, to.name, source.name
        )));
    }
    let rev = match how.revision {
        Some(r) => resolve_revision(b, &source, r).await?,
        None => serving(b, &source, &from).await?,
    };
    let targets = b.list_deployments(Some(&to.id)).await.map_err(fmt)?;
    let Some(target) = targets.into_iter().find(|d| d.name == source.name) else {
        return create_from(b, &source, &rev, &from, &to, how.create, wait, format).await;
    };
    let promoted = match b.promote(&target.id, &rev.id).await {
        Ok(r) => r,
        Err(e) => return Err(deploy_refused(b, &to.space_id, e).await),
    };
    output::note(format!(
        "promoted {} from {} #{} to {}: revision #{}",
        source.name, from.name, rev.number, to.name, promoted.number
    ));
    follow_revision(b, &target, &promoted, wait, format).await
}

/// The revision that serves in `env`: the newest active one.
async fn serving(b: &dyn Backend, d: &Deployment, env: &Environment) -> Result<Revision, CliError> {
    b.list_revisions(&d.id)
        .await
        .map_err(fmt)?
        .into_iter()
        .find(|r| r.status == RevisionStatus::Active)
        .ok_or_else(|| {
            CliError::new(
                Exit::Conflict,
                format!(
                    "{} has no active revision in {} to promote; name one with --revision N \
                     (`zopdeck revisions {} --env {}` lists them)",
                    d.name, env.name, d.name, env.name
                ),
            )
        })
}

/// The target environment has no deployment of that name: with `--create`, one is made
/// there from the revision's image and configs; without, the command says how.
#[allow(clippy::too_many_arguments)]
async fn create_from(
    b: &dyn Backend,
    source: &Deployment,
    rev: &Revision,
    from: &Environment,
    to: &Environment,
    create: bool,
    wait: &WaitArgs,
    format: OutputFormat,
) -> Result<(), CliError> {
    if !create {
        return Err(CliError::not_found(format!(
            "{} has no deployment named {}; add --create to create it there with the image \
             and configs of {} #{}",
            to.name, source.name, from.name, rev.number
        )));
    }
    let Some(image) = rev.image.clone() else {
        return Err(CliError::new(
            Exit::Conflict,
            format!(
                "{} #{} of {} has no image yet (it was not built): promote a revision that was \
                 built",
                from.name, rev.number, source.name
            ),
        ));
    };
    let configs: serde_json::Value = serde_json::from_str(&rev.configs)
        .map_err(|e| CliError::new(Exit::Failed, format!("the revision's configs: {e}")))?;
    let req = NewDeployment {
        name: source.name.clone(),
        env_id: Some(to.id.clone()),
        source_type: Some(SourceType::Image),
        image: Some(image),
        configs: Some(configs),
        canvas_position: source.canvas_position,
        ..Default::default()
    };
    let d = match b.create_deployment(req).await {
        Ok(d) => d,
        Err(e) => return Err(deploy_refused(b, &to.space_id, e).await),
    };
    output::note(format!(
        "created {} in {} from {} #{}",
        d.name, to.name, from.name, rev.number
    ));
    let first = first_revision(b, &d).await?;
    follow(b, &d, &first, wait, format).await
}

/// One card of `to` and where `from`'s card of the same name is.
#[derive(serde::Serialize)]
struct Move {
    name: String,
    id: String,
    from: Option<CanvasPosition>,
    to: CanvasPosition,
}

pub async fn copy_layout(
    b: &dyn Backend,
    from: &str,
    to: &str,
    dry_run: bool,
    format: OutputFormat,
) -> Result<(), CliError> {
    let from = resolve_env(b, from).await?;
    let to = resolve_env(b, to).await?;
    if from.id == to.id {
        return Err(CliError::usage(format!(
            "--from and --to are both {}: name two environments",
            to.name
        )));
    }
    let sources = b.list_deployments(Some(&from.id)).await.map_err(fmt)?;
    let targets = b.list_deployments(Some(&to.id)).await.map_err(fmt)?;
    let moves: Vec<Move> = targets
        .iter()
        .filter_map(|t| {
            let place = sources.iter().find(|s| s.name == t.name)?.canvas_position?;
            (t.canvas_position != Some(place)).then(|| Move {
                name: t.name.clone(),
                id: t.id.clone(),
                from: t.canvas_position,
                to: place,
            })
        })
        .collect();
    if !dry_run {
        for m in &moves {
            b.set_canvas_position(&m.id, m.to).await.map_err(fmt)?;
        }
    }
    let alone = targets
        .iter()
        .filter(|t| {
            !sources
                .iter()
                .any(|s| s.name == t.name && s.canvas_position.is_some())
        })
        .count();
    output::note(format!(
        "{} {} of {} card(s) of {} to their places in {}; {alone} have no placed namesake \
         there, {} already were in place",
        if dry_run { "would move" } else { "moved" },
        moves.len(),
        targets.len(),
        to.name,
        from.name,
        targets.len() - moves.len() - alone,
    ));
    let place = |p: Option<CanvasPosition>| p.map_or("-".into(), |p| format!("{},{}", p.x, p.y));
    output::print_named(
        format,
        &moves,
        || moves.iter().map(|m| m.name.clone()).collect(),
        || {
            let mut rows = vec![vec!["NAME".into(), "FROM".into(), "TO".into()]];
            rows.extend(
                moves
                    .iter()
                    .map(|m| vec![m.name.clone(), place(m.from), place(Some(m.to))]),
            );
            rows
        },
    )
}
