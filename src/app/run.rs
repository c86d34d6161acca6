//! The one event loop: `select!` over terminal events, backend updates, finished backend
//! calls and — only while something animates — a tick. Redraws only when `update` says so.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::msg::{Cmd, Msg, Snapshot};
use super::state::State;
use super::update::update;
use crate::backend::model::*;
use crate::backend::{Backend, BackendError, Update};
use crate::views::{self, status::Palette};

const TICK: Duration = Duration::from_millis(120);

/// Runs the TUI until the user quits. The terminal is restored on return, on panic (ratatui's
/// hook) and on SIGTERM/SIGHUP.
pub async fn run(
    backend: Arc<dyn Backend>,
    mut state: State,
    env: Option<String>,
) -> Result<(), String> {
    let mut terminal = ratatui::try_init().map_err(|e| format!("cannot open the terminal: {e}"))?;
    let result = event_loop(&mut terminal, backend, &mut state, env).await;
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    backend: Arc<dyn Backend>,
    state: &mut State,
    mut env: Option<String>,
) -> Result<(), String> {
    let palette = Palette::from_env();
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut terminal_events = EventStream::new();
    let mut feed = Some(backend.subscribe());
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = Signals::new();

    execute(Cmd::Reload, &backend, &tx, env.as_deref());
    terminal
        .draw(|f| views::draw(f, state, &palette))
        .map_err(|e| e.to_string())?;

    loop {
        let msg = tokio::select! {
            ev = terminal_events.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => Msg::Key(k),
                Some(Ok(TermEvent::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(format!("reading the terminal failed: {e}")),
                None => return Ok(()),
            },
            Some(msg) = rx.recv() => msg,
            update = next_update(&mut feed) => match update {
                Some(Update::Change(c)) => Msg::Changed(c),
                Some(Update::Missed) => Msg::Missed,
                None => {
                    feed = None;
                    Msg::Failed("the backend's live feed closed; press Ctrl-R to reload".into())
                }
            },
            _ = tick.tick(), if state.animating() => Msg::Tick,
            () = signals.recv() => return Ok(()),
        };
        let (redraw, cmds) = update(state, msg);
        for cmd in cmds {
            if cmd == Cmd::Quit {
                return Ok(());
            }
            execute(cmd, &backend, &tx, env.as_deref());
        }
        if let Some(e) = &state.environment {
            env = Some(e.id.clone());
        }
        if redraw {
            terminal
                .draw(|f| views::draw(f, state, &palette))
                .map_err(|e| e.to_string())?;
        }
    }
}

async fn next_update(feed: &mut Option<crate::backend::Subscription>) -> Option<Update> {
    match feed {
        Some(f) => f.next().await,
        None => std::future::pending().await,
    }
}

/// Runs a command in the background; its outcome comes back as a `Msg`.
fn execute(
    cmd: Cmd,
    backend: &Arc<dyn Backend>,
    tx: &mpsc::UnboundedSender<Msg>,
    env: Option<&str>,
) {
    let backend = Arc::clone(backend);
    let tx = tx.clone();
    let env = env.map(str::to_string);
    match cmd {
        Cmd::Quit => {}
        Cmd::Reload => {
            tokio::spawn(async move {
                let msg = match load_snapshot(backend.as_ref(), env.as_deref()).await {
                    Ok(s) => Msg::Loaded(Box::new(s)),
                    Err(e) => Msg::Failed(format!("loading failed: {e}; Ctrl-R retries")),
                };
                let _ = tx.send(msg);
            });
        }
        Cmd::FetchRevision {
            deployment_id,
            revision_id,
        } => {
            tokio::spawn(async move {
                if let Ok(r) = backend.get_revision(&deployment_id, &revision_id).await {
                    let _ = tx.send(Msg::RevisionNumber(r.id, r.number));
                }
            });
        }
    }
}

/// Everything the screen shows for one environment (`prefer`: its id or name).
pub async fn load_snapshot(
    b: &dyn Backend,
    prefer: Option<&str>,
) -> Result<Snapshot, BackendError> {
    let envs = b.list_environments().await?;
    let env = prefer
        .and_then(|p| envs.iter().find(|e| e.id == p || e.name == p))
        .or_else(|| envs.first())
        .cloned();
    let Some(env) = env else {
        return Ok(Snapshot::default());
    };
    let space = b.get_space(&env.space_id).await.ok();
    let deployments = b.list_deployments(Some(&env.id)).await?;
    let mut snapshot = Snapshot {
        environment: Some(env),
        space,
        ..Default::default()
    };
    for d in &deployments {
        if let Some(rev) = &d.current_revision_id
            && let Ok(r) = b.get_revision(&d.id, rev).await
        {
            snapshot.revision_numbers.push((r.id, r.number));
        }
        if d.status == DeploymentStatus::RollingOut
            && let Ok(events) = b.list_events(&d.id, None).await
            && let Some((r, t)) = events.iter().rev().find_map(|e| {
                Some((
                    e.meta.get("ready")?.as_u64()? as u32,
                    e.meta.get("desired")?.as_u64()? as u32,
                ))
            })
        {
            snapshot.progress.push((d.id.clone(), r, t));
        }
        if d.status == DeploymentStatus::Active
            && let Ok(lb) = b.loadbalancer(&d.id).await
            && lb.status != LbStatus::None
        {
            snapshot.loadbalancers.push((d.id.clone(), lb));
        }
    }
    snapshot.deployments = deployments;
    Ok(snapshot)
}

/// SIGTERM and SIGHUP end the TUI cleanly (the terminal is restored by the caller).
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            let term = async {
                match self.term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            let hup = async {
                match self.hup.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! { () = term => {}, () = hup => {} }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
