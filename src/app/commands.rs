//! Commands typed in the palette with their arguments: `rollback web 2`, `env staging`,
//! `goto svc-30`, `filter api`, `zoom 50`, `theme light`. A query that is one of them is
//! shown as what it will do (or why it cannot) and run with Enter.

use super::effect::{Effect, Effects};
use super::geometry::Zoom;
use super::msg::Cmd;
use super::state::State;

/// What a typed command will do.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// What the palette shows for it.
    pub label: String,
    /// Its effects, or why it cannot run.
    pub effects: Result<Effects, String>,
}

/// A name among `names`: the very one, else the only one it starts.
fn find<'a>(names: impl Iterator<Item = (&'a str, &'a str)>, want: &str) -> Result<String, String> {
    let all: Vec<(&str, &str)> = names.collect();
    if let Some((id, _)) = all.iter().find(|(_, n)| *n == want) {
        return Ok(id.to_string());
    }
    let starting: Vec<&(&str, &str)> = all.iter().filter(|(_, n)| n.starts_with(want)).collect();
    match starting.as_slice() {
        [(id, _)] => Ok(id.to_string()),
        [] => Err(format!("no {want:?} here")),
        many => Err(format!(
            "{want:?} could be {}",
            many.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The plan of a query that is a command with its arguments; `None` when it is not one (the
/// palette then lists the actions matching it).
pub fn plan(query: &str, state: &State) -> Option<Plan> {
    let words: Vec<&str> = query.split_whitespace().collect();
    let (&verb, args) = words.split_first()?;
    // An action's own name ("zoom in") is that action, not a command with an argument.
    let as_action = words.join("_");
    if args.is_empty() || super::keymap::ACTIONS.iter().any(|a| a.name == as_action) {
        return None;
    }
    let cards = || {
        state
            .model
            .deployments
            .iter()
            .map(|d| (d.id.as_str(), d.name.as_str()))
    };
    let plan = match (verb, args) {
        ("rollback", [dep, rev]) => {
            let number = rev.trim_start_matches('#').parse::<u32>();
            let label = format!(
                "roll {dep} back to revision #{}",
                rev.trim_start_matches('#')
            );
            let effects = match (find(cards(), dep), number) {
                (Err(e), _) => Err(e),
                (_, Err(_)) => Err(format!(
                    "a revision is a number, like 3 or #3 (got {rev:?})"
                )),
                (_, _) if state.read_only => Err("read-only: rollback is disabled".into()),
                (Ok(id), Ok(number)) => Ok(vec![
                    Effect::Close,
                    Effect::Select(id.clone()),
                    Effect::Cmd(Cmd::RollbackTo { id, number }),
                ]),
            };
            Plan { label, effects }
        }
        ("rollback", _) => Plan {
            label: "rollback DEPLOYMENT REVISION".into(),
            effects: Err("say which deployment and which revision: rollback web 2".into()),
        },
        ("env", [name]) => {
            let envs = state
                .model
                .environments
                .iter()
                .map(|e| (e.id.as_str(), e.name.as_str()));
            Plan {
                label: format!("show environment {name}"),
                effects: find(envs, name).map(|id| vec![Effect::ShowEnvironment(id)]),
            }
        }
        ("goto", [name]) => Plan {
            label: format!("select {name}"),
            effects: find(cards(), name).map(|id| vec![Effect::Close, Effect::Select(id)]),
        },
        ("filter", text) => {
            let text = text.join(" ");
            Plan {
                label: format!("filter the cards by {text:?}"),
                effects: Ok(vec![Effect::Close, Effect::Filter(text)]),
            }
        }
        ("zoom", [percent]) => {
            let wanted = percent.trim_end_matches('%').parse::<u16>();
            let zoom = Zoom::ALL.into_iter().find(|z| Ok(z.percent()) == wanted);
            Plan {
                label: format!("zoom to {}", percent.trim_end_matches('%')),
                effects: zoom
                    .map(|z| vec![Effect::Close, Effect::Zoom(z)])
                    .ok_or_else(|| {
                        let steps: Vec<String> =
                            Zoom::ALL.iter().map(|z| z.percent().to_string()).collect();
                        format!("zoom steps are {} %", steps.join(", "))
                    }),
            }
        }
        ("theme", [name]) => Plan {
            label: format!("theme {name}"),
            effects: match crate::views::theme::Theme::named(name) {
                Some(_) => Ok(vec![Effect::Close, Effect::Theme(name.to_string())]),
                None => Err(format!(
                    "no theme {name:?}; there are: {}",
                    crate::views::theme::Theme::NAMES.join(", ")
                )),
            },
        },
        _ => return None,
    };
    Some(plan)
}
