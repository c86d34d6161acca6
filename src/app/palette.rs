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

/// Actions that move around rather than do something: listed after the others.
fn navigates(a: Action) -> bool {
    matches!(
        a,
        Action::Select(_)
            | Action::Next
            | Action::Previous
            | Action::Move(_)
            | Action::MoveFar(_)
            | Action::Pan(_)
            | Action::ZoomIn
            | Action::ZoomOut
            | Action::ZoomReset
            | Action::ZoomFit
    )
}

/// How well a query names an action: a whole word of its name, then of its description,
/// then the start of a word, then a part, then letters in order; `None`: no match.
fn rank(query: &str, name: &str, desc: &str) -> Option<u8> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Some(0);
    }
    let name = name.replace('_', " ");
    let words = |text: &str| -> Vec<String> {
        text.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (nw, dw) = (words(&name), words(desc));
    let qw = words(&q);
    let all = |ws: &[String], f: &dyn Fn(&String, &String) -> bool| {
        !qw.is_empty() && qw.iter().all(|q| ws.iter().any(|w| f(w, q)))
    };
    let whole = |w: &String, q: &String| w == q;
    let start = |w: &String, q: &String| w.starts_with(q.as_str());
    [
        all(&nw, &whole),
        all(&dw, &whole),
        all(&nw, &start),
        all(&dw, &start),
        name.to_lowercase().contains(&q),
        desc.to_lowercase().contains(&q),
        fuzzy_match(&q, &name),
        fuzzy_match(&q, desc),
    ]
    .iter()
    .position(|m| *m)
    .map(|i| i as u8)
}

/// An entry of the palette: the action, its label with its keys, its description.
pub type PaletteItem = (Action, String, &'static str);

/// Palette entries matching the query, best first (a whole word before letters; what does
/// something before what moves around): the action, its label with its keys, its description.
pub fn palette_items(keymap: &Keymap, query: &str) -> Vec<PaletteItem> {
    let mut items: Vec<((u8, bool, usize), PaletteItem)> = ACTIONS
        .iter()
        .enumerate()
        .filter(|(_, i)| i.context == Context::Canvas)
        .filter_map(|(n, i)| {
            let r = rank(query, i.name, i.desc)?;
            let label = format!(
                "{:<20} {:<14}",
                i.name.replace('_', " "),
                keymap.label(i.action)
            );
            Some(((r, navigates(i.action), n), (i.action, label, i.desc)))
        })
        .collect();
    items.sort_by_key(|(key, _)| *key);
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
