//! `update`: the only place the TUI's state changes. Pure: no I/O, returns `Cmd`s.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::msg::{Cmd, Msg};
use super::state::{MessageKind, State};
use crate::backend::model::*;

/// Applies a message; returns whether the screen must be redrawn and what to do next.
pub fn update(state: &mut State, msg: Msg) -> (bool, Vec<Cmd>) {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Resize(..) => (true, vec![]),
        Msg::Loaded(snapshot) => {
            let s = *snapshot;
            state.loaded = true;
            state.environment = s.environment;
            state.space = s.space;
            state.deployments = s.deployments;
            state.revision_numbers.extend(s.revision_numbers);
            state.progress = s
                .progress
                .into_iter()
                .map(|(id, r, d)| (id, (r, d)))
                .collect();
            state.loadbalancers = s.loadbalancers.into_iter().collect();
            keep_selection(state);
            (true, vec![])
        }
        Msg::Changed(change) => on_change(state, change),
        Msg::Missed => (false, vec![Cmd::Reload]),
        Msg::RevisionNumber(rev, n) => {
            state.revision_numbers.insert(rev, n);
            (true, vec![])
        }
        Msg::Failed(message) => {
            state.message = Some((message, MessageKind::Error));
            (true, vec![])
        }
        Msg::Tick => {
            state.spinner = state.spinner.wrapping_add(1);
            (state.animating(), vec![])
        }
    }
}

fn keep_selection(state: &mut State) {
    if state.selected_index().is_none() {
        state.selected = state.deployments.first().map(|d| d.id.clone());
    }
}

fn in_view(state: &State, d: &Deployment) -> bool {
    state.environment.as_ref().is_some_and(|e| e.id == d.env_id)
}

fn on_change(state: &mut State, change: Change) -> (bool, Vec<Cmd>) {
    match change {
        Change::Deployment { data } => {
            if !in_view(state, &data) {
                return (false, vec![]);
            }
            let mut cmds = vec![];
            if let Some(rev) = &data.current_revision_id
                && !state.revision_numbers.contains_key(rev)
            {
                cmds.push(Cmd::FetchRevision {
                    deployment_id: data.id.clone(),
                    revision_id: rev.clone(),
                });
            }
            if data.status != DeploymentStatus::RollingOut {
                state.progress.remove(&data.id);
            }
            match state.deployments.iter_mut().find(|d| d.id == data.id) {
                Some(d) => *d = *data,
                None => state.deployments.push(*data),
            }
            keep_selection(state);
            (true, cmds)
        }
        Change::DeploymentDeleted { deployment_id } => {
            state.deployments.retain(|d| d.id != deployment_id);
            state.loadbalancers.remove(&deployment_id);
            state.progress.remove(&deployment_id);
            keep_selection(state);
            (true, vec![])
        }
        Change::Event {
            deployment_id,
            data,
        } => {
            let ready = data.meta.get("ready").and_then(|v| v.as_u64());
            let desired = data.meta.get("desired").and_then(|v| v.as_u64());
            match (data.stage, ready, desired) {
                (Stage::RollingOut, Some(r), Some(d)) => {
                    state.progress.insert(deployment_id, (r as u32, d as u32));
                    (true, vec![])
                }
                _ => (false, vec![]),
            }
        }
        Change::Loadbalancer {
            deployment_id,
            data,
        } => {
            let shown = state.deployments.iter().any(|d| d.id == deployment_id);
            state.loadbalancers.insert(deployment_id, data);
            (shown, vec![])
        }
    }
}

fn on_key(state: &mut State, key: KeyEvent) -> (bool, Vec<Cmd>) {
    if key.kind == KeyEventKind::Release {
        return (false, vec![]);
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('q') => quit(state),
        KeyCode::Char('c') if ctrl => quit(state),
        KeyCode::Down | KeyCode::Char('j') => move_selection(state, 1),
        KeyCode::Up | KeyCode::Char('k') => move_selection(state, -1),
        KeyCode::Home | KeyCode::Char('g') => move_selection(state, isize::MIN),
        KeyCode::End | KeyCode::Char('G') => move_selection(state, isize::MAX),
        KeyCode::Char('r') if ctrl => (false, vec![Cmd::Reload]),
        KeyCode::Esc => {
            let had = state.message.take().is_some();
            (had, vec![])
        }
        _ => (false, vec![]),
    }
}

fn quit(state: &mut State) -> (bool, Vec<Cmd>) {
    state.quit = true;
    (false, vec![Cmd::Quit])
}

fn move_selection(state: &mut State, by: isize) -> (bool, Vec<Cmd>) {
    let n = state.deployments.len();
    if n == 0 {
        return (false, vec![]);
    }
    let current = state.selected_index().unwrap_or(0) as isize;
    let next = current.saturating_add(by).clamp(0, n as isize - 1) as usize;
    let changed = state.selected_index() != Some(next);
    state.selected = Some(state.deployments[next].id.clone());
    (changed, vec![])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::msg::Snapshot;
    use chrono::Utc;

    pub fn deployment(id: &str, status: DeploymentStatus) -> Deployment {
        Deployment {
            id: id.into(),
            name: id.trim_start_matches("dep_").into(),
            org_id: "org".into(),
            env_id: "env_1".into(),
            source_type: SourceType::Image,
            repo_url: None,
            branch: None,
            image: Some("nginx:1".into()),
            integration_id: None,
            auto_deploy: false,
            space_id: "spc_1".into(),
            namespace: "demo".into(),
            registry_url: None,
            current_revision_id: Some(format!("rev_{id}")),
            status,
            configs: "{}".into(),
            canvas_position: None,
            last_deploy_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn loaded() -> State {
        let mut s = State::new("test".into(), false);
        let env = Environment {
            id: "env_1".into(),
            name: "demo".into(),
            space_id: "spc_1".into(),
            namespace: "demo".into(),
            registry_url: None,
            created_at: Utc::now(),
        };
        let snap = Snapshot {
            environment: Some(env),
            deployments: vec![
                deployment("dep_a", DeploymentStatus::Active),
                deployment("dep_b", DeploymentStatus::RollingOut),
            ],
            ..Default::default()
        };
        update(&mut s, Msg::Loaded(Box::new(snap)));
        s
    }

    fn key(code: KeyCode) -> Msg {
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn first_deployment_is_selected_and_keys_move_the_selection() {
        let mut s = loaded();
        assert_eq!(s.selected.as_deref(), Some("dep_a"));
        assert!(update(&mut s, key(KeyCode::Char('j'))).0);
        assert_eq!(s.selected.as_deref(), Some("dep_b"));
        assert!(
            !update(&mut s, key(KeyCode::Down)).0,
            "already at the end: nothing to redraw"
        );
        update(&mut s, key(KeyCode::Char('g')));
        assert_eq!(s.selected.as_deref(), Some("dep_a"));
    }

    #[test]
    fn changes_update_the_rows_live() {
        let mut s = loaded();
        let mut d = deployment("dep_b", DeploymentStatus::Active);
        d.current_revision_id = Some("rev_new".into());
        let (redraw, cmds) = update(
            &mut s,
            Msg::Changed(Change::Deployment { data: Box::new(d) }),
        );
        assert!(redraw);
        assert_eq!(
            cmds,
            vec![Cmd::FetchRevision {
                deployment_id: "dep_b".into(),
                revision_id: "rev_new".into()
            }]
        );
        assert_eq!(s.deployments[1].status, DeploymentStatus::Active);
        update(
            &mut s,
            Msg::Changed(Change::DeploymentDeleted {
                deployment_id: "dep_a".into(),
            }),
        );
        assert_eq!(s.deployments.len(), 1);
        assert_eq!(
            s.selected.as_deref(),
            Some("dep_b"),
            "selection moves off a deleted row"
        );
    }

    #[test]
    fn other_environments_are_ignored_and_ticks_redraw_only_when_animating() {
        let mut s = loaded();
        let mut other = deployment("dep_x", DeploymentStatus::Active);
        other.env_id = "env_2".into();
        assert!(
            !update(
                &mut s,
                Msg::Changed(Change::Deployment {
                    data: Box::new(other)
                })
            )
            .0
        );
        assert!(update(&mut s, Msg::Tick).0, "dep_b is rolling out");
        s.deployments[1].status = DeploymentStatus::Active;
        assert!(!update(&mut s, Msg::Tick).0, "nothing animates: no redraw");
    }

    #[test]
    fn q_quits() {
        let mut s = loaded();
        let (_, cmds) = update(&mut s, key(KeyCode::Char('q')));
        assert_eq!(cmds, vec![Cmd::Quit]);
        assert!(s.quit);
    }
}
