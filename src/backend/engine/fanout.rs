//! Several replicas on one PostgreSQL store: each change an engine publishes is NOTIFYed to
//! the others (with its origin, so that no one hears itself), which hand it to their own
//! subscribers — WebSocket clients of any replica see every change. A change too large for a
//! notification, or changes missed while the LISTEN connection was down, make subscribers
//! reload instead. A replica that queued a job (or finished one) wakes the others' idle
//! workers the same way.

use std::sync::{Arc, Weak};

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::backend::model::Change;

const CHANNEL: &str = "zopdeck_changes";
/// PostgreSQL refuses payloads of 8000 bytes and more.
const MAX_PAYLOAD: usize = 7900;
/// Notifications sent at most in one statement.
const BATCH: usize = 100;

/// What a replica hears.
#[derive(Deserialize)]
struct Notice {
    origin: String,
    #[serde(default)]
    change: Option<Change>,
    /// A job may be ready to run: idle workers look.
    #[serde(default)]
    wake: bool,
}

/// What a replica says: a `Notice`, written without copying the change.
#[derive(Serialize)]
struct Say<'a> {
    origin: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<&'a Change>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    wake: bool,
}

/// Tells the other replicas about `change` (after its transaction committed): queued, and
/// sent in order by a thread of its own, so that no request waits for the notification.
pub fn tell_replicas(engine: &Engine, change: &Change) {
    let Some(queue) = engine.fanout.get() else {
        return;
    };
    let full = Say {
        origin: &engine.owner,
        change: Some(change),
        wake: false,
    };
    let payload = match serde_json::to_string(&full) {
        Ok(p) if p.len() < MAX_PAYLOAD => p,
        // Too large to carry: the others reload what they show.
        _ => serde_json::json!({ "origin": engine.owner }).to_string(),
    };
    let _ = queue.send(payload);
}

/// Tells the other replicas' idle workers to look for jobs.
pub fn wake_replicas(engine: &Engine) {
    let Some(queue) = engine.fanout.get() else {
        return;
    };
    let say = Say {
        origin: &engine.owner,
        change: None,
        wake: true,
    };
    if let Ok(payload) = serde_json::to_string(&say) {
        let _ = queue.send(payload);
    }
}

/// The thread that sends the queued notifications, in order, until the engine is gone.
fn start_sender(engine: &Arc<Engine>) {
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    if engine.fanout.set(tx).is_err() {
        return;
    }
    let weak: Weak<Engine> = Arc::downgrade(engine);
    std::thread::Builder::new()
        .name("zopdeck-fanout".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                // What queued up meanwhile goes along in the same statement (and transaction):
                // under load, one round trip and one commit for many changes.
                let mut batch = vec![first];
                batch.extend(rx.try_iter().take(BATCH - 1));
                let Some(engine) = weak.upgrade() else {
                    return;
                };
                if let Err(e) = engine.store.notify(CHANNEL, &batch) {
                    tracing::warn!("telling the other replicas about a change failed: {e}");
                }
            }
        })
        .map(drop)
        .unwrap_or_else(|e| tracing::warn!("cannot start the fan-out thread: {e}"));
}

/// Hears the other replicas for as long as the engine lives, and tells them.
pub fn listen(engine: &Arc<Engine>) {
    start_sender(engine);
    let weak: Weak<Engine> = Arc::downgrade(engine);
    engine.store.listen(CHANNEL, move |payload| {
        let Some(engine) = weak.upgrade() else {
            return;
        };
        match payload.and_then(|p| serde_json::from_str::<Notice>(&p).ok()) {
            Some(n) if n.origin == engine.owner => {}
            Some(Notice { wake: true, .. }) => engine.wake.notify_one(),
            Some(Notice {
                change: Some(change),
                ..
            }) => {
                let _ = engine.bus.send(change);
            }
            // Too large, unreadable, or the connection was lost meanwhile: reload, and look
            // for jobs.
            _ => {
                engine.external.send_modify(|n| *n += 1);
                engine.wake.notify_one();
            }
        }
    });
}
