//! What the backend's answers do to the spaces view: lists filled in, forms closed or kept
//! to fix, what was done said, and the next step offered.

use super::form::{self, Form, PickFrom};
use super::{
    Answer, Call, Catalog, Outcome, Tab, Then, load_namespaces, say, start, switch_to, with_view,
};
use crate::app::msg::Cmd;
use crate::app::state::{MessageKind, State};
use crate::backend::model::*;

pub(super) fn picked(
    state: &mut State,
    from: PickFrom,
    result: Result<Vec<form::PickItem>, String>,
) {
    with_view(state, |v| {
        if let Some(f) = v.form.as_mut() {
            f.picked_items(from, result);
        }
    });
}

/// An answer from the backend.
pub fn on_answer(state: &mut State, answer: Answer) -> Vec<Cmd> {
    match answer {
        Answer::Catalog(result) => on_catalog(state, result),
        Answer::Namespaces { space_id, result } => {
            with_view(state, |v| {
                if let Some(n) = v.namespaces.as_mut().filter(|n| n.space_id == space_id) {
                    match result {
                        Ok(list) => n.list = Some(list),
                        Err(e) => {
                            n.list = Some(Vec::new());
                            n.error = Some(e);
                        }
                    }
                    let list = n.list.as_deref().unwrap_or(&[]);
                    v.namespace = match v.created_namespace.take() {
                        Some(name) => list.iter().position(|x| x.name == name).unwrap_or(0),
                        None => v.namespace.min(list.len().saturating_sub(1)),
                    };
                }
            });
            vec![]
        }
        Answer::Picked { from, result } => {
            picked(state, from, result);
            vec![]
        }
        Answer::Done(result) => on_done(state, result),
    }
}

fn on_catalog(state: &mut State, result: Result<Catalog, String>) -> Vec<Cmd> {
    if let Some(target) = state.start.take() {
        return match result {
            Ok(catalog) => start::resolve(state, target, catalog),
            Err(e) => {
                say(
                    state,
                    format!("cannot look for the environment of the start flags: {e}"),
                    MessageKind::Error,
                );
                vec![state.reload(None)]
            }
        };
    }
    let mut cmds = vec![];
    let shown_space = state.space.as_ref().map(|s| s.id.clone());
    let shown_env = state.environment.as_ref().map(|e| e.id.clone());
    with_view(state, |v| {
        match result {
            Ok(c) => {
                if v.catalog.is_none() {
                    // First load: start on what the canvas shows.
                    v.space = c
                        .spaces
                        .iter()
                        .position(|s| Some(&s.id) == shown_space.as_ref())
                        .unwrap_or(v.space);
                    v.environment = c
                        .environments
                        .iter()
                        .position(|e| Some(&e.id) == shown_env.as_ref())
                        .unwrap_or(v.environment);
                }
                v.space = v.space.min(c.spaces.len().saturating_sub(1));
                v.environment = v.environment.min(c.environments.len().saturating_sub(1));
                v.catalog = Some(c);
                v.error = None;
            }
            Err(e) => {
                v.catalog = Some(Catalog::default());
                v.error = Some(e);
            }
        }
        cmds.extend(load_namespaces(v));
    });
    cmds
}

fn on_done(state: &mut State, result: Result<Outcome, String>) -> Vec<Cmd> {
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            with_view(state, |v| {
                v.busy = None;
                if let Some(f) = v.form.as_mut() {
                    f.submitting = false;
                }
            });
            say(state, e, MessageKind::Error);
            return vec![];
        }
    };
    let mut cmds = vec![Cmd::Spaces(Call::Catalog)];
    let then = with_view(state, |v| {
        v.busy = None;
        v.form = None;
        v.then.take()
    })
    .flatten();
    let (text, canvas) = match &outcome {
        Outcome::SpaceCreated(s) => {
            if let Some(Then::CreateEnvironment { namespace }) = then {
                let id = s.id.clone();
                with_view(state, |v| {
                    let mut choices = v
                        .catalog
                        .as_ref()
                        .map(Catalog::space_choices)
                        .unwrap_or_default();
                    if !choices.iter().any(|(i, _)| *i == id) {
                        choices.push((id.clone(), s.name.clone()));
                    }
                    v.tab = Tab::Environments;
                    v.form = Some(Form::environment(&choices, &id, &namespace));
                });
            }
            (format!("space {} registered{}", s.name, reach(s)), false)
        }
        Outcome::StatusSet(s) => (format!("space {} is {}", s.name, s.status.as_str()), true),
        Outcome::Deleted(name) => (format!("space {name} deleted"), false),
        Outcome::NamespaceCreated { space_id, name } => {
            let (space_id, created) = (space_id.clone(), name.clone());
            with_view(state, |v| {
                v.namespaces = None;
                v.created_namespace = Some(created);
                v.tab = Tab::Namespaces;
                if let Some(i) = v
                    .catalog
                    .as_ref()
                    .and_then(|c| c.spaces.iter().position(|s| s.id == space_id))
                {
                    v.space = i;
                }
            });
            (format!("namespace {name} created"), false)
        }
        Outcome::EnvironmentCreated(env) => {
            say(
                state,
                format!(
                    "environment {} created on namespace {} — showing its canvas",
                    env.name, env.namespace
                ),
                MessageKind::Info,
            );
            return switch_to(state, env.id.clone());
        }
        Outcome::AccessGranted(c) => (format!("access to cluster {c} registered"), true),
        Outcome::AccessRevoked(c) => (
            format!("access to cluster {c} revoked: its spaces cannot deploy until A grants it"),
            true,
        ),
    };
    say(state, text, MessageKind::Info);
    if canvas && state.environment.is_some() {
        cmds.push(state.reload(None));
    }
    cmds
}

/// ", cluster reachable" or what the probe found.
fn reach(s: &Space) -> String {
    match &s.reachability {
        Some(r) if r.status == ReachabilityStatus::Reachable => ", cluster reachable".into(),
        Some(r) => format!(
            ", but {}{}",
            r.status.as_str(),
            r.message
                .as_ref()
                .map_or(String::new(), |m| format!(": {m}"))
        ),
        None => String::new(),
    }
}
