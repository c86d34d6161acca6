//! `/`: the filter — cards whose name or status matches stay bright and reachable, the others
//! dim. Typing edits it, Enter keeps it, Esc clears it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::{Action, Context, Keymap};
use crate::backend::model::Deployment;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    /// Whether keys go to the filter.
    pub editing: bool,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn clear(&mut self) {
        self.text.clear();
    }

    /// Whether a card matches (always, without a filter).
    pub fn matches(&self, d: &Deployment) -> bool {
        if self.text.is_empty() {
            return true;
        }
        let f = self.text.to_lowercase();
        d.name.to_lowercase().contains(&f)
            || d.status.as_str().contains(&f)
            || crate::views::status::status_word(d.status).contains(&f)
    }

    /// A key while editing: the search keys close (clearing) or keep it; characters type.
    pub fn key(&mut self, km: &Keymap, key: &KeyEvent) {
        match km.actions_in(Context::Search, key).first() {
            Some(Action::SearchClose) => {
                self.text.clear();
                self.editing = false;
            }
            Some(Action::SearchPick) => self.editing = false,
            _ => match key.code {
                KeyCode::Backspace => {
                    self.text.pop();
                }
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.text.push(c)
                }
                _ => {}
            },
        }
    }
}
