//! `p`: promote the selected card's revision to another environment — pick the target, see
//! the diff between this revision and the target's current one (image and configs, folded as
//! a rollback's), and `y` makes the target's new revision (or, when the target has no
//! deployment of that name, creates it there, asking first). The panel owns its list, the
//! plan the backend answered and its scroll; the promotion's answer comes back here.

use crossterm::event::KeyEvent;

use super::effect::{Effect, Effects};
use super::keymap::{Action, Keymap, MOVES, choice, move_cursor};
use super::msg::Cmd;
use super::state::Overlay;
use crate::backend::model::{Deployment, Environment, NewDeployment, Revision};

/// What a promotion would do, as the backend found it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The revision to promote: the one active in the source environment.
    pub from: Revision,
    pub to_env: Environment,
    /// The target's namesake and its current revision, if it has one.
    pub target: Option<(Deployment, Option<Revision>)>,
}

impl Plan {
    /// Whether the target runs this revision's image and configs already.
    pub fn nothing_to_do(&self) -> bool {
        matches!(&self.target, Some((_, Some(cur)))
            if cur.image == self.from.image && cur.configs == self.from.configs)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PromotePanel {
    pub source: Deployment,
    pub from_env: String,
    /// The environments it can go to (the board's lanes first).
    pub targets: Vec<Environment>,
    pub selected: usize,
    /// The plan for the chosen target, once the backend answered (or why it could not).
    pub plan: Option<Result<Plan, String>>,
    /// Asked for, not answered yet.
    pub loading: bool,
    pub sent: bool,
    pub scroll: usize,
}

/// Opens the panel on the selected card: the other environments to choose from, the board's
/// lanes first; a single one is chosen at once.
pub fn open(source: &Deployment, envs: &[Environment], lanes: &[String]) -> Effects {
    let from_env = envs
        .iter()
        .find(|e| e.id == source.env_id)
        .map_or(source.env_id.clone(), |e| e.name.clone());
    let mut targets: Vec<Environment> = envs
        .iter()
        .filter(|e| e.id != source.env_id)
        .cloned()
        .collect();
    targets.sort_by_key(|e| lanes.iter().position(|l| *l == e.id).unwrap_or(usize::MAX));
    if targets.is_empty() {
        return vec![Effect::info(
            "there is no other environment to promote to: create one (s, then 3 and n)",
        )];
    }
    let mut panel = PromotePanel {
        source: source.clone(),
        from_env,
        targets,
        selected: 0,
        plan: None,
        loading: false,
        sent: false,
        scroll: 0,
    };
    let mut effects = vec![];
    if panel.targets.len() == 1 {
        effects.push(panel.choose());
    }
    effects.insert(0, Effect::Open(Overlay::Promote(Box::new(panel))));
    effects
}

impl PromotePanel {
    fn choose(&mut self) -> Effect {
        self.loading = true;
        self.plan = None;
        self.scroll = 0;
        Effect::Cmd(Cmd::LoadPromotion {
            source: Box::new(self.source.clone()),
            to_env: Box::new(self.targets[self.selected].clone()),
        })
    }

    /// The backend's plan for the chosen target.
    pub fn planned(&mut self, plan: Result<Plan, String>) {
        self.loading = false;
        self.plan = Some(plan);
    }

    pub fn key(&mut self, km: &Keymap, key: &KeyEvent, read_only: bool) -> Effects {
        let Some(Ok(plan)) = &self.plan else {
            // Choosing the target (a move also clears an error shown for the last one).
            let len = self.targets.len();
            return match choice(km, key, &mut self.selected, len, &[]) {
                Some(Action::Close) => vec![Effect::Close],
                Some(Action::Choose) => vec![self.choose()],
                _ => {
                    if km.which(key, &MOVES).is_some() {
                        self.plan = None;
                    }
                    vec![]
                }
            };
        };
        let actions: Vec<Action> = [Action::Close, Action::Choose, Action::Yes]
            .into_iter()
            .chain(MOVES)
            .collect();
        let action = km.which(key, &actions);
        match action {
            Some(Action::Close) if self.targets.len() > 1 => {
                // Back to the choice of target.
                self.plan = None;
                vec![]
            }
            Some(Action::Close) => vec![Effect::Close],
            Some(Action::Yes) if read_only => vec![Effect::read_only("promote")],
            Some(Action::Yes) if self.sent => vec![],
            Some(Action::Yes) if plan.nothing_to_do() => vec![Effect::info(format!(
                "{} in {} already runs {} #{}'s image and configs",
                self.source.name, plan.to_env.name, self.from_env, plan.from.number
            ))],
            Some(Action::Yes) => {
                self.sent = true;
                vec![self.send(plan)]
            }
            Some(a) => {
                move_cursor(a, &mut self.scroll, usize::MAX / 2);
                vec![]
            }
            None => vec![],
        }
    }

    /// The promotion, or the creation of the missing target from the revision.
    fn send(&self, plan: &Plan) -> Effect {
        match &plan.target {
            Some((target, _)) => Effect::Cmd(Cmd::Promote {
                target_id: target.id.clone(),
                env_id: plan.to_env.id.clone(),
                from_revision_id: plan.from.id.clone(),
            }),
            None => {
                let configs = serde_json::from_str(&plan.from.configs).ok();
                Effect::Cmd(Cmd::PromoteNew {
                    env_id: plan.to_env.id.clone(),
                    req: Box::new(NewDeployment {
                        name: self.source.name.clone(),
                        env_id: Some(plan.to_env.id.clone()),
                        source_type: Some(crate::backend::model::SourceType::Image),
                        image: plan.from.image.clone(),
                        configs,
                        canvas_position: self.source.canvas_position,
                        ..Default::default()
                    }),
                })
            }
        }
    }
}

/// The promotion's answer: said, and — when the target environment is a lane of the board
/// — its card selected there and its rollout followed in the drawer.
pub fn on_promoted(
    name: &str,
    env: &str,
    lane: Option<usize>,
    target_id: &str,
    result: Result<u32, String>,
) -> Effects {
    match result {
        Ok(number) => {
            let mut effects = vec![
                Effect::Close,
                Effect::info(format!(
                    "{name} promoted to {env}: revision #{number} — following its rollout"
                )),
            ];
            if let Some(i) = lane {
                effects.extend([
                    Effect::FocusLane(i),
                    Effect::Select(target_id.to_string()),
                    Effect::FollowInDrawer,
                ]);
            }
            effects
        }
        Err(e) => vec![Effect::error(format!(
            "promoting {name} to {env} failed: {e}; p then y retries"
        ))],
    }
}
