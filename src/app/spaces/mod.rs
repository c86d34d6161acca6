//! `s`: the spaces view — spaces with their clusters' live status, the namespaces of the
//! selected space, and the environments — and everything done from it: registering a space
//! (on a cloud account's cluster, or a kubeconfig context), activating or deactivating one,
//! deleting one, granting and revoking cluster access, creating namespaces and environments,
//! and switching the canvas to an environment. The view owns its state; what it asks of the
//! backend leaves as `Cmd::Spaces` and comes back as `Msg::Spaces`.

mod answers;
pub mod calls;
pub mod form;
mod keys;
pub mod picks;
pub mod start;

use std::collections::HashMap;

use super::effect::{Effect, Effects};
use super::msg::Cmd;
use super::state::Overlay;
use crate::backend::model::*;
pub use answers::Shown;
pub use calls::{Answer, Call, Outcome};
use form::Form;

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
pub fn open(tab: Tab) -> Effects {
    let view = SpacesView {
        tab,
        ..Default::default()
    };
    vec![
        Effect::Open(Overlay::Spaces(Box::new(view))),
        Effect::Cmd(Cmd::Spaces(Call::Catalog)),
    ]
}

/// The (account, region, cluster) a space is on.
pub fn cluster_of(space: &Space) -> Option<(String, String, String)> {
    Some((
        space.cloud_account_id.clone(),
        space.config_value("region")?,
        space.config_value("clusterName")?,
    ))
}

impl SpacesView {
    /// On the namespaces tab, the call that loads the selected space's namespaces, unless
    /// they are there.
    fn load_namespaces(&mut self) -> Option<Call> {
        if self.tab != Tab::Namespaces {
            return None;
        }
        let space_id = self.selected_space()?.id.clone();
        if self
            .namespaces
            .as_ref()
            .is_some_and(|n| n.space_id == space_id)
        {
            return None;
        }
        self.namespaces = Some(Namespaces::loading(space_id.clone()));
        self.namespace = 0;
        Some(Call::Namespaces { space_id })
    }
}
