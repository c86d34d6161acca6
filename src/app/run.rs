//! The one event loop: `select!` over terminal events, backend updates, finished backend
//! calls, the next pending-write deadline and — only while something animates — a tick.
//! Redraws only when `update` says so: an idle screen costs no CPU.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use super::model::{Failure, serving};
use super::msg::{Cmd, Msg, PollError, SaveError, Snapshot};
use super::outbox::Outbox;
use super::state::State;
use super::update::update;
use crate::backend::model::*;
use crate::backend::{Backend, BackendError, Subscription, Update};
use crate::views::{self, status::Palette};

const TICK: Duration = Duration::from_millis(120);

/// Runs the TUI until the user quits. The terminal is restored on return, on panic (ratatui's
/// hook) and on SIGTERM/SIGHUP.
pub async fn run(
    backend: Arc<dyn Backend>,
    state: State,
    env: Option<String>,
    outbox: Outbox,
) -> Result<(), String> {
    let mut terminal = ratatui::try_init().map_err(|e| format!("cannot open the terminal: {e}"))?;
    let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    let mut state = state;
    let result = event_loop(&mut terminal, backend, &mut state, env, &outbox).await;
    let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    let _ = std::io::stdout().flush();
    ratatui::restore();
    // Whatever is still unsaved stays on disk for the next start.
    if let Err(e) = outbox.save(
        &state
            .saves
            .pending
            .iter()
            .map(|(id, p)| (id.clone(), p.pos))
            .collect(),
    ) {
        eprintln!("zopdeck: {e}");
    }
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    backend: Arc<dyn Backend>,
    state: &mut State,
    env: Option<String>,
    outbox: &Outbox,
) -> Result<(), String> {
    let color = Palette::color_wanted();
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut terminal_events = EventStream::new();
    let mut feed = Some(backend.subscribe());
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = Signals::new();
    if let Ok(size) = terminal.size() {
        state.screen = (size.width, size.height);
    }

    for cmd in super::spaces::start::first_cmds(state, env) {
        execute(cmd, &backend, &tx, outbox);
    }
    match outbox.load() {
        Ok(saved) if !saved.is_empty() => {
            let _ = tx.send(Msg::OutboxLoaded(saved));
        }
        Ok(_) => {}
        Err(e) => {
            let _ = tx.send(Msg::Failed(e));
        }
    }
    draw(terminal, state, color)?;

    let mut clock = None;
    loop {
        let deadline = state.next_deadline().map(tokio::time::Instant::from_std);
        let msg = tokio::select! {
            ev = terminal_events.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => Msg::Key(k),
                Some(Ok(TermEvent::Mouse(m))) => Msg::Mouse(m),
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
                    Msg::Failed("the backend's live feed closed; press Ctrl-L to reload".into())
                }
            },
            () = sleep_until(deadline), if deadline.is_some() => Msg::Timer,
            () = sleep_until(clock), if clock.is_some() => {
                // A relative time on screen ("12s ago") reads differently now.
                draw(terminal, state, color)?;
                clock = next_clock_redraw(state);
                continue;
            }
            _ = tick.tick(), if state.animating() => Msg::Tick,
            () = signals.recv() => return Ok(()),
        };
        let (redraw, cmds) = update(state, msg, Instant::now());
        for cmd in cmds {
            if cmd == Cmd::Quit {
                return Ok(());
            }
            if let Cmd::EditConfigs { id, text } = cmd {
                // The editor gets the terminal: stop reading it, hand it over, take it back.
                drop(terminal_events);
                let result = suspend_for_editor(terminal, &text)?;
                terminal_events = EventStream::new();
                let _ = tx.send(Msg::Edited { id, result });
                continue;
            }
            execute(cmd, &backend, &tx, outbox);
        }
        if redraw {
            draw(terminal, state, color)?;
            clock = next_clock_redraw(state);
        }
    }
}

fn next_clock_redraw(state: &State) -> Option<tokio::time::Instant> {
    state
        .next_clock_change()
        .map(|d| tokio::time::Instant::now() + d)
}

/// Leaves the TUI, runs `$VISUAL`/`$EDITOR` (else `vi`) on `text`, and comes back intact.
/// The outer error is fatal (the terminal could not be taken back).
fn suspend_for_editor(
    terminal: &mut ratatui::DefaultTerminal,
    text: &str,
) -> Result<Result<String, String>, String> {
    let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    let edited = run_editor(text);
    *terminal = ratatui::try_init()
        .map_err(|e| format!("cannot take the terminal back after the editor: {e}"))?;
    let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    let _ = terminal.clear();
    Ok(edited)
}

fn run_editor(text: &str) -> Result<String, String> {
    let editor = std::env::var("VISUAL")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|e| !e.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_string());
    let file = tempfile::Builder::new()
        .prefix("zopdeck-configs-")
        .suffix(".json")
        .tempfile()
        .map_err(|e| format!("cannot create a file to edit: {e}"))?;
    std::fs::write(file.path(), text)
        .map_err(|e| format!("cannot write {}: {e}", file.path().display()))?;
    // Through the shell, so that EDITOR may carry arguments ("code --wait").
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .status()
        .map_err(|e| format!("cannot run the editor {editor:?}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the editor {editor:?} exited with {status}; nothing was changed"
        ));
    }
    std::fs::read_to_string(file.path()).map_err(|e| format!("cannot read the edited configs: {e}"))
}

/// Draws a frame in the state's theme (colour unless `color` is off); relative times on
/// screen are measured from now.
fn draw(
    terminal: &mut ratatui::DefaultTerminal,
    state: &mut State,
    color: bool,
) -> Result<(), String> {
    state.now = chrono::Utc::now();
    // The theme may have changed (`:theme`); the config's colours stay over it.
    let theme = views::theme::Theme::with_colors(&state.theme.name, &state.theme.colors)
        .unwrap_or_default();
    let palette = Palette::new(color, theme);
    terminal
        .draw(|f| views::draw(f, state, &palette))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

async fn next_update(feed: &mut Option<Subscription>) -> Option<Update> {
    match feed {
        Some(f) => f.next().await,
        None => std::future::pending().await,
    }
}

/// Runs a command; backend calls run in the background and come back as a `Msg`.
fn execute(cmd: Cmd, backend: &Arc<dyn Backend>, tx: &mpsc::UnboundedSender<Msg>, outbox: &Outbox) {
    if !matches!(cmd, Cmd::StoreOutbox(_) | Cmd::Copy(_) | Cmd::Quit) {
        // One line per backend request: `ZOPDECK_LOG=debug` counts what the TUI asks for.
        tracing::debug!(target: "zopdeck::requests", "{}", request_name(&cmd));
    }
    let backend = Arc::clone(backend);
    let tx = tx.clone();
    match cmd {
        Cmd::Quit => {}
        Cmd::StoreOutbox(positions) => {
            if let Err(e) = outbox.save(&positions) {
                let _ = tx.send(Msg::Failed(e));
            }
        }
        Cmd::Reload {
            env,
            known_revisions,
            read,
        } => {
            tokio::spawn(async move {
                let known: HashSet<String> = known_revisions.into_iter().collect();
                let msg = match load_snapshot(backend.as_ref(), env.as_deref(), &known).await {
                    Ok(s) => Msg::Loaded(Box::new(Snapshot { read, ..s })),
                    Err(BackendError::Unavailable(e)) => Msg::Unreachable(e),
                    Err(e @ (BackendError::Unauthorized(_) | BackendError::Forbidden(_))) => {
                        Msg::Rejected(e.to_string())
                    }
                    Err(e) => Msg::Failed(format!("loading failed: {e}; Ctrl-L retries")),
                };
                let _ = tx.send(msg);
            });
        }
        Cmd::LoadLane {
            env_id,
            known_revisions,
            read,
        } => {
            tokio::spawn(async move {
                let known: HashSet<String> = known_revisions.into_iter().collect();
                let msg = match load_snapshot(backend.as_ref(), Some(&env_id), &known).await {
                    // Not the first environment in its place: the lane's was deleted.
                    Ok(s) if s.environment.as_ref().is_some_and(|e| e.id == env_id) => {
                        Msg::LaneLoaded(Box::new(Snapshot { read, ..s }))
                    }
                    Ok(_) => Msg::Failed(format!(
                        "environment {env_id} is gone: E closes the board, and opens it again \
                         without it"
                    )),
                    Err(e) => Msg::Failed(format!("loading a lane of the board failed: {e}")),
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
                    let _ = tx.send(Msg::Revision(Box::new(r)));
                }
            });
        }
        Cmd::FetchFailure { id } => {
            tokio::spawn(async move {
                if let Some(failure) = failure_of(backend.as_ref(), &id).await {
                    let _ = tx.send(Msg::FailureLoaded { id, failure });
                }
            });
        }
        Cmd::PollDeployments { env_id, read } => spawn_call(tx, async move {
            let result = backend
                .list_deployments(Some(&env_id))
                .await
                .map_err(PollError::from);
            Msg::Polled {
                env_id,
                read,
                result,
            }
        }),
        Cmd::LoadEvents { id, after } => spawn_call(tx, async move {
            let result = backend
                .list_events(&id, after.as_deref())
                .await
                .map_err(|e| e.to_string());
            Msg::EventsLoaded { id, result }
        }),
        Cmd::LoadRevisions { id } => spawn_call(tx, async move {
            let result = backend.list_revisions(&id).await.map_err(|e| e.to_string());
            Msg::RevisionsLoaded { id, result }
        }),
        Cmd::Rollback { id, to } => spawn_call(tx, async move {
            let result = backend.rollback(&id, &to).await.map_err(|e| e.to_string());
            Msg::RolledBack { id, result }
        }),
        Cmd::RollbackTo { id, number } => spawn_call(tx, async move {
            let result = match backend.list_revisions(&id).await {
                Ok(revs) => match revs.into_iter().find(|r| r.number == number) {
                    Some(target) => backend
                        .rollback(&id, &target.id)
                        .await
                        .map_err(|e| e.to_string()),
                    None => Err(format!("there is no revision #{number}")),
                },
                Err(e) => Err(e.to_string()),
            };
            Msg::RolledBack { id, result }
        }),
        Cmd::LoadHistory { id } => spawn_call(tx, async move {
            let result = backend
                .audit(AuditFilter {
                    deployment_id: Some(id.clone()),
                    ..AuditFilter::default()
                })
                .await
                .map_err(|e| match e {
                    BackendError::Forbidden(_) => {
                        "the audit log is for admin tokens; this token may not read it".to_string()
                    }
                    e => e.to_string(),
                });
            Msg::HistoryLoaded { id, result }
        }),
        Cmd::LoadPromotion { source, to_env } => spawn_call(tx, async move {
            let source_id = source.id.clone();
            let result = promotion_plan(backend.as_ref(), &source, *to_env)
                .await
                .map(Box::new);
            Msg::PromotionLoaded { source_id, result }
        }),
        Cmd::Promote {
            target_id,
            env_id,
            from_revision_id,
        } => spawn_call(tx, async move {
            let result = backend
                .promote(&target_id, &from_revision_id)
                .await
                .map_err(|e| e.to_string());
            Msg::Promoted {
                target_id,
                env_id,
                result,
            }
        }),
        Cmd::LoadLayout { env_id } => spawn_call(tx, async move {
            let result = backend
                .list_deployments(Some(&env_id))
                .await
                .map(|list| {
                    list.into_iter()
                        .filter_map(|d| Some((d.name, d.canvas_position?)))
                        .collect()
                })
                .map_err(|e| e.to_string());
            Msg::LayoutLoaded { env_id, result }
        }),
        Cmd::PromoteNew { env_id, req } => spawn_call(tx, async move {
            let result = backend
                .create_deployment(*req)
                .await
                .map_err(|e| e.to_string());
            Msg::PromotedNew { env_id, result }
        }),
        Cmd::PollLoadBalancer { id } => spawn_call(tx, async move {
            let result = backend.loadbalancer(&id).await.map_err(|e| e.to_string());
            Msg::LoadBalancerPolled { id, result }
        }),
        Cmd::Analyze { id } => spawn_call(tx, async move {
            let result = backend
                .analyze(&id)
                .await
                .map(|r| r.warnings)
                .map_err(|e| e.to_string());
            Msg::Analyzed { id, result }
        }),
        Cmd::TearDown { id } => spawn_call(tx, async move {
            let result = backend
                .delete_deployment(&id)
                .await
                .map_err(|e| e.to_string());
            Msg::TornDown { id, result }
        }),
        Cmd::Create(req) => spawn_call(tx, async move {
            let result = backend
                .create_deployment(*req)
                .await
                .map_err(|e| e.to_string());
            Msg::Created { result }
        }),
        // Handled by the loop itself: it owns the terminal.
        Cmd::EditConfigs { .. } => {}
        Cmd::PatchConfigs { id, patch } => spawn_call(tx, async move {
            let result = backend
                .patch_configs(&id, patch)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string());
            Msg::Patched { id, result }
        }),
        Cmd::Spaces(call) => spawn_call(tx, async move {
            let answer = super::spaces::calls::run(backend.as_ref(), call).await;
            Msg::Spaces(Box::new(answer))
        }),
        Cmd::Copy(text) => {
            use base64::Engine as _;
            let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            let mut out = std::io::stdout();
            let _ = write!(out, "\x1b]52;c;{encoded}\x07");
            let _ = out.flush();
        }
        Cmd::SavePosition { id, pos } => {
            tokio::spawn(async move {
                let result = backend
                    .set_canvas_position(&id, pos)
                    .await
                    .map(|_| ())
                    .map_err(|e| SaveError {
                        gone: matches!(e, BackendError::NotFound { .. }),
                        message: e.to_string(),
                    });
                let _ = tx.send(Msg::Saved { id, pos, result });
            });
        }
    }
}

fn request_name(cmd: &Cmd) -> &'static str {
    match cmd {
        Cmd::Reload { .. } | Cmd::LoadLane { .. } => "reload",
        Cmd::FetchRevision { .. } => "get_revision",
        Cmd::FetchFailure { .. } => "list_events+list_revisions",
        Cmd::PollDeployments { .. } => "list_deployments",
        Cmd::SavePosition { .. } => "set_canvas_position",
        Cmd::LoadEvents { .. } => "list_events",
        Cmd::LoadRevisions { .. } => "list_revisions",
        Cmd::Rollback { .. } => "rollback",
        Cmd::RollbackTo { .. } => "list_revisions+rollback",
        Cmd::PollLoadBalancer { .. } => "loadbalancer",
        Cmd::LoadHistory { .. } => "audit",
        Cmd::LoadPromotion { .. } => "list_revisions+list_deployments",
        Cmd::Promote { .. } => "promote",
        Cmd::LoadLayout { .. } => "list_deployments",
        Cmd::PromoteNew { .. } => "create_deployment",
        Cmd::Analyze { .. } => "analyze",
        Cmd::TearDown { .. } => "delete_deployment",
        Cmd::Create(_) => "create_deployment",
        Cmd::PatchConfigs { .. } => "patch_configs",
        Cmd::Spaces(call) => call.name(),
        Cmd::EditConfigs { .. } | Cmd::StoreOutbox(_) | Cmd::Copy(_) | Cmd::Quit => "local",
    }
}

/// Runs a backend call in the background; its message comes back to the loop.
fn spawn_call(
    tx: mpsc::UnboundedSender<Msg>,
    call: impl std::future::Future<Output = Msg> + Send + 'static,
) {
    tokio::spawn(async move {
        let _ = tx.send(call.await);
    });
}

/// Everything the screen shows for one environment (`prefer`: its id or name). The cards'
/// details (revision number, rollout readiness, address) are looked up a few at a time.
/// What promoting `source` to `to_env` would do: its active revision, and the target's
/// namesake with its current revision.
async fn promotion_plan(
    b: &dyn Backend,
    source: &Deployment,
    to_env: Environment,
) -> Result<crate::app::promote::Plan, String> {
    let revisions = b
        .list_revisions(&source.id)
        .await
        .map_err(|e| e.to_string())?;
    let from = revisions
        .into_iter()
        .find(|r| r.status == RevisionStatus::Active)
        .ok_or_else(|| {
            format!(
                "{} has no active revision to promote (r lists its revisions)",
                source.name
            )
        })?;
    let deployments = b
        .list_deployments(Some(&to_env.id))
        .await
        .map_err(|e| e.to_string())?;
    let target = match deployments.into_iter().find(|d| d.name == source.name) {
        Some(d) => {
            let current = match &d.current_revision_id {
                Some(r) => b.get_revision(&d.id, r).await.ok(),
                None => None,
            };
            Some((d, current))
        }
        None => None,
    };
    Ok(crate::app::promote::Plan {
        from,
        to_env,
        target,
    })
}

pub async fn load_snapshot(
    b: &dyn Backend,
    prefer: Option<&str>,
    known_revisions: &HashSet<String>,
) -> Result<Snapshot, BackendError> {
    // Read first: a switch of mode after this is signalled, and reloads again.
    let live = b.live_mode();
    let viewer = b.follows_another();
    let environments = b.list_environments().await?;
    let env = prefer
        .and_then(|p| environments.iter().find(|e| e.id == p || e.name == p))
        .or_else(|| environments.first())
        .cloned();
    let Some(env) = env else {
        return Ok(Snapshot {
            environments,
            live,
            viewer,
            ..Default::default()
        });
    };
    let space = b.get_space(&env.space_id).await.ok();
    let deployments = b.list_deployments(Some(&env.id)).await?;
    let mut snapshot = Snapshot {
        environment: Some(env),
        space,
        environments,
        live,
        viewer,
        ..Default::default()
    };
    // Futures first, then the stream (a closure in the stream trips the spawn's `Send` check).
    let lookups: Vec<_> = deployments
        .iter()
        .map(|d| card_details(b, d, known_revisions))
        .collect();
    let details: Vec<CardDetails> = futures::stream::iter(lookups)
        .buffer_unordered(LOOKUPS_AT_ONCE)
        .collect()
        .await;
    for d in details {
        if let Some(r) = d.revision {
            snapshot.revision_numbers.push((r.id.clone(), r.number));
            if let Some(image) = r.image {
                snapshot.revision_images.push((r.id, image));
            }
        }
        if let Some((ready, desired)) = d.progress {
            snapshot.progress.push((d.id.clone(), ready, desired));
        }
        if let Some(f) = d.failure {
            snapshot.failures.push((d.id.clone(), f));
        }
        if let Some(lb) = d.loadbalancer {
            snapshot.loadbalancers.push((d.id, lb));
        }
    }
    snapshot.deployments = deployments;
    Ok(snapshot)
}

/// Lookups in flight at once while loading (a remote with many cards answers in parallel).
const LOOKUPS_AT_ONCE: usize = 16;

/// What a card shows beyond its deployment row.
struct CardDetails {
    id: String,
    revision: Option<Revision>,
    progress: Option<(u32, u32)>,
    loadbalancer: Option<LoadBalancer>,
    failure: Option<Failure>,
}

/// Why a deployment failed — its last failed event — and which revision still serves.
async fn failure_of(b: &dyn Backend, id: &str) -> Option<Failure> {
    let events = b.list_events(id, None).await.ok()?;
    let failed = events
        .iter()
        .rev()
        .find(|e| e.status == EventStatus::Failed)?;
    let mut failure = Failure::of_event(failed)?;
    // What the failed rollout had ready when it failed.
    failure.ready = events
        .iter()
        .rev()
        .filter(|e| e.revision_id == failed.revision_id)
        .find_map(Event::readiness)
        .map(|(ready, _)| ready);
    let current = b.get_deployment(id).await.ok()?.current_revision_id;
    if let Ok(revisions) = b.list_revisions(id).await {
        failure.serving = serving(&revisions, current.as_deref());
    }
    Some(failure)
}

/// A card's details; a lookup that fails leaves its part out (the card still shows).
async fn card_details(b: &dyn Backend, d: &Deployment, known: &HashSet<String>) -> CardDetails {
    let mut details = CardDetails {
        id: d.id.clone(),
        revision: None,
        progress: None,
        loadbalancer: None,
        failure: None,
    };
    if let Some(rev) = &d.current_revision_id
        && !known.contains(rev)
        && let Ok(r) = b.get_revision(&d.id, rev).await
    {
        details.revision = Some(r);
    }
    if d.status == DeploymentStatus::RollingOut
        && let Ok(events) = b.list_events(&d.id, None).await
    {
        details.progress = events.iter().rev().find_map(Event::readiness);
    }
    if d.status == DeploymentStatus::Failed {
        details.failure = failure_of(b, &d.id).await;
    }
    if d.status == DeploymentStatus::Active
        && super::lb::exposes(d)
        && let Ok(lb) = b.loadbalancer(&d.id).await
        && lb.status != LbStatus::None
    {
        details.loadbalancer = Some(lb);
    }
    details
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
            async fn one(s: &mut Option<tokio::signal::unix::Signal>) {
                match s.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! { () = one(&mut self.term) => {}, () = one(&mut self.hup) => {} }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
