//! Keys → actions. Defaults live in `config/default.toml` under `[keys]`; a user config
//! rebinds any action by name. Key syntax: `q`, `H`, `?`, `+`, `enter`, `esc`, `tab`,
//! `backtab`, `left`, `pageup`, with modifiers `ctrl+`, `alt+`, `shift+` (`alt+shift+left`).

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::geometry::Direction;

/// Everything a key can do on the canvas, by the name the config and the palette use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Select(Direction),
    Next,
    Previous,
    Move(Direction),
    MoveFar(Direction),
    Pan(Direction),
    ZoomIn,
    ZoomOut,
    ZoomReset,
    ZoomFit,
    SwitchEnvironment,
    Filter,
    Palette,
    Help,
    Open,
    Undo,
    Redo,
    Reload,
    Timeline,
    LoadBalancer,
    Revisions,
    Analyze,
    TearDown,
    EditConfigs,
    Create,
    Spaces,
    Quit,
}

const DIRS: [(Direction, &str); 4] = [
    (Direction::Left, "left"),
    (Direction::Down, "down"),
    (Direction::Up, "up"),
    (Direction::Right, "right"),
];

impl Action {
    /// Every action with its config name and a description, in help order.
    pub fn all() -> Vec<(Action, String, &'static str)> {
        let mut v = Vec::new();
        for (d, n) in DIRS {
            v.push((
                Action::Select(d),
                format!("select_{n}"),
                "select the nearest card in that direction",
            ));
        }
        v.push((Action::Next, "next".into(), "select the next card"));
        v.push((
            Action::Previous,
            "previous".into(),
            "select the previous card",
        ));
        for (d, n) in DIRS {
            v.push((
                Action::Move(d),
                format!("move_{n}"),
                "move the selected card one cell",
            ));
        }
        for (d, n) in DIRS {
            v.push((
                Action::MoveFar(d),
                format!("move_far_{n}"),
                "move the selected card five cells",
            ));
        }
        for (d, n) in DIRS {
            v.push((Action::Pan(d), format!("pan_{n}"), "pan the view"));
        }
        v.extend([
            (Action::ZoomIn, "zoom_in".into(), "zoom in"),
            (Action::ZoomOut, "zoom_out".into(), "zoom out"),
            (Action::ZoomReset, "zoom_reset".into(), "zoom to 100 %"),
            (Action::ZoomFit, "zoom_fit".into(), "fit all cards in view"),
            (
                Action::SwitchEnvironment,
                "switch_environment".into(),
                "switch environment",
            ),
            (
                Action::Filter,
                "filter".into(),
                "filter cards by name or status",
            ),
            (Action::Palette, "palette".into(), "command palette"),
            (Action::Help, "help".into(), "show the key bindings"),
            (Action::Open, "open".into(), "open the selected deployment"),
            (Action::Undo, "undo".into(), "undo a card move"),
            (Action::Redo, "redo".into(), "redo a card move"),
            (Action::Reload, "reload".into(), "reload from the backend"),
            (
                Action::Timeline,
                "timeline".into(),
                "show or hide the timeline drawer",
            ),
            (
                Action::LoadBalancer,
                "loadbalancer".into(),
                "show the LoadBalancer panel",
            ),
            (
                Action::Revisions,
                "revisions".into(),
                "list revisions, diff, roll back",
            ),
            (
                Action::Analyze,
                "analyze".into(),
                "analyze the selected deployment",
            ),
            (
                Action::TearDown,
                "teardown".into(),
                "tear the selected deployment down",
            ),
            (
                Action::EditConfigs,
                "edit_configs".into(),
                "edit the configs in $EDITOR",
            ),
            (Action::Create, "create".into(), "create a deployment"),
            (
                Action::Spaces,
                "spaces".into(),
                "spaces, namespaces and environments",
            ),
            (Action::Quit, "quit".into(), "quit"),
        ]);
        v
    }

    pub fn name(self) -> String {
        Self::all()
            .into_iter()
            .find(|(a, _, _)| *a == self)
            .map(|(_, n, _)| n)
            .unwrap_or_default()
    }

    /// Whether the action changes something (refused in read-only mode).
    pub fn changes(self) -> bool {
        matches!(
            self,
            Action::Move(_)
                | Action::MoveFar(_)
                | Action::Undo
                | Action::Redo
                | Action::TearDown
                | Action::EditConfigs
                | Action::Create
        )
    }
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
    bindings: HashMap<Chord, Action>,
    /// Keys of each action, in config order (for help and hints).
    keys: BTreeMap<Action, Vec<Chord>>,
}

impl Keymap {
    /// Builds the keymap from `[keys]`: action name → list of keys.
    pub fn from_config(keys: &BTreeMap<String, Vec<String>>) -> Result<Self, String> {
        let mut map = Keymap::default();
        let actions = Action::all();
        for (name, chords) in keys {
            let Some((action, _, _)) = actions.iter().find(|(_, n, _)| n == name) else {
                let known: Vec<&str> = actions.iter().map(|(_, n, _)| n.as_str()).collect();
                return Err(format!(
                    "[keys] has no action {name:?}; actions are: {}",
                    known.join(", ")
                ));
            };
            let mut parsed = Vec::new();
            for c in chords {
                parsed.push(Chord::parse(c).map_err(|e| format!("[keys] {name}: {e}"))?);
            }
            map.keys.insert(*action, parsed);
        }
        for (action, chords) in &map.keys {
            for c in chords {
                map.bindings.insert(*c, *action);
            }
        }
        Ok(map)
    }

    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        self.bindings.get(&Chord::from_event(key)).copied()
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
        for (a, name, _) in Action::all() {
            assert!(!km.label(a).is_empty(), "{name} has no default key");
        }
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
