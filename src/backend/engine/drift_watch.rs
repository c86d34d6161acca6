//! Noticing releases changed outside zopdeck: one watch of Helm's records per namespace of
//! every environment on a Kubernetes space (not one per deployment). A revision zopdeck did not
//! write — a `helm rollback` or `helm upgrade` by hand — marks its deployment with `drift`
//! ("changed outside zopdeck: helm revision 5, Rollback to 2") until zopdeck's next revision,
//! which continues Helm's numbering.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use super::Engine;
use super::store::{catalog, history};
use crate::backend::model::*;
use crate::backend::runtime::ReleaseHead;

const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(60);

/// Starts the supervisor: it watches the namespaces of the environments there are, and of
/// each one created later (`Engine::environments_changed`).
pub(super) fn spawn(engine: &Arc<Engine>) {
    let engine = Arc::clone(engine);
    tokio::spawn(async move {
        let mut shutdown = engine.shutdown.subscribe();
        let mut watching: HashMap<(String, String), tokio::task::JoinHandle<()>> = HashMap::new();
        loop {
            let changed = engine.environments_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            watching.retain(|_, task| !task.is_finished());
            if let Ok(envs) = engine.store.read(catalog::list_environments) {
                for env in envs {
                    let key = (env.space_id.clone(), env.namespace.clone());
                    if watching.contains_key(&key) || !on_kubernetes(&engine, &env) {
                        continue;
                    }
                    let task = tokio::spawn(watch_namespace(Arc::clone(&engine), env));
                    watching.insert(key, task);
                }
            }
            tokio::select! {
                () = changed => {}
                _ = shutdown.changed() => break,
            }
        }
        for task in watching.into_values() {
            task.abort();
        }
    });
}

fn on_kubernetes(engine: &Engine, env: &Environment) -> bool {
    engine
        .space_cluster(&env.space_id)
        .is_ok_and(|(_, cluster)| cluster.runtime == "kubernetes")
}

async fn watch_namespace(engine: Arc<Engine>, env: Environment) {
    let mut shutdown = engine.shutdown.subscribe();
    let mut retry = FIRST_RETRY;
    loop {
        let runtime = engine
            .space_cluster(&env.space_id)
            .and_then(|(cref, cluster)| Ok((cref, engine.runtime_for(&cluster)?)));
        let Ok((cref, runtime)) = runtime else {
            return; // the space is gone
        };
        let mut heads = runtime.watch_releases(&cref, &env.namespace);
        loop {
            tokio::select! {
                item = heads.next() => match item {
                    Some(Ok(head)) => {
                        retry = FIRST_RETRY;
                        if let Err(e) = notice(&engine, &env, &head) {
                            tracing::warn!(namespace = %env.namespace, "reading a release change: {e}");
                        }
                    }
                    Some(Err(e)) => {
                        tracing::debug!(namespace = %env.namespace, "release watch: {e}; again in {retry:?}");
                        break;
                    }
                    None => break,
                },
                _ = shutdown.changed() => return,
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(retry) => {}
            _ = shutdown.changed() => return,
        }
        retry = (retry * 2).min(LAST_RETRY);
    }
}

/// Marks the deployment when `head` is a release revision zopdeck did not write: newer than
/// every one zopdeck applied, and not naming zopdeck's newest revision.
fn notice(engine: &Engine, env: &Environment, head: &ReleaseHead) -> crate::backend::Result<()> {
    let changed = engine.store.write(|c| {
        let Some(d) = catalog::list_deployments(c, Some(&env.id))?
            .into_iter()
            .find(|d| d.name == head.name)
        else {
            return Ok(None);
        };
        let newest = history::newest_revision(c, &d.id)?;
        if newest.as_ref().map(|r| &r.id) == head.revision_id.as_ref() {
            return Ok(None);
        }
        let applied = history::list_events(c, &d.id, None)?
            .iter()
            .filter(|e| e.stage == Stage::Deploying && e.status == EventStatus::Succeeded)
            .filter_map(|e| e.meta.get("helmRevision").and_then(|v| v.as_u64()))
            .max()
            .unwrap_or(0);
        if u64::from(head.version) <= applied {
            return Ok(None);
        }
        let drift = Drift {
            helm_revision: head.version,
            description: head.description.clone(),
        };
        Ok(catalog::set_drift(c, &d.id, Some(&drift))?.then_some((d, drift)))
    })?;
    if let Some((d, drift)) = changed {
        tracing::info!(deployment = %d.name, "{}", drift.label());
        engine.publish_deployment(&d.id);
    }
    Ok(())
}
