//! `:` the command palette (every action by name) and `e` the environment switcher: lists
//! filtered as you type, ranked prefix, then substring, then letters in order.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::{ACTIONS, Action, Context, Keymap};
use crate::backend::model::Environment;

/// Whether the query's letters appear in the text in order.
pub fn fuzzy_match(query: &str, text: &str) -> bool {
    let mut chars = text.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .all(|q| chars.any(|c| c == q))
}

/// How well a query matches: 0 a prefix, 1 a substring, 2 letters in order; `None` no match.
pub fn match_rank(query: &str, text: &str) -> Option<u8> {
    let (q, t) = (query.trim().to_lowercase(), text.to_lowercase());
    if t.starts_with(&q) {
        Some(0)
    } else if t.contains(&q) {
        Some(1)
    } else if fuzzy_match(&q, &t) {
        Some(2)
    } else {
        None
    }
}

/// Palette entries matching the query, best first (name matches before description ones):
/// the action, its label with its keys, its description.
pub fn palette_items(keymap: &Keymap, query: &str) -> Vec<(Action, String, &'static str)> {
    let mut items: Vec<(u8, (Action, String, &'static str))> = ACTIONS
        .iter()
        .filter(|i| i.context == Context::Canvas)
        .filter_map(|i| {
            let (a, name, desc) = (i.action, i.name, i.desc);
            let spaced = name.replace('_', " ");
            let rank = [
                match_rank(query, &spaced),
                match_rank(query, name),
                match_rank(query, desc).map(|r| r + 3),
            ]
            .into_iter()
            .flatten()
            .min()?;
            Some((
                rank,
                (a, format!("{:<20} {}", spaced, keymap.label(a)), desc),
            ))
        })
        .collect();
    items.sort_by_key(|(rank, _)| *rank);
    items.into_iter().map(|(_, item)| item).collect()
}

pub fn environment_items<'a>(envs: &'a [Environment], query: &str) -> Vec<&'a Environment> {
    envs.iter()
        .filter(|e| fuzzy_match(query, &e.name))
        .collect()
}

/// What a key did to a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKey {
    Close,
    /// Enter on the item at this index.
    Pick(usize),
    Edit,
}

/// Keys of a filterable list of `n` items (the search keys: ↑↓ choose, Enter picks, Esc
/// closes); other characters filter.
pub fn list_key(
    km: &Keymap,
    key: &KeyEvent,
    query: &mut String,
    selected: &mut usize,
    n: usize,
) -> ListKey {
    let last = n.saturating_sub(1);
    match km.actions_in(Context::Search, key).first() {
        Some(Action::SearchClose) => return ListKey::Close,
        Some(Action::SearchPick) => return ListKey::Pick(*selected),
        Some(Action::SearchDown) => *selected = (*selected + 1).min(last),
        Some(Action::SearchUp) => *selected = selected.saturating_sub(1),
        Some(Action::SearchTop) => *selected = 0,
        Some(Action::SearchBottom) => *selected = last,
        _ => match key.code {
            KeyCode::Backspace => {
                query.pop();
                *selected = 0;
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                query.push(c);
                *selected = 0;
            }
            _ => {}
        },
    }
    ListKey::Edit
}
