//! Several replicas on one PostgreSQL store: each change an engine publishes is NOTIFYed to
//! the others (with its origin, so that no one hears itself), which hand it to their own
//! subscribers — WebSocket clients of any replica see every change. A change too large for a
//! notification, or changes missed while the LISTEN connection was down, make subscribers
//! reload instead. Any notification also wakes the idle workers: another replica may have
//! queued a job.

use std::sync::{Arc, Weak};

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::backend::model::Change;

const CHANNEL: &str = "zopdeck_changes";
/// PostgreSQL refuses payloads of 8000 bytes and more.
const MAX_PAYLOAD: usize = 7900;

#[derive(Serialize, Deserialize)]
struct Notice {
    origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    change: Option<Change>,
}

/// Tells the other replicas about `change` (after its transaction committed).
pub fn tell_replicas(engine: &Engine, change: &Change) {
    let full = Notice {
        origin: engine.owner.clone(),
        change: Some(change.clone()),
    };
    let payload = match serde_json::to_string(&full) {
        Ok(p) if p.len() < MAX_PAYLOAD => p,
        // Too large to carry: the others reload what they show.
        _ => serde_json::json!({ "origin": engine.owner }).to_string(),
    };
    if let Err(e) = engine.store.notify(CHANNEL, &payload) {
        tracing::warn!("telling the other replicas about a change failed: {e}");
    }
}

/// Hears the other replicas for as long as the engine lives.
pub fn listen(engine: &Arc<Engine>) {
    let weak: Weak<Engine> = Arc::downgrade(engine);
    engine.store.listen(CHANNEL, move |payload| {
        let Some(engine) = weak.upgrade() else {
            return;
        };
        match payload.and_then(|p| serde_json::from_str::<Notice>(&p).ok()) {
            Some(n) if n.origin == engine.owner => return,
            Some(Notice {
                change: Some(change),
                ..
            }) => {
                let _ = engine.bus.send(change);
            }
            // Too large, unreadable, or the connection was lost meanwhile: reload.
            _ => engine.external.send_modify(|n| *n += 1),
        }
        engine.wake.notify_one();
    });
}
