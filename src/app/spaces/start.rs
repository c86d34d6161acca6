//! `--context CTX` and `--namespace NS`, in k9s's habit: the TUI opens on the canvas of the
//! environment bound to that context and namespace, offers to create it when there is none
//! (registering the context as a space first, when it is not one yet), and lets you pick when
//! several match.

use super::form::Form;
use super::{Catalog, SpacesView, Tab, Then};
use crate::app::effect::{Effect, Effects};
use crate::app::msg::Cmd;
use crate::app::state::{Overlay, State};

/// The start flags.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StartTarget {
    pub context: Option<String>,
    pub namespace: Option<String>,
}

impl StartTarget {
    fn describe(&self) -> String {
        match (&self.context, &self.namespace) {
            (Some(c), Some(n)) => format!("context {c}, namespace {n}"),
            (Some(c), None) => format!("context {c}"),
            (None, Some(n)) => format!("namespace {n}"),
            (None, None) => "the start flags".into(),
        }
    }
}

/// The first thing the TUI asks for: the environment's canvas, or — with start flags — the
/// catalog to find that environment in.
pub fn first_cmds(state: &mut State, env: Option<String>) -> Vec<Cmd> {
    if state.start.is_some() {
        vec![Cmd::Spaces(super::Call::Catalog)]
    } else {
        vec![state.reload(env)]
    }
}

/// Finds the environment the flags name in the catalog (or why it could not be listed), and
/// opens it — or the view that creates or picks it, over the first environment's canvas.
pub fn resolve(target: StartTarget, catalog: Result<Catalog, String>) -> Effects {
    let catalog = match catalog {
        Ok(c) => c,
        Err(e) => {
            return vec![
                Effect::error(format!(
                    "cannot look for the environment of the start flags: {e}"
                )),
                Effect::Reload(None),
            ];
        }
    };
    let on_context: Vec<&crate::backend::model::Space> = catalog
        .spaces
        .iter()
        .filter(|s| target.context.as_deref().is_none_or(|c| s.on_context(c)))
        .collect();
    let matching: Vec<String> = catalog
        .environments
        .iter()
        .filter(|e| on_context.iter().any(|s| s.id == e.space_id))
        .filter(|e| target.namespace.as_deref().is_none_or(|n| e.namespace == n))
        .map(|e| e.id.clone())
        .collect();
    if let [one] = matching.as_slice() {
        return vec![Effect::Reload(Some(one.clone()))];
    }
    let what = target.describe();
    let namespace = target.namespace.clone().unwrap_or_default();
    let mut view = SpacesView {
        tab: Tab::Environments,
        ..Default::default()
    };
    let text;
    if !matching.is_empty() {
        text = format!(
            "{} environments use {what}: pick one and press Enter",
            matching.len()
        );
        view.only = Some(matching);
    } else if let (Some(context), true) = (&target.context, on_context.is_empty()) {
        if !catalog.local_kubeconfig {
            return vec![
                Effect::error(format!(
                    "no space of this server is on context {context}; `zopdeck spaces list` \
                     shows them — showing the first environment"
                )),
                Effect::Reload(None),
            ];
        }
        text = format!(
            "context {context} is not a space yet: register it, then create the environment \
             (Esc: the first environment)"
        );
        view.tab = Tab::Spaces;
        view.form = Some(Form::context_space(context));
        view.then = Some(Then::CreateEnvironment { namespace });
    } else {
        text =
            format!("no environment is bound to {what}: create one (Esc: the first environment)");
        let space = on_context.first().map_or("", |s| s.id.as_str());
        view.form = Some(Form::environment(
            &catalog.space_choices(),
            space,
            &namespace,
        ));
    }
    view.catalog = Some(catalog);
    vec![
        Effect::Open(Overlay::Spaces(Box::new(view))),
        Effect::info(text),
        Effect::Reload(None),
    ]
}
