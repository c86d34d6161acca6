//! `C`: take another environment's card layout — each card goes where the card of the same
//! name is there (cards without a placed namesake stay). Pick the environment, see the cards
//! at their new places (nothing saved yet), then `y` places them as one undo step, anything
//! else puts them back.

use crossterm::event::KeyEvent;

use super::effect::{Effect, Effects};
use super::keymap::{Action, Keymap, choice};
use super::model::Model;
use super::msg::Cmd;
use super::state::{Move, Overlay};
use crate::backend::model::{CanvasPosition, Environment};

#[derive(Debug, Clone, PartialEq)]
pub struct LayoutCopy {
    /// The environments to take the layout of (the board's lanes first).
    pub sources: Vec<Environment>,
    pub selected: usize,
    pub loading: bool,
    /// The moves previewed: each card from its place to its namesake's.
    pub preview: Option<Preview>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub from_env: String,
    pub moves: Vec<Move>,
    /// Cards with no placed namesake there: they stay.
    pub alone: usize,
    /// Cards already at their namesake's place.
    pub same: usize,
}

/// Opens the choice of environment (the board's lanes first; a single one is taken at once).
pub fn open(shown: Option<&Environment>, envs: &[Environment], lanes: &[String]) -> Effects {
    let mut sources: Vec<Environment> = envs
        .iter()
        .filter(|e| Some(&e.id) != shown.map(|s| &s.id))
        .cloned()
        .collect();
    sources.sort_by_key(|e| lanes.iter().position(|l| *l == e.id).unwrap_or(usize::MAX));
    if sources.is_empty() {
        return vec![Effect::info(
            "there is no other environment to take a layout from",
        )];
    }
    let mut copy = LayoutCopy {
        sources,
        selected: 0,
        loading: false,
        preview: None,
        error: None,
    };
    let mut effects = vec![];
    if copy.sources.len() == 1 {
        effects.push(copy.choose());
    }
    effects.insert(0, Effect::Open(Overlay::Layout(Box::new(copy))));
    effects
}

impl LayoutCopy {
    fn choose(&mut self) -> Effect {
        self.loading = true;
        self.error = None;
        Effect::Cmd(Cmd::LoadLayout {
            env_id: self.sources[self.selected].id.clone(),
        })
    }

    /// The source's cards arrived (name and place): the shown cards go to their namesakes'
    /// places, on screen only, until `y`.
    pub fn loaded(
        &mut self,
        env_id: &str,
        result: Result<Vec<(String, CanvasPosition)>, String>,
        model: &Model,
    ) -> Effects {
        let Some(env) = self.sources.iter().find(|e| e.id == env_id) else {
            return vec![];
        };
        self.loading = false;
        let places = match result {
            Ok(p) => p,
            Err(e) => {
                self.error = Some(e);
                return vec![];
            }
        };
        let (mut moves, mut alone, mut same) = (Vec::new(), 0, 0);
        for d in &model.deployments {
            let from = super::canvas::position(d);
            match places.iter().find(|(name, _)| *name == d.name) {
                Some((_, to)) if *to == from => same += 1,
                Some((_, to)) => moves.push(Move {
                    id: d.id.clone(),
                    from,
                    to: *to,
                }),
                None => alone += 1,
            }
        }
        let effects = moves
            .iter()
            .map(|m| Effect::Show {
                id: m.id.clone(),
                pos: m.to,
            })
            .collect();
        self.preview = Some(Preview {
            from_env: env.name.clone(),
            moves,
            alone,
            same,
        });
        effects
    }

    pub fn key(&mut self, km: &Keymap, key: &KeyEvent, read_only: bool) -> Effects {
        if let Some(p) = self.preview.take() {
            // The preview's question: yes places the cards, anything else puts them back.
            if km.is(key, Action::Yes) && !read_only {
                let n = p.moves.len();
                let mut effects: Effects = p
                    .moves
                    .iter()
                    .map(|m| Effect::Place {
                        id: m.id.clone(),
                        pos: m.to,
                    })
                    .collect();
                effects.push(Effect::RecordStep(p.moves));
                effects.push(Effect::Close);
                effects.push(Effect::info(format!(
                    "{n} card(s) moved to their places in {} — u undoes it",
                    p.from_env
                )));
                return effects;
            }
            let mut effects: Effects = p
                .moves
                .iter()
                .map(|m| Effect::Show {
                    id: m.id.clone(),
                    pos: m.from,
                })
                .collect();
            effects.push(Effect::Close);
            effects.push(if km.is(key, Action::Yes) {
                Effect::read_only("copy layout")
            } else {
                Effect::info("layout left as it was")
            });
            return effects;
        }
        match choice(km, key, &mut self.selected, self.sources.len(), &[]) {
            Some(Action::Close) => vec![Effect::Close],
            Some(Action::Choose) => vec![self.choose()],
            _ => vec![],
        }
    }
}
