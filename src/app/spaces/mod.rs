//! `s`: the spaces view — spaces with their clusters' live status, the namespaces of the
//! selected space, and the environments — and everything done from it: registering a space
//! (on a cloud account's cluster, or a kubeconfig context), activating or deactivating one,
//! deleting one, granting and revoking cluster access, creating namespaces and environments,
//! and switching the canvas to an environment. The view owns its state; what it asks of the
//! backend leaves as `Cmd::Spaces` and comes back as `Msg::Spaces`.

pub mod calls;
pub mod form;
pub mod start;

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::Cmd;
use super::state::{MessageKind, Overlay, State};
use crate::backend::model::*;
pub use calls::{Answer, Call, Outcome};
use form::{Form, FormKey, PickFrom};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Spaces,
    Namespaces,
    Environments,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Spaces, Tab::Namespaces, Tab::Environments];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Spaces => "spaces",
            Tab::Namespaces => "namespaces",
            Tab::Environments => "environments",
        }
    }
}

/// What the view lists, loaded in one go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub spaces: Vec<Space>,
    pub environments: Vec<Environment>,
    /// Deployments by space id and by environment id.
    pub deployments_by_space: HashMap<String, usize>,
    pub deployments_by_env: HashMap<String, usize>,
    /// Whether the backend reads this machine's kubeconfig files (the embedded engine).
    pub local_kubeconfig: bool,
}

impl Catalog {
    pub fn environments_of(&self, space_id: &str) -> usize {
        self.environments
            .iter()
            .filter(|e| e.space_id == space_id)
            .count()
    }

    /// The environment bound to a namespace of a space.
    pub fn bound(&self, space_id: &str, namespace: &str) -> Option<&Environment> {
        self.environments
            .iter()
            .find(|e| e.space_id == space_id && e.namespace == namespace)
    }

    /// (id, name) of every space, for a form's choice.
    pub fn space_choices(&self) -> Vec<(String, String)> {
        self.spaces
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect()
    }
}

/// The namespaces of one space, as the cluster listed them.
#[derive(Debug, Clone, PartialEq)]
pub struct Namespaces {
    pub space_id: String,
    /// `None` while loading.
    pub list: Option<Vec<Namespace>>,
    pub error: Option<String>,
}

impl Namespaces {
    fn loading(space_id: String) -> Self {
        Self {
            space_id,
            list: None,
            error: None,
        }
    }
}

/// A question asked before something that cannot be undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    DeleteSpace {
        space_id: String,
        name: String,
    },
    RevokeAccess {
        account: String,
        region: String,
        cluster: String,
    },
}

/// What to offer once a space is registered (from `--context` with no space on it yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    CreateEnvironment { namespace: String },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpacesView {
    pub tab: Tab,
    /// `None` while loading.
    pub catalog: Option<Catalog>,
    pub error: Option<String>,
    /// Selected rows of each tab.
    pub space: usize,
    pub namespace: usize,
    pub environment: usize,
    pub namespaces: Option<Namespaces>,
    /// Only these environments are listed (ids), when a start flag matched several.
    pub only: Option<Vec<String>>,
    pub form: Option<Form>,
    pub confirm: Option<Confirm>,
    /// What was sent and is awaited ("deleting space x…").
    pub busy: Option<String>,
    pub then: Option<Then>,
    /// A namespace just created: selected once the list comes back.
    pub created_namespace: Option<String>,
}

impl SpacesView {
    pub fn selected_space(&self) -> Option<&Space> {
        self.catalog.as_ref()?.spaces.get(self.space)
    }

    /// The environments listed (all, or those a start flag matched).
    pub fn environments(&self) -> Vec<&Environment> {
        let Some(c) = &self.catalog else {
            return Vec::new();
        };
        c.environments
            .iter()
            .filter(|e| self.only.as_ref().is_none_or(|ids| ids.contains(&e.id)))
            .collect()
    }

    /// The namespaces of the selected space, when loaded.
    pub fn namespace_list(&self) -> &[Namespace] {
        match (&self.namespaces, self.selected_space()) {
            (Some(n), Some(s)) if n.space_id == s.id => n.list.as_deref().unwrap_or(&[]),
            _ => &[],
        }
    }

    fn rows(&self) -> usize {
        match self.tab {
            Tab::Spaces => self.catalog.as_ref().map_or(0, |c| c.spaces.len()),
            Tab::Namespaces => self.namespace_list().len(),
            Tab::Environments => self.environments().len(),
        }
    }

    fn cursor(&mut self) -> &mut usize {
        match self.tab {
            Tab::Spaces => &mut self.space,
            Tab::Namespaces => &mut self.namespace,
            Tab::Environments => &mut self.environment,
        }
    }
}

/// Opens the view on a tab, loading what it lists.
pub fn open(state: &mut State, tab: Tab) -> Vec<Cmd> {
    let view = SpacesView {
        tab,
        ..Default::default()
    };
    state.overlay = Some(Overlay::Spaces(Box::new(view)));
    vec![Cmd::Spaces(Call::Catalog)]
}

/// Runs `f` on the open view (and nothing when it is not open).
fn with_view<R>(state: &mut State, f: impl FnOnce(&mut SpacesView) -> R) -> Option<R> {
    match state.overlay.as_mut() {
        Some(Overlay::Spaces(view)) => Some(f(view)),
        _ => None,
    }
}

fn say(state: &mut State, text: impl Into<String>, kind: MessageKind) {
    state.message = Some((text.into(), kind));
}

/// Refuses a change in read-only mode, saying so.
fn refused(state: &mut State, what: &str) -> bool {
    if state.read_only {
        say(
            state,
            format!("read-only: {what} is disabled (started with --read-only or read_only = true)"),
            MessageKind::Error,
        );
    }
    state.read_only
}

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

/// Puts the view back as the overlay.
fn put(state: &mut State, view: SpacesView) -> Vec<Cmd> {
    state.overlay = Some(Overlay::Spaces(Box::new(view)));
    vec![]
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

/// On the namespaces tab, loads the selected space's namespaces unless they are there.
fn load_namespaces(view: &mut SpacesView) -> Option<Cmd> {
    if view.tab != Tab::Namespaces {
        return None;
    }
    let space_id = view.selected_space()?.id.clone();
    if view
        .namespaces
        .as_ref()
        .is_some_and(|n| n.space_id == space_id)
    {
        return None;
    }
    view.namespaces = Some(Namespaces::loading(space_id.clone()));
    view.namespace = 0;
    Some(Cmd::Spaces(Call::Namespaces { space_id }))
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

/// The (account, region, cluster) a space is on.
pub fn cluster_of(space: &Space) -> Option<(String, String, String)> {
    Some((
        space.cloud_account_id.clone(),
        space.config_value("region")?,
        space.config_value("clusterName")?,
    ))
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

/// Closes the view and shows an environment's canvas.
pub fn switch_to(state: &mut State, env_id: String) -> Vec<Cmd> {
    state.overlay = None;
    state.viewport = Default::default();
    state.filter.clear();
    vec![state.reload(Some(env_id))]
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

fn picked(state: &mut State, from: PickFrom, result: Result<Vec<form::PickItem>, String>) {
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
