//! The keys of the spaces view: its lists, its forms (sent when valid), its questions.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::answers::picked;
use super::form::{self, Form, FormKey, PickFrom};
use super::{
    Call, Confirm, SpacesView, Tab, cluster_of, load_namespaces, put, refused, say, switch_to,
};
use crate::app::msg::Cmd;
use crate::app::state::{MessageKind, Overlay, State};
use crate::backend::model::*;

/// A key in the view (its form, confirm question or lists).
pub fn key(state: &mut State, key: &KeyEvent) -> Vec<Cmd> {
    let Some(Overlay::Spaces(view)) = state.overlay.clone() else {
        return vec![];
    };
    let mut view = *view;
    if view.busy.is_some() && key.code != KeyCode::Esc {
        return vec![];
    }
    // What the last key said is read; this key says its own.
    state.message = None;
    if let Some(mut form) = view.form.take() {
        let outcome = form.key(key);
        return match outcome {
            FormKey::Cancel => {
                view.then = None;
                put(state, view)
            }
            FormKey::Edited => {
                view.form = Some(form);
                put(state, view)
            }
            FormKey::Load(from) => {
                let call = pick_call(&form, from);
                view.form = Some(form);
                let mut cmds = put(state, view);
                match call {
                    Ok(call) => cmds.push(Cmd::Spaces(call)),
                    Err(why) => picked(state, from, Err(why)),
                }
                cmds
            }
            FormKey::Submit => submit(state, view, form),
        };
    }
    if let Some(confirm) = view.confirm.take() {
        if key.code != KeyCode::Char('y') {
            say(state, "cancelled", MessageKind::Info);
            return put(state, view);
        }
        let call = match confirm {
            Confirm::DeleteSpace { space_id, name } => {
                view.busy = Some(format!("deleting space {name}…"));
                Call::Delete { space_id, name }
            }
            Confirm::RevokeAccess {
                account,
                region,
                cluster,
            } => {
                view.busy = Some(format!("revoking access to {cluster}…"));
                Call::Revoke {
                    account,
                    region,
                    cluster,
                }
            }
        };
        let mut cmds = put(state, view);
        cmds.push(Cmd::Spaces(call));
        return cmds;
    }
    list_key(state, view, key)
}

fn list_key(state: &mut State, mut view: SpacesView, key: &KeyEvent) -> Vec<Cmd> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let rows = view.rows();
    let mut cmds = vec![];
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') => {
            state.overlay = None;
            return vec![];
        }
        KeyCode::Char('l') if ctrl => {
            view.catalog = None;
            view.namespaces = None;
            cmds.push(Cmd::Spaces(Call::Catalog));
        }
        KeyCode::Tab | KeyCode::Right => view.tab = next_tab(view.tab, 1),
        KeyCode::BackTab | KeyCode::Left => view.tab = next_tab(view.tab, 2),
        KeyCode::Char(c @ '1'..='3') => view.tab = Tab::ALL[(c as u8 - b'1') as usize],
        KeyCode::Down | KeyCode::Char('j') => {
            *view.cursor() = (*view.cursor() + 1).min(rows.saturating_sub(1))
        }
        KeyCode::Up | KeyCode::Char('k') => *view.cursor() = view.cursor().saturating_sub(1),
        KeyCode::Home | KeyCode::Char('g') if !ctrl => *view.cursor() = 0,
        KeyCode::End | KeyCode::Char('G') => *view.cursor() = rows.saturating_sub(1),
        KeyCode::PageDown => *view.cursor() = (*view.cursor() + 10).min(rows.saturating_sub(1)),
        KeyCode::PageUp => *view.cursor() = view.cursor().saturating_sub(10),
        _ => {
            return match view.tab {
                Tab::Spaces => spaces_key(state, view, key),
                Tab::Namespaces => namespaces_key(state, view, key),
                Tab::Environments => environments_key(state, view, key),
            };
        }
    }
    cmds.extend(load_namespaces(&mut view));
    put(state, view);
    cmds
}

fn next_tab(tab: Tab, step: usize) -> Tab {
    let at = Tab::ALL.iter().position(|t| *t == tab).unwrap_or(0);
    Tab::ALL[(at + step) % Tab::ALL.len()]
}

fn spaces_key(state: &mut State, mut view: SpacesView, key: &KeyEvent) -> Vec<Cmd> {
    let space = view.selected_space().cloned();
    let local = view.catalog.as_ref().is_some_and(|c| c.local_kubeconfig);
    let mut cmds = vec![];
    match key.code {
        KeyCode::Enter => {
            view.tab = Tab::Namespaces;
            cmds.extend(load_namespaces(&mut view));
        }
        KeyCode::Char('n') if !refused(state, "registering a space") => {
            let account = space
                .as_ref()
                .filter(|s| s.provider != "kubeconfig")
                .map_or(String::new(), |s| s.cloud_account_id.clone());
            view.form = Some(Form::cloud_space(&account));
        }
        KeyCode::Char('c') if !refused(state, "registering a space") => {
            if local {
                view.form = Some(Form::context_space(""));
            } else {
                say(
                    state,
                    "this server deploys with its own kubeconfigs: register the cluster with n \
                     (a space on one of its cloud accounts)",
                    MessageKind::Error,
                );
            }
        }
        KeyCode::Char('a') if !refused(state, "changing a space's status") => {
            if let Some(s) = space {
                let status = match s.status {
                    SpaceStatus::Active => SpaceStatus::Inactive,
                    SpaceStatus::Inactive => SpaceStatus::Active,
                };
                view.busy = Some(format!("setting space {} {}…", s.name, status.as_str()));
                cmds.push(Cmd::Spaces(Call::SetStatus {
                    space_id: s.id,
                    status,
                }));
            }
        }
        KeyCode::Char('D') if !refused(state, "deleting a space") => {
            if let Some(s) = space {
                view.confirm = Some(Confirm::DeleteSpace {
                    space_id: s.id,
                    name: s.name,
                });
            }
        }
        KeyCode::Char(c @ ('x' | 'A')) if !refused(state, "changing cluster access") => {
            if let Some((account, region, cluster)) = space.as_ref().and_then(cluster_of) {
                if c == 'x' {
                    view.confirm = Some(Confirm::RevokeAccess {
                        account,
                        region,
                        cluster,
                    });
                } else {
                    view.busy = Some(format!("granting access to {cluster}…"));
                    cmds.push(Cmd::Spaces(Call::Grant {
                        account,
                        region,
                        cluster,
                    }));
                }
            } else if space.is_some() {
                say(
                    state,
                    "this space's config names no cluster and region",
                    MessageKind::Error,
                );
            }
        }
        KeyCode::Char('e') if !refused(state, "creating an environment") => {
            if let Some(c) = &view.catalog {
                let id = space.as_ref().map_or("", |s| s.id.as_str());
                view.form = Some(Form::environment(&c.space_choices(), id, ""));
            }
        }
        _ => return put(state, view),
    }
    put(state, view);
    cmds
}

fn namespaces_key(state: &mut State, mut view: SpacesView, key: &KeyEvent) -> Vec<Cmd> {
    let Some(space) = view.selected_space().cloned() else {
        return put(state, view);
    };
    match key.code {
        KeyCode::Char('n') if !refused(state, "creating a namespace") => {
            view.form = Some(Form::namespace(&space.id, &space.name));
        }
        KeyCode::Enter => {
            let Some(ns) = view.namespace_list().get(view.namespace).cloned() else {
                return put(state, view);
            };
            let bound = view
                .catalog
                .as_ref()
                .and_then(|c| c.bound(&space.id, &ns.name))
                .map(|e| e.id.clone());
            if let Some(env_id) = bound {
                return switch_to(state, env_id);
            }
            if !refused(state, "creating an environment")
                && let Some(c) = &view.catalog
            {
                view.form = Some(Form::environment(&c.space_choices(), &space.id, &ns.name));
            }
        }
        _ => {}
    }
    put(state, view)
}

fn environments_key(state: &mut State, mut view: SpacesView, key: &KeyEvent) -> Vec<Cmd> {
    match key.code {
        KeyCode::Enter => {
            if let Some(id) = view
                .environments()
                .get(view.environment)
                .map(|e| e.id.clone())
            {
                return switch_to(state, id);
            }
        }
        KeyCode::Char('n') if !refused(state, "creating an environment") => {
            if let Some(c) = &view.catalog {
                let id = view.selected_space().map_or("", |s| s.id.as_str());
                view.form = Some(Form::environment(&c.space_choices(), id, ""));
            }
        }
        _ => {}
    }
    put(state, view)
}

/// What loads the candidates of a pick list; `Err` says why there are none to load.
fn pick_call(form: &Form, from: PickFrom) -> Result<Call, String> {
    match from {
        PickFrom::Contexts => Ok(Call::Contexts),
        PickFrom::Clusters => match form.get(form::Key::Account) {
            "" => Err("type the cloud account first".into()),
            account => Ok(Call::Clusters {
                account: account.to_string(),
            }),
        },
        PickFrom::Namespaces => match form.get(form::Key::Space) {
            "" => Err("choose a space first".into()),
            space => Ok(Call::NamespacePick {
                space_id: space.to_string(),
            }),
        },
    }
}

fn submit(state: &mut State, mut view: SpacesView, mut form: Form) -> Vec<Cmd> {
    if refused(state, "this change") {
        view.form = Some(form);
        return put(state, view);
    }
    let call = match form.request() {
        form::Request::CloudSpace(req) => Call::CreateSpace(req),
        form::Request::ContextSpace {
            name,
            kubeconfig,
            context,
        } => Call::CreateSpaceOnContext {
            name,
            kubeconfig,
            context,
        },
        form::Request::Namespace { space_id, name } => Call::CreateNamespace { space_id, name },
        form::Request::Environment(req) => Call::CreateEnvironment(req),
    };
    form.submitting = true;
    view.form = Some(form);
    let mut cmds = put(state, view);
    cmds.push(Cmd::Spaces(call));
    cmds
}
