//! `update`: the only place the TUI's state changes. Pure: no I/O; time comes in as `now`;
//! returns whether to redraw and the `Cmd`s to run.

use std::time::Instant;

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::canvas;
use super::geometry::Zoom;
use super::keymap::Action;
use super::lb;
use super::msg::{Cmd, Msg};
use super::panels;
use super::persist;
use super::state::{Connection, Drag, MessageKind, Overlay, State};
use crate::backend::model::*;

/// Applies a message; returns whether the screen must be redrawn and what to do next.
pub fn update(state: &mut State, msg: Msg, now: Instant) -> (bool, Vec<Cmd>) {
    let (redraw, mut cmds) = match msg {
        Msg::Key(key) => on_key(state, key, now),
        Msg::Mouse(m) => on_mouse(state, m, now),
        Msg::Resize(w, h) => {
            state.screen = (w, h);
            (true, vec![])
        }
        Msg::Loaded(snapshot) => (true, on_loaded(state, *snapshot, now)),
        Msg::Changed(change) => on_change(state, change, now),
        Msg::Missed => (false, vec![state.reload(None)]),
        Msg::Polled {
            env_id,
            read,
            result,
        } => super::poll::on_polled(state, &env_id, read, result, now),
        Msg::RevisionNumber(rev, n) => {
            state.revision_numbers.insert(rev, n);
            (true, vec![])
        }
        Msg::OutboxLoaded(saved) => {
            let n = saved.len();
            let cmds = persist::restore(state, saved, now);
            if n > 0 {
                state.message = Some((
                    format!("sending {n} position change(s) left from the last run"),
                    MessageKind::Info,
                ));
            }
            (n > 0, cmds)
        }
        Msg::Saved { id, pos, result } => (true, persist::on_saved(state, &id, pos, result, now)),
        Msg::Failed(message) => {
            state.message = Some((message, MessageKind::Error));
            (true, vec![])
        }
        Msg::Tick => {
            state.spinner = state.spinner.wrapping_add(1);
            (state.animating(), vec![])
        }
        Msg::Timer => {
            let retry = state.retry_at.filter(|at| *at <= now).map(|_| {
                state.retry_at = None;
                state.reload(None)
            });
            (true, retry.into_iter().collect())
        }
        Msg::Unreachable(why) => {
            go_offline(state, &why, now);
            (true, vec![])
        }
        Msg::Rejected(why) => {
            rejected(state, why);
            (true, vec![])
        }
        Msg::EventsLoaded { id, result } => {
            panels::on_events(state, &id, result);
            (true, vec![])
        }
        Msg::RevisionsLoaded { id, result } => {
            panels::on_revisions(state, &id, result);
            (true, vec![])
        }
        Msg::RolledBack { id, result } => (true, panels::on_rolled_back(state, &id, result)),
        Msg::LoadBalancerPolled { id, result } => {
            let jitter = state.next_random();
            lb::on_polled(state, &id, result, now, jitter);
            (true, vec![])
        }
        Msg::Analyzed { id, result } => {
            panels::on_analyzed(state, &id, result);
            (true, vec![])
        }
        Msg::Created { result } => (true, super::create_form::on_created(state, result)),
        Msg::Edited { id, result } => (true, super::configs_edit::on_edited(state, &id, result)),
        Msg::Patched { id, result } => (true, super::configs_edit::on_patched(state, &id, result)),
        Msg::TornDown { id, result } => {
            panels::on_torn_down(state, &id, result);
            (true, vec![])
        }
        Msg::Spaces(answer) => (true, super::spaces::on_answer(state, *answer)),
    };
    // The open drawer follows the selected card.
    if state.drawer.is_some() {
        cmds.extend(panels::follow_selection(state));
    }
    cmds.extend(persist::flush_due(state, now));
    if state.connection == Connection::Connected {
        // Offline, the reload retries; rejected, nothing is asked until the user reloads.
        cmds.extend(lb::due(state, now));
        cmds.extend(super::poll::due(state, now));
    }
    (redraw, cmds)
}

/// The server refused the token: say what to do, and ask nothing more until a reload.
pub(super) fn rejected(state: &mut State, why: String) {
    state.poll.next = None;
    state.retry_at = None;
    state.message = Some((
        format!("{why}; press Ctrl-L after fixing it"),
        MessageKind::Error,
    ));
    state.connection = Connection::Rejected(why);
}

/// The backend cannot be reached: keep showing the last known state, stop polling, and try
/// a reload with back-off (1 s doubling to 30 s).
pub(super) fn go_offline(state: &mut State, why: &str, now: Instant) {
    let delay = (state.retry_delay * 2).clamp(
        std::time::Duration::from_secs(1),
        std::time::Duration::from_secs(30),
    );
    state.retry_delay = delay;
    state.retry_at = Some(now + delay);
    state.poll.next = None;
    state.connection = Connection::Offline(format!("retrying in {} s", delay.as_secs()));
    state.message = Some((
        format!("{why}; showing the last known state"),
        MessageKind::Error,
    ));
}

fn on_loaded(state: &mut State, s: super::msg::Snapshot, now: Instant) -> Vec<Cmd> {
    let switched =
        state.environment.as_ref().map(|e| &e.id) != s.environment.as_ref().map(|e| &e.id);
    state.loaded = true;
    state.connection = Connection::Connected;
    state.retry_at = None;
    state.retry_delay = std::time::Duration::ZERO;
    state.environments = s.environments;
    state.environment = s.environment;
    state.space = s.space;
    // Positions saved after this read was sent are newer than what it found.
    let saved: Vec<(String, Option<CanvasPosition>)> = state
        .deployments
        .iter()
        .filter(|d| state.saved_since(&d.id, s.read))
        .map(|d| (d.id.clone(), d.canvas_position))
        .collect();
    state.deployments = s.deployments;
    for (id, pos) in saved {
        if let Some(d) = state.deployments.iter_mut().find(|d| d.id == id) {
            d.canvas_position = pos;
        }
    }
    state.revision_numbers.extend(s.revision_numbers);
    state.progress = s
        .progress
        .into_iter()
        .map(|(id, r, d)| (id, (r, d)))
        .collect();
    state.loadbalancers = s.loadbalancers.into_iter().collect();
    state.live = s.live;
    super::poll::schedule(state, now);
    // Our unsaved positions are newer than the backend's.
    for (id, p) in &state.pending {
        if let Some(d) = state.deployments.iter_mut().find(|d| &d.id == id) {
            d.canvas_position = Some(p.pos);
        }
    }
    let mut cmds = canvas::auto_place(state, now);
    // A reload may follow missed changes: the open drawer catches up too.
    if let Some(t) = &state.drawer {
        let after = t.events.last().map(|e| e.id.clone());
        cmds.push(Cmd::LoadEvents {
            id: t.deployment_id.clone(),
            after,
        });
    }
    let ids: Vec<String> = state.deployments.iter().map(|d| d.id.clone()).collect();
    for id in ids {
        lb::maybe_start(state, &id, now);
    }
    if switched {
        state.drawer = None;
    }
    if switched || state.selected_deployment().is_none() {
        state.selected = None;
        canvas::select_first(state);
    }
    cmds
}

fn in_view(state: &State, d: &Deployment) -> bool {
    state.environment.as_ref().is_some_and(|e| e.id == d.env_id)
}

pub(super) fn on_change(state: &mut State, change: Change, now: Instant) -> (bool, Vec<Cmd>) {
    match change {
        Change::Deployment { data } => {
            let mut d = *data;
            if !in_view(state, &d) {
                return (false, vec![]);
            }
            let mut cmds = vec![];
            if let Some(rev) = &d.current_revision_id
                && !state.revision_numbers.contains_key(rev)
            {
                cmds.push(Cmd::FetchRevision {
                    deployment_id: d.id.clone(),
                    revision_id: rev.clone(),
                });
            }
            if d.status != DeploymentStatus::RollingOut {
                state.progress.remove(&d.id);
            }
            let existing = state.deployments.iter().position(|x| x.id == d.id);
            // A card being dragged, or with a position not yet saved, stays where the user put it.
            let ours = state.dragging(&d.id) || state.pending.contains_key(&d.id);
            if let (true, Some(i)) = (ours, existing) {
                d.canvas_position = state.deployments[i].canvas_position;
            }
            let id = d.id.clone();
            let active = d.status == DeploymentStatus::Active;
            match existing {
                Some(i) => state.deployments[i] = d,
                None => {
                    let needs_spot = d.canvas_position.is_none_or(|p| {
                        state
                            .deployments
                            .iter()
                            .any(|o| o.canvas_position == Some(p))
                    });
                    if needs_spot {
                        d.canvas_position = Some(canvas::free_spot_in_view(state));
                        let (id, pos) = (
                            d.id.clone(),
                            d.canvas_position
                                .unwrap_or(CanvasPosition { x: 0.0, y: 0.0 }),
                        );
                        state.deployments.push(d);
                        cmds.extend(persist::schedule(state, &id, pos, now));
                    } else {
                        state.deployments.push(d);
                    }
                }
            }
            if state.selected.is_none() {
                canvas::select_first(state);
            }
            if active {
                lb::maybe_start(state, &id, now);
            } else {
                // A new rollout: its address is looked for again once it is active.
                lb::stop(state, &id);
            }
            (true, cmds)
        }
        Change::DeploymentDeleted { deployment_id } => {
            lb::stop(state, &deployment_id);
            let was_selected = state.selected.as_deref() == Some(deployment_id.as_str());
            state.deployments.retain(|d| d.id != deployment_id);
            state.loadbalancers.remove(&deployment_id);
            state.progress.remove(&deployment_id);
            if was_selected {
                state.selected = None;
                canvas::select_first(state);
            }
            (true, vec![])
        }
        Change::Event {
            deployment_id,
            data,
        } => {
            let shown_in_drawer = state.timeline_of(&deployment_id).is_some();
            if let Some(t) = state
                .drawer
                .as_mut()
                .filter(|t| t.deployment_id == deployment_id)
            {
                t.add(vec![data.clone()]);
            }
            match data.readiness() {
                Some(p) => {
                    state.progress.insert(deployment_id, p);
                    (true, vec![])
                }
                None => (shown_in_drawer, vec![]),
            }
        }
        Change::Loadbalancer {
            deployment_id,
            data,
        } => {
            let shown = state.deployment(&deployment_id).is_some();
            if data.status != LbStatus::Pending {
                lb::stop(state, &deployment_id);
            }
            state.loadbalancers.insert(deployment_id, data);
            (shown, vec![])
        }
    }
}

fn on_key(state: &mut State, key: KeyEvent, now: Instant) -> (bool, Vec<Cmd>) {
    if key.kind == KeyEventKind::Release {
        return (false, vec![]);
    }
    if let Some(overlay) = state.overlay.clone() {
        return on_overlay_key(state, overlay, key, now);
    }
    if state.filter_editing {
        return (true, on_filter_key(state, key));
    }
    if panels::drawer_key(state, &key) {
        return (true, vec![]);
    }
    match state.keymap.action(&key) {
        Some(action) => (true, run_action(state, action, now)),
        None if key.code == KeyCode::Esc => {
            let had = state.message.take().is_some() || !state.filter.is_empty();
            state.filter.clear();
            (had, vec![])
        }
        None => (false, vec![]),
    }
}

/// Carries out an action (from a key, or picked in the palette).
pub fn run_action(state: &mut State, action: Action, now: Instant) -> Vec<Cmd> {
    if action.changes() && state.read_only {
        state.message = Some((
            format!(
                "read-only: {} is disabled (started with --read-only or read_only = true)",
                action.name().replace('_', " ")
            ),
            MessageKind::Error,
        ));
        return vec![];
    }
    state.message = None;
    match action {
        Action::Select(dir) => {
            canvas::select_direction(state, dir);
        }
        Action::Next => {
            canvas::select_next(state, true);
        }
        Action::Previous => {
            canvas::select_next(state, false);
        }
        Action::Move(dir) => return canvas::move_selected(state, dir, 1, now),
        Action::MoveFar(dir) => return canvas::move_selected(state, dir, 5, now),
        Action::Pan(dir) => canvas::pan(state, dir),
        Action::ZoomIn => canvas::zoom(state, state.viewport.zoom.zoom_in()),
        Action::ZoomOut => canvas::zoom(state, state.viewport.zoom.zoom_out()),
        Action::ZoomReset => canvas::zoom(state, Zoom::Full),
        Action::ZoomFit => canvas::fit(state),
        Action::SwitchEnvironment => {
            state.overlay = Some(Overlay::Environments {
                query: String::new(),
                selected: 0,
            })
        }
        Action::Filter => state.filter_editing = true,
        Action::Palette => {
            state.overlay = Some(Overlay::Palette {
                query: String::new(),
                selected: 0,
            })
        }
        Action::Help => state.overlay = Some(Overlay::Help),
        Action::Open => {
            if let Some(id) = state.selected.clone() {
                state.overlay = Some(Overlay::Detail { id });
            }
        }
        Action::Undo => return canvas::undo(state, now),
        Action::Redo => return canvas::redo(state, now),
        Action::Reload => {
            return vec![state.reload(None)];
        }
        Action::Timeline => return panels::toggle_timeline(state),
        Action::LoadBalancer => return panels::open_loadbalancer(state, now),
        Action::Revisions => return panels::open_revisions(state),
        Action::Analyze => return panels::open_analysis(state),
        Action::TearDown => return panels::open_teardown(state),
        Action::EditConfigs => return super::configs_edit::start(state),
        Action::Create => return super::create_form::open(state),
        Action::Spaces => return super::spaces::open(state, super::spaces::Tab::Spaces),
        Action::Quit => {
            if state.pending.is_empty() {
                state.quit = true;
                return vec![Cmd::Quit];
            }
            state.overlay = Some(Overlay::ConfirmQuit);
        }
    }
    vec![]
}

fn on_filter_key(state: &mut State, key: KeyEvent) -> Vec<Cmd> {
    match key.code {
        KeyCode::Esc => {
            state.filter.clear();
            state.filter_editing = false;
        }
        KeyCode::Enter => state.filter_editing = false,
        KeyCode::Backspace => {
            state.filter.pop();
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => state.filter.push(c),
        _ => {}
    }
    // Keep the selection on a matching card.
    if state
        .selected_deployment()
        .is_some_and(|d| !state.matches_filter(d))
    {
        state.selected = None;
        canvas::select_first(state);
    }
    vec![]
}

/// Items of a list overlay matching its query (fuzzy: the query's letters in order).
pub fn fuzzy_match(query: &str, text: &str) -> bool {
    let mut chars = text.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .all(|q| chars.any(|c| c == q))
}

/// How well a query matches: 0 a prefix, 1 a substring, 2 letters in order; `None` no match.
pub fn match_rank(query: &str, text: &str) -> Option<u8> {
    let (q, t) = (query.trim().to_lowercase(), text.to_lowercase());
    if t.starts_with(&q) {
        Some(0)
    } else if t.contains(&q) {
        Some(1)
    } else if fuzzy_match(&q, &t) {
        Some(2)
    } else {
        None
    }
}

/// Palette entries matching the query, best first (name matches before description ones).
pub fn palette_items(state: &State, query: &str) -> Vec<(Action, String, &'static str)> {
    let mut items: Vec<(u8, (Action, String, &'static str))> = Action::all()
        .into_iter()
        .filter_map(|(a, name, desc)| {
            let spaced = name.replace('_', " ");
            let rank = [
                match_rank(query, &spaced),
                match_rank(query, &name),
                match_rank(query, desc).map(|r| r + 3),
            ]
            .into_iter()
            .flatten()
            .min()?;
            Some((
                rank,
                (a, format!("{:<20} {}", spaced, state.keymap.label(a)), desc),
            ))
        })
        .collect();
    items.sort_by_key(|(rank, _)| *rank);
    items.into_iter().map(|(_, item)| item).collect()
}

pub fn environment_items<'a>(state: &'a State, query: &str) -> Vec<&'a Environment> {
    state
        .environments
        .iter()
        .filter(|e| fuzzy_match(query, &e.name))
        .collect()
}

fn on_overlay_key(
    state: &mut State,
    overlay: Overlay,
    key: KeyEvent,
    now: Instant,
) -> (bool, Vec<Cmd>) {
    let close = |state: &mut State| state.overlay = None;
    match overlay {
        Overlay::ConfirmQuit => match key.code {
            KeyCode::Char('y') | KeyCode::Char('q') => {
                state.quit = true;
                (false, vec![Cmd::Quit])
            }
            _ => {
                close(state);
                (true, vec![])
            }
        },
        Overlay::Revisions { .. } => (true, panels::revisions_key(state, &key)),
        Overlay::Teardown { .. } => (true, panels::teardown_key(state, &key)),
        Overlay::Create(_) => (true, super::create_form::key(state, &key)),
        Overlay::Spaces(_) => (true, super::spaces::key(state, &key)),
        Overlay::ConfigDiff { .. } => (
            true,
            super::configs_edit::diff_key(state, key.code == KeyCode::Char('y')),
        ),
        Overlay::LoadBalancer { id } => match key.code {
            KeyCode::Char('y') => (true, panels::copy_address(state, &id)),
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('b') => {
                close(state);
                (true, vec![])
            }
            _ => (false, vec![]),
        },
        Overlay::Help | Overlay::Detail { .. } | Overlay::Analysis { .. } => {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::Enter
            ) {
                close(state);
            }
            (true, vec![])
        }
        Overlay::Palette {
            mut query,
            mut selected,
        } => {
            let n = palette_items(state, &query).len();
            match list_key(&key, &mut query, &mut selected, n) {
                ListKey::Close => close(state),
                ListKey::Pick => {
                    let item = palette_items(state, &query).get(selected).map(|i| i.0);
                    close(state);
                    if let Some(action) = item {
                        return (true, run_action(state, action, now));
                    }
                }
                ListKey::Edit => state.overlay = Some(Overlay::Palette { query, selected }),
            }
            (true, vec![])
        }
        Overlay::Environments {
            mut query,
            mut selected,
        } => {
            let n = environment_items(state, &query).len();
            match list_key(&key, &mut query, &mut selected, n) {
                ListKey::Close => close(state),
                ListKey::Pick => {
                    let env = environment_items(state, &query)
                        .get(selected)
                        .map(|e| e.id.clone());
                    close(state);
                    if let Some(id) = env {
                        state.viewport = Default::default();
                        state.filter.clear();
                        return (true, vec![state.reload(Some(id))]);
                    }
                }
                ListKey::Edit => state.overlay = Some(Overlay::Environments { query, selected }),
            }
            (true, vec![])
        }
    }
}

enum ListKey {
    Close,
    Pick,
    Edit,
}

/// Keys of a filterable list: type to filter, ↑↓ to choose, Enter to pick, Esc to close.
fn list_key(key: &KeyEvent, query: &mut String, selected: &mut usize, n: usize) -> ListKey {
    match key.code {
        KeyCode::Esc => return ListKey::Close,
        KeyCode::Enter => return ListKey::Pick,
        KeyCode::Down | KeyCode::Tab => *selected = (*selected + 1).min(n.saturating_sub(1)),
        KeyCode::Up | KeyCode::BackTab => *selected = selected.saturating_sub(1),
        KeyCode::Home => *selected = 0,
        KeyCode::End => *selected = n.saturating_sub(1),
        KeyCode::Backspace => {
            query.pop();
            *selected = 0;
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
            query.push(c);
            *selected = 0;
        }
        _ => {}
    }
    ListKey::Edit
}

fn on_mouse(state: &mut State, m: MouseEvent, now: Instant) -> (bool, Vec<Cmd>) {
    if state.overlay.is_some() {
        // The wheel moves through a list panel as the arrow keys do.
        let code = match m.kind {
            MouseEventKind::ScrollDown => KeyCode::Down,
            MouseEventKind::ScrollUp => KeyCode::Up,
            _ => return (false, vec![]),
        };
        if matches!(
            state.overlay,
            Some(
                Overlay::Revisions { .. }
                    | Overlay::Palette { .. }
                    | Overlay::Environments { .. }
                    | Overlay::Spaces(_)
            )
        ) {
            return on_key(state, KeyEvent::new(code, KeyModifiers::NONE), now);
        }
        return (false, vec![]);
    }
    // The canvas starts below the one-line header.
    let Some(row) = m.row.checked_sub(1) else {
        return (false, vec![]);
    };
    let col = m.column;
    let (cx, cy) = state.viewport.to_canvas(i64::from(col), i64::from(row));
    let shift = m.modifiers.contains(KeyModifiers::SHIFT);
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            match canvas::card_at(state, cx, cy) {
                Some(id) => {
                    let from = state
                        .deployment(&id)
                        .map(|d| state.position(d))
                        .unwrap_or(CanvasPosition { x: cx, y: cy });
                    state.selected = Some(id.clone());
                    state.drag = Some(Drag::Card {
                        id,
                        grab: (cx - from.x, cy - from.y),
                        from,
                    });
                }
                None => state.drag = Some(Drag::Pan { col, row }),
            }
            (true, vec![])
        }
        MouseEventKind::Drag(MouseButton::Left) => match state.drag.clone() {
            Some(Drag::Card { id, grab, .. }) => {
                if state.read_only {
                    return (false, vec![]);
                }
                let pos = CanvasPosition {
                    x: cx - grab.0,
                    y: cy - grab.1,
                };
                if let Some(d) = state.deployments.iter_mut().find(|d| d.id == id)
                    && pos.is_valid()
                {
                    d.canvas_position = Some(pos);
                }
                (true, vec![])
            }
            Some(Drag::Pan { col: c0, row: r0 }) => {
                state.viewport.pan(
                    i64::from(c0) - i64::from(col),
                    i64::from(r0) - i64::from(row),
                );
                state.drag = Some(Drag::Pan { col, row });
                (true, vec![])
            }
            None => (false, vec![]),
        },
        MouseEventKind::Up(MouseButton::Left) => match state.drag.take() {
            Some(Drag::Card { id, from, .. }) => {
                if state.read_only {
                    state.message =
                        Some(("read-only: moves are disabled".into(), MessageKind::Error));
                    return (true, vec![]);
                }
                let to = state
                    .deployment(&id)
                    .map(|d| state.position(d))
                    .unwrap_or(from);
                if to == from {
                    return (true, vec![]);
                }
                canvas::record(state, &id, from, to);
                (true, canvas::place(state, &id, to, now))
            }
            _ => (false, vec![]),
        },
        MouseEventKind::ScrollUp | MouseEventKind::ScrollDown if in_drawer(state, row) => {
            if let Some(t) = state.drawer.as_mut() {
                t.scroll_by(if matches!(m.kind, MouseEventKind::ScrollUp) {
                    3
                } else {
                    -3
                });
            }
            (true, vec![])
        }
        MouseEventKind::ScrollDown if shift => pan_by(state, 4, 0),
        MouseEventKind::ScrollUp if shift => pan_by(state, -4, 0),
        MouseEventKind::ScrollDown => pan_by(state, 0, 2),
        MouseEventKind::ScrollUp => pan_by(state, 0, -2),
        MouseEventKind::ScrollRight => pan_by(state, 4, 0),
        MouseEventKind::ScrollLeft => pan_by(state, -4, 0),
        _ => (false, vec![]),
    }
}

/// Whether a canvas row lies in the open drawer (the bottom rows of the canvas).
fn in_drawer(state: &State, row: u16) -> bool {
    let rows = state.drawer_rows();
    rows > 0 && row >= state.canvas_size().1.saturating_sub(rows)
}

fn pan_by(state: &mut State, cols: i64, rows: i64) -> (bool, Vec<Cmd>) {
    state.viewport.pan(cols, rows);
    (true, vec![])
}
