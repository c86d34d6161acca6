//! `GET /api/ws`: changes pushed as text frames shaped like the contract's
//! (`{"type":"event"|"deployment"|"loadbalancer", …}`). A viewer's deployment frames have
//! secret env values redacted. Nothing a client sends changes anything.

use axum::Router;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::error::ApiError;
use super::extract::Caller;
use crate::backend::{Backend, Update};

/// Read buffer of a connection. Clients send only control frames (close, ping), so a small
/// one does; tungstenite's default (128 KiB, allocated up front) cost 64 MiB per 500 clients.
const READ_BUFFER: usize = 4 * 1024;
/// Largest message (and frame) read from a client.
const MAX_INCOMING: usize = 64 * 1024;
/// Frames are written out at once, not gathered first.
const WRITE_BUFFER: usize = 0;
/// Bound on what waits to be written to a slow client.
const MAX_WRITE_BUFFER: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ws", get(upgrade))
}

async fn upgrade(
    State(s): State<AppState>,
    caller: Caller,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let ws = match ws {
        Ok(ws) => ws,
        Err(r) => return handshake_refused(&r).into_response(),
    };
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .on_upgrade(move |socket| push(socket, s, caller))
}

fn handshake_refused(r: &WebSocketUpgradeRejection) -> ApiError {
    ApiError {
        status: r.status(),
        code: if r.status() == StatusCode::UPGRADE_REQUIRED {
            "upgrade_required"
        } else {
            "bad_request"
        },
        message: format!(
            "{}: /api/ws is a WebSocket; connect with a WebSocket client (GET with \
             Connection: Upgrade, Upgrade: websocket, Sec-WebSocket-Version: 13 and a key)",
            r.body_text()
        ),
        field: None,
    }
}

async fn push(mut socket: WebSocket, s: AppState, caller: Caller) {
    let mut feed = s.engine.subscribe();
    loop {
        tokio::select! {
            update = feed.next() => {
                let text = match update {
                    Some(Update::Change(change)) if caller.sees_secrets() => {
                        serde_json::to_string(&change).unwrap_or_default()
                    }
                    Some(Update::Change(change)) => {
                        serde_json::to_string(&change.redacted()).unwrap_or_default()
                    }
                    // The client fell behind: it should reload what it shows.
                    Some(Update::Missed) => r#"{"type":"missed"}"#.to_string(),
                    None => break,
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                _ => {}
            },
        }
    }
}
