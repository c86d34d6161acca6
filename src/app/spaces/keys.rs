//! The keys of the spaces view: its lists, its forms (sent when valid), its questions.

use crossterm::event::{KeyCode, KeyEvent};

use super::form::{self, Form, FormKey, PickFrom};
use super::{Call, Confirm, SpacesView, Tab, cluster_of};
use crate::app::effect::{Effect, Effects};
use crate::app::keymap::{Action, Keymap, MOVES, move_cursor};
use crate::app::msg::Cmd;
use crate::backend::model::*;

fn call(c: Call) -> Effect {
    Effect::Cmd(Cmd::Spaces(c))
}

impl SpacesView {
    /// A key in the view (its form, confirm question or lists).
    pub fn key(&mut self, km: &Keymap, key: &KeyEvent, read_only: bool) -> Effects {
        if self.busy.is_some() && key.code != KeyCode::Esc {
            return vec![];
        }
        // What the last key said is read; this key says its own.
        let mut effects = vec![Effect::Unsay];
        if let Some(mut form) = self.form.take() {
            match form.key(km, key) {
                FormKey::Cancel => self.then = None,
                FormKey::Edited => self.form = Some(form),
                FormKey::Load(from) => {
                    match pick_call(&form, from) {
                        Ok(c) => effects.push(call(c)),
                        Err(why) => form.picked_items(from, Err(why)),
                    }
                    self.form = Some(form);
                }
                FormKey::Submit => effects.extend(self.submit(form, read_only)),
            }
            return effects;
        }
        if let Some(confirm) = self.confirm.take() {
            if !km.is(key, Action::Yes) {
                effects.push(Effect::info("cancelled"));
                return effects;
            }
            effects.push(call(match confirm {
                Confirm::DeleteSpace { space_id, name } => {
                    self.busy = Some(format!("deleting space {name}…"));
                    Call::Delete { space_id, name }
                }
                Confirm::RevokeAccess {
                    account,
                    region,
                    cluster,
                } => {
                    self.busy = Some(format!("revoking access to {cluster}…"));
                    Call::Revoke {
                        account,
                        region,
                        cluster,
                    }
                }
            }));
            return effects;
        }
        effects.extend(self.list_key(km, key, read_only));
        effects
    }

    fn list_key(&mut self, km: &Keymap, key: &KeyEvent, read_only: bool) -> Effects {
        let last = self.rows().saturating_sub(1);
        let moves: Vec<Action> = [
            Action::Close,
            Action::ReloadList,
            Action::NextList,
            Action::PreviousList,
            Action::SpacesList,
            Action::NamespacesList,
            Action::EnvironmentsList,
        ]
        .into_iter()
        .chain(MOVES)
        .collect();
        match km.which(key, &moves) {
            Some(Action::Close) => return vec![Effect::Close],
            Some(Action::ReloadList) => {
                self.catalog = None;
                self.namespaces = None;
                return vec![call(Call::Catalog)];
            }
            Some(Action::NextList) => self.tab = next_tab(self.tab, 1),
            Some(Action::PreviousList) => self.tab = next_tab(self.tab, 2),
            Some(Action::SpacesList) => self.tab = Tab::Spaces,
            Some(Action::NamespacesList) => self.tab = Tab::Namespaces,
            Some(Action::EnvironmentsList) => self.tab = Tab::Environments,
            Some(a) if move_cursor(a, self.cursor(), last) => {}
            _ => {
                return match self.tab {
                    Tab::Spaces => self.spaces_key(km, key, read_only),
                    Tab::Namespaces => self.namespaces_key(km, key, read_only),
                    Tab::Environments => self.environments_key(km, key, read_only),
                };
            }
        }
        self.load_namespaces().map(call).into_iter().collect()
    }

    fn spaces_key(&mut self, km: &Keymap, key: &KeyEvent, read_only: bool) -> Effects {
        let space = self.selected_space().cloned();
        let local = self.catalog.as_ref().is_some_and(|c| c.local_kubeconfig);
        let actions = [
            Action::OpenItem,
            Action::RegisterSpace,
            Action::RegisterContext,
            Action::ToggleSpace,
            Action::DeleteSpace,
            Action::GrantAccess,
            Action::RevokeAccess,
            Action::NewEnvironment,
        ];
        let Some(action) = km.which(key, &actions) else {
            return vec![];
        };
        if read_only && action.changes() {
            return vec![Effect::read_only(&action.name().replace('_', " "))];
        }
        match action {
            Action::OpenItem => {
                self.tab = Tab::Namespaces;
                return self.load_namespaces().map(call).into_iter().collect();
            }
            Action::RegisterSpace => {
                let account = space
                    .as_ref()
                    .filter(|s| s.provider != "kubeconfig")
                    .map_or(String::new(), |s| s.cloud_account_id.clone());
                self.form = Some(Form::cloud_space(&account));
            }
            Action::RegisterContext if !local => {
                return vec![Effect::error(
                    "this server deploys with its own kubeconfigs: register the cluster with n \
                     (a space on one of its cloud accounts)",
                )];
            }
            Action::RegisterContext => self.form = Some(Form::context_space("")),
            Action::ToggleSpace => {
                if let Some(s) = space {
                    let status = match s.status {
                        SpaceStatus::Active => SpaceStatus::Inactive,
                        SpaceStatus::Inactive => SpaceStatus::Active,
                    };
                    self.busy = Some(format!("setting space {} {}…", s.name, status.as_str()));
                    return vec![call(Call::SetStatus {
                        space_id: s.id,
                        status,
                    })];
                }
            }
            Action::DeleteSpace => {
                if let Some(s) = space {
                    self.confirm = Some(Confirm::DeleteSpace {
                        space_id: s.id,
                        name: s.name,
                    });
                }
            }
            Action::GrantAccess | Action::RevokeAccess => match space.as_ref().map(cluster_of) {
                Some(Some((account, region, cluster))) if action == Action::RevokeAccess => {
                    self.confirm = Some(Confirm::RevokeAccess {
                        account,
                        region,
                        cluster,
                    });
                }
                Some(Some((account, region, cluster))) => {
                    self.busy = Some(format!("granting access to {cluster}…"));
                    return vec![call(Call::Grant {
                        account,
                        region,
                        cluster,
                    })];
                }
                Some(None) => {
                    return vec![Effect::error(
                        "this space's config names no cluster and region",
                    )];
                }
                None => {}
            },
            Action::NewEnvironment => {
                if let Some(c) = &self.catalog {
                    let id = space.as_ref().map_or("", |s| s.id.as_str());
                    self.form = Some(Form::environment(&c.space_choices(), id, ""));
                }
            }
            _ => {}
        }
        vec![]
    }

    fn namespaces_key(&mut self, km: &Keymap, key: &KeyEvent, read_only: bool) -> Effects {
        let Some(space) = self.selected_space().cloned() else {
            return vec![];
        };
        match km.which(key, &[Action::NewItem, Action::OpenItem]) {
            Some(Action::NewItem) if read_only => {
                return vec![Effect::read_only("creating a namespace")];
            }
            Some(Action::NewItem) => self.form = Some(Form::namespace(&space.id, &space.name)),
            Some(_) => {
                let Some(ns) = self.namespace_list().get(self.namespace).cloned() else {
                    return vec![];
                };
                let bound = self
                    .catalog
                    .as_ref()
                    .and_then(|c| c.bound(&space.id, &ns.name))
                    .map(|e| e.id.clone());
                if let Some(env_id) = bound {
                    return vec![Effect::ShowEnvironment(env_id)];
                }
                if read_only {
                    return vec![Effect::read_only("creating an environment")];
                }
                if let Some(c) = &self.catalog {
                    self.form = Some(Form::environment(&c.space_choices(), &space.id, &ns.name));
                }
            }
            None => {}
        }
        vec![]
    }

    fn environments_key(&mut self, km: &Keymap, key: &KeyEvent, read_only: bool) -> Effects {
        match km.which(key, &[Action::NewItem, Action::OpenItem]) {
            Some(Action::OpenItem) => {
                if let Some(e) = self.environments().get(self.environment) {
                    return vec![Effect::ShowEnvironment(e.id.clone())];
                }
            }
            Some(_) if read_only => return vec![Effect::read_only("creating an environment")],
            Some(_) => {
                if let Some(c) = &self.catalog {
                    let id = self.selected_space().map_or("", |s| s.id.as_str());
                    self.form = Some(Form::environment(&c.space_choices(), id, ""));
                }
            }
            None => {}
        }
        vec![]
    }

    fn submit(&mut self, mut form: Form, read_only: bool) -> Effects {
        if read_only {
            self.form = Some(form);
            return vec![Effect::read_only("this change")];
        }
        let c = match form.request() {
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
        self.form = Some(form);
        vec![call(c)]
    }
}

fn next_tab(tab: Tab, step: usize) -> Tab {
    let at = Tab::ALL.iter().position(|t| *t == tab).unwrap_or(0);
    Tab::ALL[(at + step) % Tab::ALL.len()]
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
