//! `zopdeck serve`: the embedded engine over the HTTP API contract (`shared/api/README.md`),
//! with the `{"data": …}` / `{"error": {…}}` envelope, bearer tokens with roles,
//! `Idempotency-Key` on POSTs, and `/api/ws` pushing changes.

mod audit;
mod auth;
mod cache;
mod error;
mod etag;
mod extract;
mod idempotency;
mod limits;
mod paging;
mod read_only;
mod routes;
mod ws;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::backend::engine::Engine;

pub use error::ApiError;

/// Largest request body accepted (configs are small; this is generous).
pub const BODY_LIMIT: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    /// Woken whenever an Idempotency-Key reservation is answered or given back.
    keys_settled: Arc<tokio::sync::Notify>,
    /// The lists' answers kept per store generation.
    answers: Arc<cache::Answers>,
}

/// How the server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// Offer the live stream (`/api/ws`); without it, clients poll.
    pub websocket: bool,
    /// Refuse every changing request (403 `read_only`).
    pub read_only: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            websocket: true,
            read_only: false,
        }
    }
}

/// The whole API under `/api`, with the live stream.
pub fn router(engine: Arc<Engine>) -> Router {
    router_for(engine, ServeOptions::default())
}

/// The API, with or without `/api/ws` (without it, clients have to poll — as on a platform
/// that offers no stream).
pub fn router_with(engine: Arc<Engine>, websocket: bool) -> Router {
    router_for(
        engine,
        ServeOptions {
            websocket,
            ..ServeOptions::default()
        },
    )
}

/// The API as `opts` say. Layers run outside in: the request's shape, the token, read-only,
/// idempotency, then the route; every refusal on the way is in the error envelope.
pub fn router_for(engine: Arc<Engine>, opts: ServeOptions) -> Router {
    let state = AppState {
        engine,
        keys_settled: Arc::default(),
        answers: Arc::default(),
    };
    let api = routes::routes()
        .merge(audit::routes())
        .route_layer(axum::middleware::from_fn(audit::remember_route));
    let api = if opts.websocket {
        api.merge(ws::routes())
    } else {
        api
    };
    let api = api.method_not_allowed_fallback(error::method_not_allowed);
    let mut app = Router::new()
        .nest("/api", api)
        .fallback(error::no_route)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::kept_lists,
        ))
        .layer(axum::middleware::from_fn(etag::etag))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotency,
        ));
    if opts.read_only {
        app = app.layer(axum::middleware::from_fn(read_only::refuse_changes));
    }
    app.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::require_token,
    ))
    .layer(axum::middleware::from_fn(limits::check))
    .layer(DefaultBodyLimit::max(BODY_LIMIT))
    .with_state(state)
}

/// Serves until SIGTERM or Ctrl-C; requests in flight finish, then the workers stop.
pub async fn serve(
    engine: Arc<Engine>,
    listen: SocketAddr,
    opts: ServeOptions,
) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
        format!(
            "cannot listen on {listen}: {e} (is another server using it? pick one with --listen)"
        )
    })?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    eprintln!("zopdeck serve: listening on http://{addr}/api");
    if !addr.ip().is_loopback() {
        eprintln!(
            "zopdeck serve: plain HTTP on a network address — tokens travel in clear; put a TLS-terminating proxy in front"
        );
    }
    if !opts.websocket {
        eprintln!("zopdeck serve: no live stream (/api/ws); clients poll");
    }
    if opts.read_only {
        eprintln!("zopdeck serve: read-only; every changing request is refused");
    }
    tracing::info!(%addr, read_only = opts.read_only, "serving");
    // Reservations still pending belong to requests of a process that died; their clients
    // retry, and the retry runs.
    // (On PostgreSQL other replicas may hold reservations of requests running now: those
    // of a dead replica are taken over once stale — see `tokens::reserve_key`.)
    let release = if engine.store().is_pg() {
        Ok(0)
    } else {
        engine
            .store()
            .write(crate::backend::engine::store::tokens::release_pending_keys)
    };
    match release {
        Ok(0) => {}
        Ok(n) => tracing::info!(n, "released Idempotency-Key reservations of a previous run"),
        Err(e) => tracing::warn!("releasing old Idempotency-Key reservations failed: {e}"),
    }
    let app = router_for(Arc::clone(&engine), opts);
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    // Workers hand their jobs back before the process ends.
    engine.stop(std::time::Duration::from_secs(5)).await;
    result.map_err(|e| format!("server error: {e}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    eprintln!("zopdeck serve: shutting down (requests in flight finish)");
}
