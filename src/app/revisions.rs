//! `r`: a deployment's revisions, newest first — `d` diffs the selected one against the
//! current, Enter or `R` asks to roll back to it, `y` does. The panel owns its list and
//! cursor; the rollback leaves as a command, its answer comes back here.

use crossterm::event::KeyEvent;

use super::effect::{Effect, Effects};
use super::keymap::{Action, Keymap, MOVES, move_cursor};
use super::msg::Cmd;
use super::state::Overlay;
use crate::backend::model::Revision;

#[derive(Debug, Clone, PartialEq)]
pub struct RevisionsPanel {
    pub id: String,
    pub list: Vec<Revision>,
    pub loaded: bool,
    pub selected: usize,
    /// The selected revision shown against the current one.
    pub diff: bool,
    /// Asking before rolling back to the selected revision.
    pub confirm: bool,
    /// How far the diff is scrolled (the view keeps it within the diff).
    pub diff_scroll: usize,
    /// Opened to roll back to this revision: once loaded, it is selected, diffed and asked.
    pub preselect: Option<u32>,
}

/// Opens the panel on a deployment and loads its revisions.
pub fn open(id: String) -> Effects {
    open_on(id, None)
}

/// Opens the panel asking to roll back to revision `number`, its diff shown.
pub fn open_at(id: String, number: u32) -> Effects {
    open_on(id, Some(number))
}

fn open_on(id: String, preselect: Option<u32>) -> Effects {
    vec![
        Effect::Open(Overlay::Revisions(RevisionsPanel {
            id: id.clone(),
            list: Vec::new(),
            loaded: false,
            selected: 0,
            diff: false,
            confirm: false,
            diff_scroll: 0,
            preselect,
        })),
        Effect::Cmd(Cmd::LoadRevisions { id }),
    ]
}

impl RevisionsPanel {
    pub fn target(&self) -> Option<&Revision> {
        self.list.get(self.selected)
    }

    /// The revisions arrived.
    pub fn loaded(&mut self, list: Vec<Revision>) {
        self.list = list;
        self.loaded = true;
        self.selected = self.selected.min(self.list.len().saturating_sub(1));
        if let Some(n) = self.preselect.take()
            && let Some(i) = self.list.iter().position(|r| r.number == n)
        {
            self.selected = i;
            self.diff = true;
            self.confirm = true;
        }
    }

    /// A key; `current` is the deployment's current revision id.
    pub fn key(
        &mut self,
        km: &Keymap,
        key: &KeyEvent,
        current: Option<&str>,
        read_only: bool,
    ) -> Effects {
        if self.confirm {
            // The question: yes rolls back, anything else cancels.
            self.confirm = false;
            return match (km.is(key, Action::Yes), self.target()) {
                (true, _) if read_only => vec![Effect::read_only("rollback")],
                (true, Some(t)) => vec![Effect::Cmd(Cmd::Rollback {
                    id: self.id.clone(),
                    to: t.id.clone(),
                })],
                _ => vec![Effect::info("rollback cancelled")],
            };
        }
        let last = self.list.len().saturating_sub(1);
        let actions: Vec<Action> = [Action::Close, Action::Diff, Action::Rollback]
            .into_iter()
            .chain(MOVES)
            .collect();
        let before = self.selected;
        match km.which(key, &actions) {
            Some(Action::Close) => return vec![Effect::Close],
            // With the diff shown, pages and ends move through the diff.
            Some(a @ (Action::PageDown | Action::PageUp | Action::Top | Action::Bottom))
                if self.diff =>
            {
                move_cursor(a, &mut self.diff_scroll, usize::MAX / 2);
            }
            Some(a) if move_cursor(a, &mut self.selected, last) => {}
            Some(Action::Diff) => self.diff = !self.diff,
            Some(Action::Rollback) => {
                let Some(t) = self.target() else {
                    return vec![];
                };
                if current == Some(t.id.as_str()) {
                    return vec![Effect::error(format!(
                        "revision #{} is already the current one: nothing to roll back",
                        t.number
                    ))];
                }
                if read_only {
                    return vec![Effect::read_only("rollback")];
                }
                self.confirm = true;
            }
            _ => {}
        }
        if self.selected != before {
            // Another revision: its diff from the top.
            self.diff_scroll = 0;
        }
        vec![]
    }
}

/// The rollback answered: follow the new revision, or say why it failed.
pub fn on_rolled_back(name: &str, id: &str, result: Result<Revision, String>) -> Effects {
    match result {
        Ok(rev) => vec![
            Effect::info(format!(
                "{name}: revision #{} created — following its rollout",
                rev.number
            )),
            Effect::Close,
            Effect::Select(id.to_string()),
            Effect::FollowInDrawer,
        ],
        Err(e) => vec![Effect::error(format!(
            "rollback failed: {e}; Enter then y retries"
        ))],
    }
}
