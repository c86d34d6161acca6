//! The smaller deployment panels: LoadBalancer (`b`, `y` copies the address), analysis
//! (`a`) and teardown (`D`, the name typed to confirm) — opening them, their keys, and the
//! backend's answers, as effects.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::effect::{Effect, Effects};
use super::keymap::{Action, Keymap};
use super::msg::Cmd;
use super::state::Overlay;
use crate::backend::model::*;

/// `b`: the LoadBalancer panel (the wait for an address starts if it should).
pub fn open_loadbalancer(id: String) -> Effects {
    vec![
        Effect::WaitForAddress(id.clone()),
        Effect::Open(Overlay::LoadBalancer { id }),
    ]
}

/// `y` in the LoadBalancer panel: OSC 52 puts the address on the clipboard (works over SSH
/// and in tmux).
pub fn copy_address(lb: Option<&LoadBalancer>) -> Effects {
    match lb.and_then(|lb| lb.address.clone()) {
        Some(address) => vec![
            Effect::info(format!("copied {address}")),
            Effect::Cmd(Cmd::Copy(address)),
        ],
        None => vec![Effect::info("no address yet to copy")],
    }
}

pub fn open_analysis(id: String) -> Effects {
    vec![
        Effect::Open(Overlay::Analysis {
            id: id.clone(),
            warnings: None,
            scroll: 0,
        }),
        Effect::Cmd(Cmd::Analyze { id }),
    ]
}

/// The analysis answered; `open` is the panel's state if it is still open.
pub fn on_analyzed(
    open: Option<(&str, &mut Option<Vec<Warning>>)>,
    id: &str,
    result: Result<Vec<Warning>, String>,
) -> Effects {
    match (open, result) {
        (Some((shown, warnings)), Ok(w)) if shown == id => {
            *warnings = Some(w);
            vec![]
        }
        (_, Err(e)) => vec![
            Effect::Close,
            Effect::error(format!("analysis failed: {e}; press a to retry")),
        ],
        _ => vec![],
    }
}

pub fn open_teardown(id: String) -> Effects {
    vec![Effect::Open(Overlay::Teardown {
        id,
        typed: String::new(),
    })]
}

/// A key in the teardown dialog: the deployment's name typed, the form's send key tears it
/// down (the card says so at once).
pub fn teardown_key(typed: &mut String, d: &Deployment, km: &Keymap, key: &KeyEvent) -> Effects {
    let name = d.name.as_str();
    match km.which(key, &[Action::FormCancel, Action::FormSubmit]) {
        Some(Action::FormCancel) => return vec![Effect::Close],
        Some(_) => {
            if typed != name {
                return vec![Effect::error(format!(
                    "type {name} exactly to tear it down (Esc cancels)"
                ))];
            }
            let tearing = Deployment {
                status: DeploymentStatus::TearingDown,
                ..d.clone()
            };
            return vec![
                Effect::Close,
                Effect::Change(Change::Deployment {
                    data: Box::new(tearing),
                }),
                Effect::Cmd(Cmd::TearDown { id: d.id.clone() }),
            ];
        }
        None => match key.code {
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => typed.push(c),
            _ => {}
        },
    }
    vec![]
}

/// The teardown answered.
pub fn on_torn_down(name: &str, id: &str, result: Result<TeardownReport, String>) -> Effects {
    match result {
        Ok(r) => {
            let how = if r.already_clean {
                "was already clean"
            } else {
                "torn down"
            };
            vec![
                Effect::Change(Change::DeploymentDeleted {
                    deployment_id: id.to_string(),
                }),
                Effect::info(format!("{name} {how}")),
            ]
        }
        Err(e) => vec![Effect::error(format!(
            "tearing {name} down failed: {e}; D retries"
        ))],
    }
}
