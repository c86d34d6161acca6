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
/// every one zopdeck applied, not naming zopdeck's newest revision, and with no revision of
/// zopdeck's on its way.
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
        // A zopdeck revision on its way takes the release over (it is numbered after Helm's
        // history): news of an older record arriving meanwhile — the last update of a
        // by-hand `helm rollback --wait`, a re-list — marks nothing.
        if newest.as_ref().is_some_and(|r| {
            matches!(
                r.status,
                RevisionStatus::Pending | RevisionStatus::Building | RevisionStatus::Deploying
            )
        }) {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::backend::Backend;
    use crate::backend::engine::{OpenOptions, seed};

    /// A record of Helm's that zopdeck did not write, newer than anything it applied.
    fn by_hand(name: &str, version: u32) -> ReleaseHead {
        ReleaseHead {
            name: name.into(),
            version,
            status: "deployed".into(),
            description: "Rollback to 2".into(),
            revision_id: Some("rev_of_another_time".into()),
        }
    }

    #[tokio::test]
    async fn news_of_an_older_record_while_a_zopdeck_revision_is_on_its_way_marks_nothing() {
        let engine = Engine::in_memory(
            Default::default(),
            OpenOptions {
                demo: false,
                workers: false,
                viewer: false,
            },
        )
        .await
        .unwrap();
        let env = engine
            .store
            .read(|c| catalog::find_environment(c, seed::DEMO_ENV))
            .unwrap()
            .unwrap();
        let d = engine
            .create_deployment_op(NewDeployment {
                name: "web".into(),
                env_id: Some(env.id.clone()),
                image: Some("nginx:1.27".into()),
                ..Default::default()
            })
            .unwrap();
        // Revision #1 is pending (no worker runs): a by-hand record arriving now is left to it.
        notice(&engine, &env, &by_hand("web", 4)).unwrap();
        assert_eq!(engine.get_deployment(&d.id).await.unwrap().drift, None);
        // Once zopdeck's newest revision has landed, the same news is drift.
        let rev = engine
            .store
            .read(|c| history::newest_revision(c, &d.id))
            .unwrap()
            .unwrap();
        engine
            .store
            .write(|c| history::set_revision_status(c, &rev.id, RevisionStatus::Active))
            .unwrap();
        notice(&engine, &env, &by_hand("web", 4)).unwrap();
        assert_eq!(
            engine.get_deployment(&d.id).await.unwrap().drift,
            Some(Drift {
                helm_revision: 4,
                description: "Rollback to 2".into()
            })
        );
    }
}
