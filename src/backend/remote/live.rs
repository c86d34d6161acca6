//! Live updates from a remote server: the `/ws` stream when offered, reconnecting with
//! back-off (1 s doubling to 30 s). While it is down, subscribers get `Missed` so they
//! reload by polling.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::RemoteBackend;
use crate::backend::model::Change;

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
            let external = backend.external.clone();
            drop(backend);
            let mut connected = false;
            match stream(&url, &token, &bus, || {
                connected = true;
                // Changes may have been missed while disconnected.
                external.send_modify(|n| *n += 1);
            })
            .await
            {
                Ok(()) => {}
                Err(e) => tracing::debug!("live stream unavailable: {e}"),
            }
            if connected {
                // The stream dropped (server stopped?): subscribers reload, and find out.
                external.send_modify(|n| *n += 1);
                delay = Duration::from_secs(1);
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(30));
        }
    });
}

async fn stream(
    url: &str,
    token: &str,
    bus: &tokio::sync::broadcast::Sender<Change>,
    mut on_connect: impl FnMut(),
) -> Result<(), String> {
    let mut req = url.into_client_request().map_err(|e| e.to_string())?;
    let auth = format!("Bearer {token}")
        .parse()
        .map_err(|_| "the token is not a valid header value".to_string())?;
    req.headers_mut().insert("authorization", auth);
    let (mut ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .map_err(|e| e.to_string())?;
    on_connect();
    while let Some(msg) = ws.next().await {
        let msg = msg.map_err(|e| e.to_string())?;
        if let Message::Text(text) = msg
            && let Ok(change) = serde_json::from_str::<Change>(&text)
        {
            let _ = bus.send(change);
        }
    }
    Ok(())
}
