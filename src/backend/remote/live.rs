//! Live updates from a remote server: the `/ws` stream when offered, reconnecting with
//! back-off (1 s doubling to 30 s; a server without the stream is asked again every 5 min).
//! A connect or a drop switches the backend's `LiveMode` and tells subscribers to reload;
//! while the stream is down they poll.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::StreamExt;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::RemoteBackend;
use crate::backend::model::Change;

const MAX_DELAY: Duration = Duration::from_secs(30);
/// How often a server that answered "no such route" is asked again.
const NOT_OFFERED_DELAY: Duration = Duration::from_secs(300);

enum Ended {
    /// The server has no stream (404/405 on the upgrade).
    NotOffered,
    /// Could not connect, or the connection broke.
    Failed(String),
    /// The server closed the stream.
    Closed,
}

pub fn spawn(backend: Arc<RemoteBackend>) {
    let weak = Arc::downgrade(&backend);
    drop(backend);
    tokio::spawn(async move {
        let mut delay = Duration::from_secs(1);
        loop {
            // Stop once the client is gone.
            let Some(backend) = weak.upgrade() else { break };
            let url = format!("{}/ws", backend.base.replacen("http", "ws", 1));
            let token = backend.token.clone();
            let bus = backend.bus.clone();
            drop(backend);
            let mut connected = false;
            let ended = stream(&url, &token, &bus, || {
                connected = true;
                set_streaming(&weak, true);
            })
            .await;
            if connected {
                // Changes may be missed from here on: subscribers reload, then poll.
                set_streaming(&weak, false);
                delay = Duration::from_secs(1);
            }
            let pause = match ended {
                Ended::NotOffered => {
                    tracing::info!("the server offers no live stream; polling");
                    NOT_OFFERED_DELAY
                }
                Ended::Failed(e) => {
                    tracing::debug!("live stream unavailable: {e}");
                    delay
                }
                Ended::Closed => delay,
            };
            tokio::time::sleep(pause).await;
            delay = (delay * 2).min(MAX_DELAY);
        }
    });
}

/// Records the mode and tells subscribers (they reload, and learn the mode from it).
fn set_streaming(weak: &std::sync::Weak<RemoteBackend>, on: bool) {
    if let Some(b) = weak.upgrade() {
        b.streaming.store(on, Ordering::SeqCst);
        b.external.send_modify(|n| *n += 1);
    }
}

async fn stream(
    url: &str,
    token: &str,
    bus: &tokio::sync::broadcast::Sender<Change>,
    mut on_connect: impl FnMut(),
) -> Ended {
    let mut req = match url.into_client_request() {
        Ok(r) => r,
        Err(e) => return Ended::Failed(e.to_string()),
    };
    match format!("Bearer {token}").parse() {
        Ok(auth) => {
            req.headers_mut().insert("authorization", auth);
        }
        Err(_) => return Ended::Failed("the token is not a valid header value".into()),
    }
    let mut ws = match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => ws,
        Err(WsError::Http(res)) if matches!(res.status().as_u16(), 404 | 405) => {
            return Ended::NotOffered;
        }
        Err(e) => return Ended::Failed(e.to_string()),
    };
    on_connect();
    while let Some(msg) = ws.next().await {
        match msg {
            Ok(Message::Text(text)) => {
                if let Ok(change) = serde_json::from_str::<Change>(&text) {
                    let _ = bus.send(change);
                }
            }
            Ok(_) => {}
            Err(e) => return Ended::Failed(e.to_string()),
        }
    }
    Ended::Closed
}
