//! Service connections of an environment: the `connections` its configs name (explicit), and
//! those its `envVars` imply — a value naming another deployment of the environment, its
//! service host (`api`, `api.demo`, `api.demo.svc.cluster.local`) or its LoadBalancer
//! address. Found in one pass over the cards (names and addresses in maps), and walked with
//! `>` / `<` from the selected card.

use std::collections::HashMap;

use super::effect::{Effect, Effects};
use super::model::Model;
use crate::backend::model::{Deployment, DeploymentStatus, LbStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// The variable that names the target (inferred), or none (named in `connections`).
    pub label: Option<String>,
}

/// The connections among the model's cards, each pair once (an explicit one wins over the
/// same pair inferred), in the cards' order.
pub fn edges(model: &Model) -> Vec<Edge> {
    let by_name: HashMap<&str, &str> = model
        .deployments
        .iter()
        .map(|d| (d.name.as_str(), d.id.as_str()))
        .collect();
    let by_address: HashMap<&str, &str> = model
        .loadbalancers
        .iter()
        .filter(|(_, lb)| lb.status == LbStatus::Ready)
        .filter_map(|(id, lb)| Some((lb.address.as_deref()?, id.as_str())))
        .collect();
    let mut out: Vec<Edge> = Vec::new();
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for d in &model.deployments {
        let Ok(configs) = serde_json::from_str::<serde_json::Value>(&d.configs) else {
            continue;
        };
        let explicit = configs
            .get("connections")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .filter_map(|n| by_name.get(n.as_str()?).map(|to| (*to, None)));
        let inferred = configs
            .get("envVars")
            .and_then(|v| v.as_object())
            .into_iter()
            .flatten()
            .filter_map(|(key, value)| {
                let to = target(value.as_str()?, &d.id, &by_name, &by_address)?;
                Some((to, Some(key.clone())))
            });
        for (to, label) in explicit.chain(inferred) {
            if to == d.id {
                continue;
            }
            match seen.get(&(d.id.as_str(), to)) {
                // The same pair again: keep the first label found.
                Some(_) => {}
                None => {
                    seen.insert((d.id.as_str(), to), out.len());
                    out.push(Edge {
                        from: d.id.clone(),
                        to: to.to_string(),
                        label,
                    });
                }
            }
        }
    }
    out
}

/// The deployment a value points at: a host in it that is a card's public address, or a
/// card's name used as a host — the whole value (`api`), after `://` or `@`, before `:port`
/// (`postgres://u@db:5432/x`), or a service host's first label (`api.demo.svc`). A name as
/// a plain word (`MODE=worker`) is not a host.
fn target<'a>(
    value: &str,
    own: &str,
    by_name: &HashMap<&str, &'a str>,
    by_address: &HashMap<&str, &'a str>,
) -> Option<&'a str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
    let mut start = None;
    let mut words = Vec::new();
    for (i, c) in value.char_indices().chain([(value.len(), ' ')]) {
        match (is_word(c) && i < value.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    words.into_iter().find_map(|(s, e)| {
        let word = value[s..e].trim_matches('.');
        if let Some(id) = by_address.get(word).filter(|id| **id != own) {
            return Some(*id);
        }
        let (first, dotted) = match word.split_once('.') {
            Some((first, rest)) => (first, !rest.is_empty()),
            None => (word, false),
        };
        let before = &value[..s];
        let after = &value[e..];
        let host = dotted
            || (s == 0 && e == value.len())
            || before.ends_with("://")
            || before.ends_with('@')
            || after
                .strip_prefix(':')
                .is_some_and(|p| p.starts_with(|c: char| c.is_ascii_digit()));
        host.then(|| by_name.get(first).copied())
            .flatten()
            .filter(|id| *id != own)
    })
}

/// Whether an edge leads to a card that is failing.
pub fn to_failing(model: &Model, e: &Edge) -> bool {
    model
        .deployment(&e.to)
        .is_some_and(|d| d.status == DeploymentStatus::Failed)
}

/// The cards connected to `id`, each once: what it talks to, then what talks to it.
pub fn neighbours(edges: &[Edge], id: &str) -> Vec<(String, bool, Option<String>)> {
    let mut out: Vec<(String, bool, Option<String>)> = Vec::new();
    let downstream = edges
        .iter()
        .filter(|e| e.from == id)
        .map(|e| (e.to.clone(), true, e.label.clone()));
    let upstream = edges
        .iter()
        .filter(|e| e.to == id)
        .map(|e| (e.from.clone(), false, e.label.clone()));
    for n in downstream.chain(upstream) {
        if !out.iter().any(|(o, _, _)| *o == n.0) {
            out.push(n);
        }
    }
    out
}

/// `>` / `<`: the next (previous) card connected to the anchor — the card selected when the
/// walk began, kept while the selection stays on its neighbours.
pub fn walk(
    model: &Model,
    anchor: &mut Option<(String, String)>,
    selected: Option<&str>,
    forward: bool,
) -> Effects {
    let Some(selected) = selected else {
        return vec![Effect::info("select a deployment first")];
    };
    let origin = match anchor.as_ref() {
        Some((a, at)) if at == selected => a.clone(),
        _ => selected.to_string(),
    };
    let edges = edges(model);
    let around = neighbours(&edges, &origin);
    let name = |id: &str| {
        model
            .deployment(id)
            .map_or(id.to_string(), |d| d.name.clone())
    };
    if around.is_empty() {
        *anchor = None;
        return vec![Effect::info(format!(
            "{} has no connections (its envVars name no other card, and its configs no \
             connections)",
            name(&origin)
        ))];
    }
    let at = around.iter().position(|(id, _, _)| id == selected);
    let n = around.len();
    let i = match (at, forward) {
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
        (None, true) => 0,
        (None, false) => n - 1,
    };
    let (to, downstream, label) = around[i].clone();
    *anchor = Some((origin.clone(), to.clone()));
    let via = label.map_or(String::new(), |l| format!(" ({l})"));
    let arrow = if downstream {
        format!("{} → {}{via}", name(&origin), name(&to))
    } else {
        format!("{} ← {}{via}", name(&origin), name(&to))
    };
    vec![
        Effect::Select(to),
        Effect::info(format!("{arrow} · {} of {n} · > next, < previous", i + 1)),
    ]
}

/// What a card's connections are, for its detail panel.
pub fn describe(model: &Model, d: &Deployment) -> Vec<String> {
    let edges = edges(model);
    neighbours(&edges, &d.id)
        .into_iter()
        .map(|(id, downstream, label)| {
            let other = model.deployment(&id).map_or(id.clone(), |o| o.name.clone());
            let via = label.map_or(String::new(), |l| format!(" via {l}"));
            if downstream {
                format!("→ {other}{via}")
            } else {
                format!("← {other}{via}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_in_values_name_cards_and_plain_words_do_not() {
        let by_name: HashMap<&str, &str> = [
            ("api", "dep_api"),
            ("db", "dep_db"),
            ("worker", "dep_worker"),
        ]
        .into();
        let by_address: HashMap<&str, &str> = [("shop.example.com", "dep_shop")].into();
        let t = |v: &str| target(v, "dep_self", &by_name, &by_address);
        assert_eq!(t("api"), Some("dep_api"));
        assert_eq!(t("http://api:8080/v1"), Some("dep_api"));
        assert_eq!(t("postgres://app:secret@db:5432/app"), Some("dep_db"));
        assert_eq!(t("api.demo.svc.cluster.local"), Some("dep_api"));
        assert_eq!(t("https://shop.example.com/cart"), Some("dep_shop"));
        assert_eq!(t("run the worker now"), None);
        assert_eq!(t("debug"), None);
        assert_eq!(t("localhost:8080"), None);
        // The user of a URL may be the deployment's own name: the host is what counts.
        assert_eq!(
            target("postgres://api@db:5432/x", "dep_api", &by_name, &by_address),
            Some("dep_db")
        );
    }
}
