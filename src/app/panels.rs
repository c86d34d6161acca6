//! The deployment panels: timeline drawer, revisions (diff, rollback), LoadBalancer,
//! analysis and teardown — opening them, their keys, and the answers from the backend.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::lb;
use super::msg::Cmd;
use super::state::{MessageKind, Overlay, State};
use super::timeline::Timeline;
use crate::backend::model::*;

const PAGE: isize = 10;

fn selected_id(state: &mut State) -> Option<String> {
    let id = state.selected.clone();
    if id.is_none() {
        state.message = Some(("select a deployment first".into(), MessageKind::Info));
    }
    id
}

/// `t`: opens the drawer on the selected deployment, or closes it.
pub fn toggle_timeline(state: &mut State) -> Vec<Cmd> {
    if state.drawer.take().is_some() {
        return vec![];
    }
    follow_selection(state)
}

/// Keeps the open drawer on the selected deployment.
pub fn follow_selection(state: &mut State) -> Vec<Cmd> {
    let Some(id) = state.selected.clone() else {
        return vec![];
    };
    let keep_absolute = state.drawer.as_ref().is_some_and(|t| t.absolute_times);
    if state.drawer.as_ref().is_some_and(|t| t.deployment_id == id) {
        return vec![];
    }
    let mut t = Timeline::new(id.clone());
    t.absolute_times = keep_absolute;
    state.drawer = Some(t);
    vec![Cmd::LoadEvents { id, after: None }]
}

/// Drawer scrolling keys (PgUp/PgDn/Home/End, `T` for absolute times); false if not one.
pub fn drawer_key(state: &mut State, key: &KeyEvent) -> bool {
    let Some(t) = state.drawer.as_mut() else {
        return false;
    };
    match key.code {
        KeyCode::PageUp => t.scroll_by(PAGE),
        KeyCode::PageDown => t.scroll_by(-PAGE),
        KeyCode::Home => t.to_top(),
        KeyCode::End => t.to_tail(),
        KeyCode::Char('T') => t.absolute_times = !t.absolute_times,
        _ => return false,
    }
    true
}

pub fn on_events(state: &mut State, id: &str, result: Result<Vec<Event>, String>) {
    match result {
        Ok(events) => {
            // The latest readiness of a rollout (events fetched by a poll carry it too).
            let progress = events.iter().rev().find_map(Event::readiness);
            let rolling_out = state
                .deployment(id)
                .is_some_and(|d| d.status == DeploymentStatus::RollingOut);
            if let (Some(p), true) = (progress, rolling_out) {
                state.progress.insert(id.to_string(), p);
            }
            if let Some(t) = state.drawer.as_mut().filter(|t| t.deployment_id == id) {
                t.add(events);
                t.loaded = true;
            }
        }
        Err(e) => {
            state.message = Some((
                format!("loading the timeline failed: {e}; press t twice to retry"),
                MessageKind::Error,
            ))
        }
    }
}

pub fn open_revisions(state: &mut State) -> Vec<Cmd> {
    let Some(id) = selected_id(state) else {
        return vec![];
    };
    state.overlay = Some(Overlay::Revisions {
        id: id.clone(),
        list: Vec::new(),
        loaded: false,
        selected: 0,
        diff: false,
        confirm: false,
    });
    vec![Cmd::LoadRevisions { id }]
}

pub fn on_revisions(state: &mut State, id: &str, result: Result<Vec<Revision>, String>) {
    match (&mut state.overlay, result) {
        (
            Some(Overlay::Revisions {
                id: open,
                list,
                loaded,
                selected,
                ..
            }),
            Ok(revs),
        ) if open == id => {
            for r in &revs {
                state.revision_numbers.insert(r.id.clone(), r.number);
            }
            *list = revs;
            *loaded = true;
            *selected = (*selected).min(list.len().saturating_sub(1));
        }
        (_, Err(e)) => {
            state.message = Some((
                format!("loading revisions failed: {e}; press r to retry"),
                MessageKind::Error,
            ))
        }
        _ => {}
    }
}

/// The deployment's current revision id.
pub fn current_revision(state: &State, id: &str) -> Option<String> {
    state
        .deployment(id)
        .and_then(|d| d.current_revision_id.clone())
}

pub fn revisions_key(state: &mut State, key: &KeyEvent) -> Vec<Cmd> {
    let Some(Overlay::Revisions {
        id,
        list,
        selected,
        confirm,
        ..
    }) = state.overlay.clone()
    else {
        return vec![];
    };
    let current = current_revision(state, &id);
    let target = list.get(selected).cloned();
    if confirm {
        // The confirm dialog: `y` rolls back, anything else cancels.
        let mut next = state.overlay.take();
        if let Some(Overlay::Revisions { confirm, .. }) = next.as_mut() {
            *confirm = false;
        }
        state.overlay = next;
        return match (key.code, target) {
            (KeyCode::Char('y'), Some(t)) => {
                if state.read_only {
                    state.message =
                        Some(("read-only: rollback is disabled".into(), MessageKind::Error));
                    return vec![];
                }
                vec![Cmd::Rollback { id, to: t.id }]
            }
            _ => {
                state.message = Some(("rollback cancelled".into(), MessageKind::Info));
                vec![]
            }
        };
    }
    let n = list.len();
    let mut sel = selected;
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => {
            state.overlay = None;
            return vec![];
        }
        KeyCode::Down | KeyCode::Char('j') => sel = (sel + 1).min(n.saturating_sub(1)),
        KeyCode::Up | KeyCode::Char('k') => sel = sel.saturating_sub(1),
        KeyCode::Home | KeyCode::Char('g') => sel = 0,
        KeyCode::End | KeyCode::Char('G') => sel = n.saturating_sub(1),
        KeyCode::PageDown => sel = (sel + PAGE as usize).min(n.saturating_sub(1)),
        KeyCode::PageUp => sel = sel.saturating_sub(PAGE as usize),
        KeyCode::Char('d') => {
            set_revisions(state, |_, d, _| *d = !*d);
            return vec![];
        }
        KeyCode::Enter | KeyCode::Char('R') => {
            let Some(t) = target else { return vec![] };
            if current.as_deref() == Some(t.id.as_str()) {
                state.message = Some((
                    format!(
                        "revision #{} is already the current one: nothing to roll back",
                        t.number
                    ),
                    MessageKind::Error,
                ));
                return vec![];
            }
            if state.read_only {
                state.message = Some((
                    "read-only: rollback is disabled (started with --read-only)".into(),
                    MessageKind::Error,
                ));
                return vec![];
            }
            set_revisions(state, |_, _, c| *c = true);
            return vec![];
        }
        _ => return vec![],
    }
    set_revisions(state, |s, _, _| *s = sel);
    vec![]
}

fn set_revisions(state: &mut State, f: impl FnOnce(&mut usize, &mut bool, &mut bool)) {
    if let Some(Overlay::Revisions {
        selected,
        diff,
        confirm,
        ..
    }) = state.overlay.as_mut()
    {
        f(selected, diff, confirm);
    }
}

pub fn on_rolled_back(state: &mut State, id: &str, result: Result<Revision, String>) -> Vec<Cmd> {
    match result {
        Ok(rev) => {
            state.revision_numbers.insert(rev.id.clone(), rev.number);
            let name = state
                .deployment(id)
                .map_or(id.to_string(), |d| d.name.clone());
            state.message = Some((
                format!(
                    "{name}: revision #{} created — following its rollout",
                    rev.number
                ),
                MessageKind::Info,
            ));
            state.overlay = None;
            state.selected = Some(id.to_string());
            let mut cmds = vec![];
            if state.drawer.as_ref().is_none_or(|t| t.deployment_id != id) {
                state.drawer = None;
                cmds.extend(follow_selection(state));
            }
            cmds
        }
        Err(e) => {
            state.message = Some((
                format!("rollback failed: {e}; Enter then y retries"),
                MessageKind::Error,
            ));
            vec![]
        }
    }
}

pub fn open_loadbalancer(state: &mut State, now: Instant) -> Vec<Cmd> {
    let Some(id) = selected_id(state) else {
        return vec![];
    };
    lb::maybe_start(state, &id, now);
    state.overlay = Some(Overlay::LoadBalancer { id });
    vec![]
}

/// OSC 52: the terminal puts the text on the clipboard (works over SSH and in tmux).
pub fn copy_address(state: &mut State, id: &str) -> Vec<Cmd> {
    match state
        .loadbalancers
        .get(id)
        .and_then(|lb| lb.address.clone())
    {
        Some(address) => {
            state.message = Some((format!("copied {address}"), MessageKind::Info));
            vec![Cmd::Copy(address)]
        }
        None => {
            state.message = Some(("no address yet to copy".into(), MessageKind::Info));
            vec![]
        }
    }
}

pub fn open_analysis(state: &mut State) -> Vec<Cmd> {
    let Some(id) = selected_id(state) else {
        return vec![];
    };
    state.overlay = Some(Overlay::Analysis {
        id: id.clone(),
        warnings: None,
    });
    vec![Cmd::Analyze { id }]
}

pub fn on_analyzed(state: &mut State, id: &str, result: Result<Vec<Warning>, String>) {
    match (&mut state.overlay, result) {
        (Some(Overlay::Analysis { id: open, warnings }), Ok(w)) if open == id => {
            *warnings = Some(w)
        }
        (_, Err(e)) => {
            state.overlay = None;
            state.message = Some((
                format!("analysis failed: {e}; press a to retry"),
                MessageKind::Error,
            ));
        }
        _ => {}
    }
}

pub fn open_teardown(state: &mut State) -> Vec<Cmd> {
    let Some(id) = selected_id(state) else {
        return vec![];
    };
    state.overlay = Some(Overlay::Teardown {
        id,
        typed: String::new(),
    });
    vec![]
}

pub fn teardown_key(state: &mut State, key: &KeyEvent) -> Vec<Cmd> {
    let Some(Overlay::Teardown { id, mut typed }) = state.overlay.clone() else {
        return vec![];
    };
    match key.code {
        KeyCode::Esc => {
            state.overlay = None;
            return vec![];
        }
        KeyCode::Backspace => {
            typed.pop();
        }
        KeyCode::Enter => {
            let name = state
                .deployment(&id)
                .map(|d| d.name.clone())
                .unwrap_or_default();
            if typed != name {
                state.message = Some((
                    format!("type {name} exactly to tear it down (Esc cancels)"),
                    MessageKind::Error,
                ));
                return vec![];
            }
            state.overlay = None;
            if let Some(d) = state.deployments.iter_mut().find(|d| d.id == id) {
                d.status = DeploymentStatus::TearingDown;
            }
            return vec![Cmd::TearDown { id }];
        }
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => typed.push(c),
        _ => {}
    }
    state.overlay = Some(Overlay::Teardown { id, typed });
    vec![]
}

pub fn on_torn_down(state: &mut State, id: &str, result: Result<TeardownReport, String>) {
    let name = state
        .deployment(id)
        .map_or(id.to_string(), |d| d.name.clone());
    match result {
        Ok(r) => {
            state.deployments.retain(|d| d.id != id);
            lb::stop(state, id);
            if state.selected.as_deref() == Some(id) {
                state.selected = None;
                super::canvas::select_first(state);
            }
            let how = if r.already_clean {
                "was already clean"
            } else {
                "torn down"
            };
            state.message = Some((format!("{name} {how}"), MessageKind::Info));
        }
        Err(e) => {
            state.message = Some((
                format!("tearing {name} down failed: {e}; D retries"),
                MessageKind::Error,
            ))
        }
    }
}
