//! `GET /api/ws`: changes pushed as text frames shaped like the contract's
//! (`{"type":"event"|"deployment"|"loadbalancer", …}`).

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;

use super::AppState;
use crate::backend::{Backend, Update};

pub fn routes() -> Router<AppState> {
    Router::new().route("/ws", get(upgrade))
}

async fn upgrade(State(s): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| push(socket, s))
}

async fn push(mut socket: WebSocket, s: AppState) {
    let mut feed = s.engine.subscribe();
    loop {
        tokio::select! {
            update = feed.next() => {
                let text = match update {
                    Some(Update::Change(change)) => serde_json::to_string(&change).unwrap_or_default(),
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
