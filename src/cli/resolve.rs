//! Naming things on the command line: deployments, environments, spaces and revisions by id
//! or by name (a deployment's name within `--env`), revisions also by number (`3`, `#3`).

use super::commands::fmt;
use super::error::CliError;
use crate::backend::Backend;
use crate::backend::model::*;

/// The deployment's newest revision (what a create or `wait` follows).
pub async fn first_revision(b: &dyn Backend, d: &Deployment) -> Result<Revision, CliError> {
    b.list_revisions(&d.id)
        .await
        .map_err(fmt)?
        .into_iter()
        .next()
        .ok_or_else(|| CliError::not_found(format!("{} has no revision", d.name)))
}

pub async fn revision_numbers(b: &dyn Backend, dep: &str) -> Vec<(String, u32)> {
    b.list_revisions(dep)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.id, r.number))
        .collect()
}

pub fn rev_number(numbers: &[(String, u32)], e: &Event) -> Option<u32> {
    let id = e.revision_id.as_deref()?;
    numbers.iter().find(|(r, _)| r == id).map(|(_, n)| *n)
}

pub async fn resolve_env(b: &dyn Backend, name_or_id: &str) -> Result<Environment, CliError> {
    let envs = b.list_environments().await.map_err(fmt)?;
    envs.iter()
        .find(|e| e.id == name_or_id)
        .or_else(|| envs.iter().find(|e| e.name == name_or_id))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
            CliError::not_found(format!(
                "no environment {name_or_id:?}; there are: {}",
                names.join(", ")
            ))
        })
}

/// A deployment by id, or by name (within `env` when given).
pub async fn resolve(
    b: &dyn Backend,
    name_or_id: &str,
    env: Option<&str>,
) -> Result<Deployment, CliError> {
    if name_or_id.starts_with("dep_") {
        return b.get_deployment(name_or_id).await.map_err(fmt);
    }
    let env_id = match env {
        Some(e) => Some(resolve_env(b, e).await?.id),
        None => None,
    };
    let matches: Vec<Deployment> = b
        .list_deployments(env_id.as_deref())
        .await
        .map_err(fmt)?
        .into_iter()
        .filter(|d| d.name == name_or_id)
        .collect();
    match matches.len() {
        0 => Err(CliError::not_found(format!(
            "no deployment named {name_or_id:?}; `zopdeck deployments list` shows them"
        ))),
        1 => Ok(matches.into_iter().next().ok_or("no deployment")?),
        n => Err(CliError::usage(format!(
            "{n} deployments are named {name_or_id:?}; pick one with --env"
        ))),
    }
}

pub async fn resolve_revision(
    b: &dyn Backend,
    d: &Deployment,
    r: &str,
) -> Result<Revision, CliError> {
    let revs = b.list_revisions(&d.id).await.map_err(fmt)?;
    let number = r.trim_start_matches('#').parse::<u32>().ok();
    revs.into_iter()
        .find(|rev| rev.id == r || Some(rev.number) == number)
        .ok_or_else(|| {
            CliError::not_found(format!(
                "{} has no revision {r:?}; `zopdeck revisions list {}` lists them",
                d.name, d.name
            ))
        })
}

/// A space by id, or by name.
pub async fn resolve_space(b: &dyn Backend, name_or_id: &str) -> Result<Space, CliError> {
    if name_or_id.starts_with("spc_") {
        return b.get_space(name_or_id).await.map_err(fmt);
    }
    let spaces = b.list_spaces().await.map_err(fmt)?;
    match spaces.iter().find(|s| s.name == name_or_id) {
        // Fetched again: the list may not carry what one space's GET does.
        Some(s) => b.get_space(&s.id).await.map_err(fmt),
        None => {
            let names: Vec<&str> = spaces.iter().map(|s| s.name.as_str()).collect();
            Err(CliError::not_found(format!(
                "no space {name_or_id:?}; there are: {} (`zopdeck spaces list`)",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )))
        }
    }
}
