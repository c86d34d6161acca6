//! What the backend's answers do to the spaces view: lists filled in, forms closed or kept
//! to fix, what was done said, and the next step offered.

use super::form::Form;
use super::{Answer, Call, Catalog, Outcome, SpacesView, Tab, Then};
use crate::app::effect::{Effect, Effects};
use crate::app::msg::Cmd;
use crate::backend::model::*;

/// What the canvas shows, for the view to start on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shown<'a> {
    pub space: Option<&'a str>,
    pub environment: Option<&'a str>,
}

impl SpacesView {
    /// An answer from the backend.
    pub fn answer(&mut self, answer: Answer, shown: Shown) -> Effects {
        match answer {
            Answer::Catalog(result) => self.on_catalog(result, shown),
            Answer::Namespaces { space_id, result } => {
                if let Some(n) = self.namespaces.as_mut().filter(|n| n.space_id == space_id) {
                    match result {
                        Ok(list) => n.list = Some(list),
                        Err(e) => {
                            n.list = Some(Vec::new());
                            n.error = Some(e);
                        }
                    }
                    let list = n.list.as_deref().unwrap_or(&[]);
                    self.namespace = match self.created_namespace.take() {
                        Some(name) => list.iter().position(|x| x.name == name).unwrap_or(0),
                        None => self.namespace.min(list.len().saturating_sub(1)),
                    };
                }
                vec![]
            }
            Answer::Picked { from, result } => {
                if let Some(f) = self.form.as_mut() {
                    f.picked_items(from, result);
                }
                vec![]
            }
            Answer::Done(result) => self.on_done(result),
        }
    }

    fn on_catalog(&mut self, result: Result<Catalog, String>, shown: Shown) -> Effects {
        match result {
            Ok(c) => {
                if self.catalog.is_none() {
                    // First load: start on what the canvas shows.
                    self.space = c
                        .spaces
                        .iter()
                        .position(|s| Some(s.id.as_str()) == shown.space)
                        .unwrap_or(self.space);
                    self.environment = c
                        .environments
                        .iter()
                        .position(|e| Some(e.id.as_str()) == shown.environment)
                        .unwrap_or(self.environment);
                }
                self.space = self.space.min(c.spaces.len().saturating_sub(1));
                self.environment = self.environment.min(c.environments.len().saturating_sub(1));
                self.catalog = Some(c);
                self.error = None;
            }
            Err(e) => {
                self.catalog = Some(Catalog::default());
                self.error = Some(e);
            }
        }
        self.load_namespaces()
            .map(|c| Effect::Cmd(Cmd::Spaces(c)))
            .into_iter()
            .collect()
    }

    fn on_done(&mut self, result: Result<Outcome, String>) -> Effects {
        self.busy = None;
        let outcome = match result {
            Ok(o) => o,
            Err(e) => {
                if let Some(f) = self.form.as_mut() {
                    f.submitting = false;
                }
                return vec![Effect::error(e)];
            }
        };
        self.form = None;
        let then = self.then.take();
        let mut effects = vec![Effect::Cmd(Cmd::Spaces(Call::Catalog))];
        let (text, canvas) = match &outcome {
            Outcome::SpaceCreated(s) => {
                if let Some(Then::CreateEnvironment { namespace }) = then {
                    let mut choices = self
                        .catalog
                        .as_ref()
                        .map(Catalog::space_choices)
                        .unwrap_or_default();
                    if !choices.iter().any(|(i, _)| *i == s.id) {
                        choices.push((s.id.clone(), s.name.clone()));
                    }
                    self.tab = Tab::Environments;
                    self.form = Some(Form::environment(&choices, &s.id, &namespace));
                }
                (format!("space {} registered{}", s.name, reach(s)), false)
            }
            Outcome::StatusSet(s) => (format!("space {} is {}", s.name, s.status.as_str()), true),
            Outcome::Deleted(name) => (format!("space {name} deleted"), false),
            Outcome::NamespaceCreated { space_id, name } => {
                self.namespaces = None;
                self.created_namespace = Some(name.clone());
                self.tab = Tab::Namespaces;
                if let Some(i) = self
                    .catalog
                    .as_ref()
                    .and_then(|c| c.spaces.iter().position(|s| s.id == *space_id))
                {
                    self.space = i;
                }
                (format!("namespace {name} created"), false)
            }
            Outcome::EnvironmentCreated(env) => {
                return vec![
                    Effect::info(format!(
                        "environment {} created on namespace {} — showing its canvas",
                        env.name, env.namespace
                    )),
                    Effect::ShowEnvironment(env.id.clone()),
                ];
            }
            Outcome::AccessGranted(c) => (format!("access to cluster {c} registered"), true),
            Outcome::AccessRevoked(c) => (
                format!(
                    "access to cluster {c} revoked: its spaces cannot deploy until A grants it"
                ),
                true,
            ),
        };
        effects.push(Effect::info(text));
        if canvas {
            // The header shows the space's status and reachability.
            effects.push(Effect::ReloadShown);
        }
        effects
    }
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
