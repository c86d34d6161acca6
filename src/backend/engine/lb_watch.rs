//! Follows a pending LoadBalancer through its runtime's watch and tells subscribers of each
//! change, so that a `/ws` client or the TUI learns the address with nothing polling. One
//! task per pending LoadBalancer; it ends once the address is there (or nothing is exposed),
//! and a teardown stops it.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use super::Engine;
use crate::backend::model::*;

/// Starts watching the deployment's LoadBalancer, unless it is watched already; `known` is
/// what subscribers were told last (not told again).
pub(super) fn watch(engine: &Arc<Engine>, deployment_id: String, known: Option<LoadBalancer>) {
    let mut watching = engine.lb_watchers.lock().unwrap_or_else(|p| p.into_inner());
    if watching.contains_key(&deployment_id) {
        return;
    }
    let task = tokio::spawn(run(Arc::clone(engine), deployment_id.clone(), known));
    watching.insert(deployment_id, task.abort_handle());
}

/// Stops watching (the deployment is being torn down).
pub(super) fn stop(engine: &Engine, deployment_id: &str) {
    let handle = engine
        .lb_watchers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(deployment_id);
    if let Some(h) = handle {
        h.abort();
    }
}

const FIRST_RETRY: Duration = Duration::from_secs(1);
const LAST_RETRY: Duration = Duration::from_secs(30);

async fn run(engine: Arc<Engine>, deployment_id: String, known: Option<LoadBalancer>) {
    let mut shutdown = engine.shutdown.subscribe();
    let mut retry = FIRST_RETRY;
    let mut last = known;
    'watches: while let Ok(d) = engine.deployment(&deployment_id) {
        if d.status != DeploymentStatus::Active {
            break;
        }
        let runtime = match engine
            .space_cluster(&d.space_id)
            .and_then(|(_, cluster)| engine.runtime_for(&cluster))
        {
            Ok(rt) => rt,
            Err(e) => {
                tracing::debug!(%deployment_id, "loadbalancer watch: {e}");
                break;
            }
        };
        let Ok(release) = engine.release_ref(&d) else {
            break;
        };
        let mut stream = runtime.watch_loadbalancer(&release);
        loop {
            tokio::select! {
                item = stream.next() => match item {
                    Some(Ok(lb)) => {
                        retry = FIRST_RETRY;
                        let lb = engine.loadbalancer_as_configured(&d, lb);
                        let settled = lb.status != LbStatus::Pending;
                        if last.as_ref() != Some(&lb) {
                            last = Some(lb.clone());
                            if lb.status == LbStatus::Ready {
                                address_event(&engine, &d, &lb);
                            }
                            engine.publish(Change::Loadbalancer {
                                deployment_id: deployment_id.clone(),
                                data: lb,
                            });
                        }
                        if settled {
                            break 'watches;
                        }
                    }
                    Some(Err(e)) => {
                        tracing::debug!(%deployment_id, "loadbalancer watch: {e}; again in {retry:?}");
                        break;
                    }
                    // Nothing more can change.
                    None => break 'watches,
                },
                _ = shutdown.changed() => break 'watches,
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(retry) => {}
            _ = shutdown.changed() => break,
        }
        retry = (retry * 2).min(LAST_RETRY);
    }
    engine
        .lb_watchers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&deployment_id);
}

/// The public address arriving is an event of its own on the timeline (once per revision):
/// stage `active`, status `progress`, with the address.
fn address_event(engine: &Engine, d: &Deployment, lb: &LoadBalancer) {
    let Some(address) = &lb.address else {
        return;
    };
    let Some(rev) = &d.current_revision_id else {
        return;
    };
    // A newer rollout began meanwhile: its own activation will say the address.
    let still = engine.deployment(&d.id).is_ok_and(|now| {
        now.status == DeploymentStatus::Active && now.current_revision_id == d.current_revision_id
    });
    if !still {
        return;
    }
    let mut meta = serde_json::Map::new();
    meta.insert("address".into(), address.clone().into());
    meta.insert("message".into(), "public address ready".into());
    let event = super::store::history::NewEvent {
        deployment_id: d.id.clone(),
        revision_id: Some(rev.clone()),
        stage: Stage::Active,
        status: EventStatus::Progress,
        meta,
        dedupe_key: Some(format!("{rev}/active/address")),
    };
    match engine
        .store()
        .append_event(event, engine.clock().now(), None)
    {
        Ok(Some(e)) => engine.publish(Change::Event {
            deployment_id: d.id.clone(),
            data: e,
        }),
        Ok(None) => {}
        Err(e) => tracing::warn!(deployment = %d.name, "recording the address event: {e}"),
    }
}
