//! Pick lists of the forms: where their candidates come from (this machine's kubeconfig
//! contexts, an account's clusters, a space's namespaces), the open list with its filter, and
//! what picking one fills in.

use crossterm::event::KeyEvent;

use super::form::{Form, Key};
use crate::app::keymap::Keymap;
use crate::app::palette::ListKey;
use crate::backend::model::*;

/// Where a field's list of candidates comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickFrom {
    /// The contexts of this machine's kubeconfig files.
    Contexts,
    /// The clusters discovered on the account the form names.
    Clusters,
    /// The namespaces of the space the form names.
    Namespaces,
}

/// A candidate of a pick list and the fields it fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    pub label: String,
    pub fills: Vec<(Key, String)>,
}

/// The open list of a `Pick` field; `items` is `None` while it loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub from: PickFrom,
    pub items: Option<Vec<PickItem>>,
    pub error: Option<String>,
    pub query: String,
    pub selected: usize,
}

impl Picker {
    /// The items matching the query.
    pub fn visible(&self) -> Vec<&PickItem> {
        self.items
            .iter()
            .flatten()
            .filter(|i| crate::app::palette::fuzzy_match(&self.query, &i.label))
            .collect()
    }
}

impl Form {
    pub(super) fn picker_key(&mut self, km: &Keymap, key: &KeyEvent) {
        let Some(p) = self.picker.as_mut() else {
            return;
        };
        let n = p.visible().len();
        match crate::app::palette::list_key(km, key, &mut p.query, &mut p.selected, n) {
            ListKey::Close => self.picker = None,
            ListKey::Edit => {}
            ListKey::Pick(_) => {
                let fills = p.visible().get(p.selected).map(|i| i.fills.clone());
                if let Some(fills) = fills {
                    for (k, v) in fills {
                        // A name typed already is kept; an empty one is suggested.
                        if k == Key::Name && !self.get(Key::Name).is_empty() {
                            continue;
                        }
                        self.set(k, &v);
                    }
                    self.picker = None;
                    self.focus = (self.focus + 1) % self.fields.len().max(1);
                }
            }
        }
    }

    /// The candidates of the open pick list arrived (or could not be had).
    pub fn picked_items(&mut self, from: PickFrom, result: Result<Vec<PickItem>, String>) {
        if let Some(p) = self.picker.as_mut().filter(|p| p.from == from) {
            match result {
                Ok(items) => p.items = Some(items),
                Err(e) => {
                    p.items = Some(Vec::new());
                    p.error = Some(e);
                }
            }
        }
    }
}

/// A DNS label made of a context or namespace name ("arn:aws:eks:…/shop" → "shop"), as a
/// name to start from.
pub fn dns_label_from(text: &str) -> String {
    let last = text.rsplit(['/', ':', '@']).next().unwrap_or(text);
    let mut s: String = last
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    s.trim_matches('-').chars().take(63).collect::<String>()
}

/// The pick-list items of discovered clusters: each fills the cluster and its region.
pub fn cluster_items(clusters: &[Cluster]) -> Vec<PickItem> {
    clusters
        .iter()
        .map(|c| {
            let access = if c.access_registered {
                "access registered"
            } else {
                "no access yet"
            };
            PickItem {
                label: format!("{}  ({}, {access})", c.name, c.region),
                fills: vec![
                    (Key::Cluster, c.name.clone()),
                    (Key::Region, c.region.clone()),
                ],
            }
        })
        .collect()
}

/// The pick-list items of local kubeconfig contexts: the context, its file and a name.
pub fn context_items(contexts: &[LocalContext]) -> Vec<PickItem> {
    contexts
        .iter()
        .map(|c| PickItem {
            label: format!(
                "{}{}  {} · {}",
                c.name,
                if c.current { " (current)" } else { "" },
                c.provider,
                c.server
            ),
            fills: vec![
                (Key::Context, c.name.clone()),
                (Key::Kubeconfig, c.kubeconfig.clone()),
                (Key::Name, dns_label_from(&c.name)),
            ],
        })
        .collect()
}

/// The pick-list items of a space's namespaces.
pub fn namespace_items(namespaces: &[Namespace]) -> Vec<PickItem> {
    namespaces
        .iter()
        .map(|n| PickItem {
            label: format!(
                "{}{}",
                n.name,
                if n.managed_by_zopnight {
                    "  (managed by zopdeck)"
                } else {
                    ""
                }
            ),
            fills: vec![(Key::Namespace, n.name.clone())],
        })
        .collect()
}
