//! Keys → actions. Defaults live in `config/default.toml` under `[keys]`; a user config
//! rebinds any action by name. Key syntax: `q`, `H`, `?`, `+`, `enter`, `esc`, `tab`,
//! `backtab`, `left`, `pageup`, with modifiers `ctrl+`, `alt+`, `shift+` (`alt+shift+left`).

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use super::actions::{ACTIONS, Action, ActionInfo, Context};
#[cfg(test)]
use crate::app::geometry::Direction;

/// The keys that move through a list or a text: a line, a page, the ends.
pub const MOVES: [Action; 6] = [
    Action::Down,
    Action::Up,
    Action::Top,
    Action::Bottom,
    Action::PageDown,
    Action::PageUp,
];

/// Lines a page key moves.
pub const PAGE: usize = 10;

/// A key in a list to choose from: the moves move `selected` (within `len` items); `Close`,
/// `Choose` or one of `also` is returned for the caller to act on.
pub fn choice(
    km: &Keymap,
    key: &KeyEvent,
    selected: &mut usize,
    len: usize,
    also: &[Action],
) -> Option<Action> {
    let actions: Vec<Action> = [Action::Close, Action::Choose]
        .iter()
        .chain(also)
        .chain(&MOVES)
        .copied()
        .collect();
    let action = km.which(key, &actions)?;
    (!move_cursor(action, selected, len.saturating_sub(1))).then_some(action)
}

/// Moves `cursor` as one of `MOVES` says, kept within `0..=last`; false for any other action.
pub fn move_cursor(action: Action, cursor: &mut usize, last: usize) -> bool {
    *cursor = match action {
        Action::Down => cursor.saturating_add(1),
        Action::Up => cursor.saturating_sub(1),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageDown => cursor.saturating_add(PAGE),
        Action::PageUp => cursor.saturating_sub(PAGE),
        _ => return false,
    }
    .min(last);
    true
}

/// A key with its modifiers, normalised so that config strings and terminal events compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Chord {
    pub fn from_event(k: &KeyEvent) -> Self {
        let mut mods =
            k.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        // A typed character already carries its shift (`H`, `?`, `+`).
        if let KeyCode::Char(_) = k.code {
            mods.remove(KeyModifiers::SHIFT);
        }
        let code = match k.code {
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            c => c,
        };
        Self { code, mods }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl+") {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt+") {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift+") && rest.len() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "plus" => KeyCode::Char('+'),
            f if f.len() > 1
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            "minus" => KeyCode::Char('-'),
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => {
                        if mods.contains(KeyModifiers::SHIFT) {
                            mods.remove(KeyModifiers::SHIFT);
                            KeyCode::Char(c.to_ascii_uppercase())
                        } else {
                            KeyCode::Char(c)
                        }
                    }
                    _ => return Err(format!("unknown key {s:?}")),
                }
            }
        };
        Ok(Self { code, mods })
    }

    /// The modifiers as a prefix ("Ctrl-Alt-").
    pub fn mods_label(&self) -> String {
        let mut s = String::new();
        for (m, name) in [
            (KeyModifiers::CONTROL, "Ctrl-"),
            (KeyModifiers::ALT, "Alt-"),
            (KeyModifiers::SHIFT, "Shift-"),
        ] {
            if self.mods.contains(m) {
                s.push_str(name);
            }
        }
        s
    }

    /// The key without its modifiers.
    pub fn key_label(&self) -> String {
        let ctrl = self.mods.contains(KeyModifiers::CONTROL);
        match self.code {
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(c) if ctrl => c.to_ascii_uppercase().to_string(),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        }
    }

    pub fn label(&self) -> String {
        format!("{}{}", self.mods_label(), self.key_label())
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keymap {
    /// What a key does in a context (several actions when they share it, e.g. Enter picks on a
    /// field with a list and sends the form elsewhere).
    bindings: HashMap<(Context, Chord), Vec<Action>>,
    /// Keys of each action, in config order (for help and hints).
    keys: BTreeMap<Action, Vec<Chord>>,
}

impl Keymap {
    /// Builds the keymap from `[keys]`: action name → list of keys.
    pub fn from_config(keys: &BTreeMap<String, Vec<String>>) -> Result<Self, String> {
        let mut map = Keymap::default();
        for (name, chords) in keys {
            let Some(info) = ACTIONS.iter().find(|i| i.name == name) else {
                let known: Vec<&str> = ACTIONS.iter().map(|i| i.name).collect();
                return Err(format!(
                    "[keys] has no action {name:?}; actions are: {}",
                    known.join(", ")
                ));
            };
            let mut parsed = Vec::new();
            for c in chords {
                parsed.push(Chord::parse(c).map_err(|e| format!("[keys] {name}: {e}"))?);
            }
            map.keys.insert(info.action, parsed);
        }
        // In the table's order, so that shared keys try actions in a known order.
        for info in ACTIONS {
            for c in map.keys.get(&info.action).into_iter().flatten() {
                map.bindings
                    .entry((info.context, *c))
                    .or_default()
                    .push(info.action);
            }
        }
        Ok(map)
    }

    /// The canvas's action for a key.
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        self.actions_in(Context::Canvas, key).first().copied()
    }

    /// What a key does in a context.
    pub fn actions_in(&self, context: Context, key: &KeyEvent) -> &[Action] {
        self.bindings
            .get(&(context, Chord::from_event(key)))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether the key triggers `action` (in the action's own context).
    pub fn is(&self, key: &KeyEvent, action: Action) -> bool {
        action
            .info()
            .is_some_and(|i| self.actions_in(i.context, key).contains(&action))
    }

    /// The first of `actions` this key triggers.
    pub fn which(&self, key: &KeyEvent, actions: &[Action]) -> Option<Action> {
        actions.iter().copied().find(|a| self.is(key, *a))
    }

    pub fn chords(&self, action: Action) -> &[Chord] {
        self.keys.get(&action).map_or(&[], Vec::as_slice)
    }

    /// The keys of a group of actions in one label: the four directions of a move become
    /// "Shift-←↓↑→ / HJKL" when their keys share modifiers.
    pub fn group_label(&self, actions: &[Action]) -> String {
        let longest = actions
            .iter()
            .map(|a| self.chords(*a).len())
            .max()
            .unwrap_or(0);
        let mut parts = Vec::new();
        for k in 0..longest {
            let chords: Vec<Option<&Chord>> =
                actions.iter().map(|a| self.chords(*a).get(k)).collect();
            let same_mods = chords
                .iter()
                .all(|c| c.is_some_and(|c| Some(c.mods) == chords[0].map(|f| f.mods)));
            if same_mods && chords.len() > 1 {
                let mods = chords[0].map(Chord::mods_label).unwrap_or_default();
                let keys: String = chords.iter().flatten().map(|c| c.key_label()).collect();
                parts.push(format!("{mods}{keys}"));
            } else {
                parts.extend(chords.iter().flatten().map(|c| c.label()));
            }
        }
        parts.join(" / ")
    }

    /// The keys bound to an action, as the help shows them ("h / ←").
    pub fn label(&self, action: Action) -> String {
        self.keys
            .get(&action)
            .map(|cs| cs.iter().map(Chord::label).collect::<Vec<_>>().join(" / "))
            .unwrap_or_default()
    }

    /// The first key of an action, for a key line ("d").
    pub fn first(&self, action: Action) -> String {
        self.chords(action)
            .first()
            .map(Chord::label)
            .unwrap_or_default()
    }

    /// A key line: each hint is its actions' first keys joined by "/" and what they do
    /// ("↓/↑ choose"), the hints joined by " · ".
    pub fn hints(&self, hints: &[(&[Action], &str)]) -> String {
        hints
            .iter()
            .map(|(actions, what)| {
                let keys: Vec<String> = actions.iter().map(|a| self.first(*a)).collect();
                [keys.join("/"), what.to_string()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn default_bindings_resolve() {
        let config = crate::config::Config::default();
        let km = Keymap::from_config(&config.keys).unwrap();
        assert_eq!(
            km.action(&key(KeyCode::Char('h'), KeyModifiers::NONE)),
            Some(Action::Select(Direction::Left))
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('H'), KeyModifiers::SHIFT)),
            Some(Action::Move(Direction::Left))
        );
        assert_eq!(
            km.action(&key(KeyCode::Left, KeyModifiers::SHIFT)),
            Some(Action::Move(Direction::Left))
        );
        assert_eq!(
            km.action(&key(KeyCode::Left, KeyModifiers::SHIFT | KeyModifiers::ALT)),
            Some(Action::MoveFar(Direction::Left))
        );
        assert_eq!(
            km.action(&key(KeyCode::Left, KeyModifiers::CONTROL)),
            Some(Action::Pan(Direction::Left))
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('r'), KeyModifiers::CONTROL)),
            Some(Action::Redo)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('+'), KeyModifiers::SHIFT)),
            Some(Action::ZoomIn)
        );
        assert_eq!(
            km.action(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::Previous)
        );
        assert_eq!(
            km.action(&key(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::Help)
        );
        // Every action has a default key.
        for i in ACTIONS {
            assert!(
                !km.label(i.action).is_empty(),
                "{} has no default key",
                i.name
            );
        }
    }

    #[test]
    fn no_two_actions_share_a_key_in_a_context_unless_meant_to() {
        let km = Keymap::from_config(&crate::config::Config::default().keys).unwrap();
        // Shared on purpose: Enter picks on a field with a list and sends the form elsewhere;
        // `n` registers on the spaces list and creates on the others.
        let meant = [
            vec![Action::FormPick, Action::FormSubmit],
            vec![Action::RegisterSpace, Action::NewItem],
        ];
        for ((context, chord), actions) in &km.bindings {
            assert!(
                actions.len() == 1 || meant.contains(actions),
                "{} in {context:?} does {actions:?}",
                chord.label()
            );
        }
    }

    #[test]
    fn panel_keys_are_read_in_their_context() {
        let mut keys = crate::config::Config::default().keys;
        keys.insert("diff".into(), vec!["z".into()]);
        let km = Keymap::from_config(&keys).unwrap();
        let z = key(KeyCode::Char('z'), KeyModifiers::NONE);
        let d = key(KeyCode::Char('d'), KeyModifiers::NONE);
        assert!(km.is(&z, Action::Diff));
        assert!(!km.is(&d, Action::Diff), "rebinding replaces the default");
        assert_eq!(km.action(&z), None, "z means nothing on the canvas");
        let n = key(KeyCode::Char('n'), KeyModifiers::NONE);
        assert_eq!(km.action(&n), Some(Action::Create));
        assert_eq!(
            km.actions_in(Context::Spaces, &n),
            [Action::RegisterSpace, Action::NewItem]
        );
    }

    #[test]
    fn bad_bindings_are_reported_by_name() {
        let mut keys = BTreeMap::new();
        keys.insert("fly".to_string(), vec!["x".to_string()]);
        assert!(Keymap::from_config(&keys).unwrap_err().contains("fly"));
        let mut keys = BTreeMap::new();
        keys.insert("quit".to_string(), vec!["ctrl+nope".to_string()]);
        assert!(Keymap::from_config(&keys).unwrap_err().contains("nope"));
    }
}
