//! `c`: edit a deployment's configs in `$VISUAL`/`$EDITOR`. On return the text is checked
//! (JSON, then the typed rules), the change is shown as a diff, and `y` sends it as a JSON
//! merge patch. A draft that fails keeps its text for the next `c`.

use serde_json::{Map, Value};

use super::msg::Cmd;
use super::state::{MessageKind, Overlay, State};
use crate::backend::model::configs::TypedConfigs;

/// The configs pretty-printed, as the editor shows them.
pub fn pretty(configs: &str) -> String {
    serde_json::from_str::<Value>(configs)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| configs.to_string())
}

/// `c` pressed: the draft left by a failed edit, or the current configs.
pub fn start(state: &mut State) -> Vec<Cmd> {
    let Some(d) = state.selected_deployment() else {
        state.message = Some(("select a deployment first".into(), MessageKind::Info));
        return vec![];
    };
    let text = state
        .config_drafts
        .get(&d.id)
        .cloned()
        .unwrap_or_else(|| pretty(&d.configs));
    vec![Cmd::EditConfigs {
        id: d.id.clone(),
        text,
    }]
}

/// The RFC 7386 merge patch that turns `old` into `new` (`null` removes a key).
pub fn merge_patch(old: &Value, new: &Value) -> Value {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut patch = Map::new();
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                patch.insert(key.clone(), Value::Null);
            }
            for (key, value) in b {
                match a.get(key) {
                    Some(old_value) if old_value == value => {}
                    Some(old_value @ Value::Object(_)) if value.is_object() => {
                        patch.insert(key.clone(), merge_patch(old_value, value));
                    }
                    _ => {
                        patch.insert(key.clone(), value.clone());
                    }
                }
            }
            Value::Object(patch)
        }
        _ => new.clone(),
    }
}

/// The editor closed with `text`.
pub fn on_edited(state: &mut State, id: &str, result: Result<String, String>) -> Vec<Cmd> {
    let text = match result {
        Ok(t) => t,
        Err(e) => {
            state.message = Some((e, MessageKind::Error));
            return vec![];
        }
    };
    let Some(d) = state.deployment(id) else {
        return vec![];
    };
    let current: Value = serde_json::from_str(&d.configs).unwrap_or(Value::Object(Map::new()));
    let edited: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            state.message = Some((
                format!(
                    "the configs are not valid JSON (line {}, column {}): {e}; press c to fix them",
                    e.line(),
                    e.column()
                ),
                MessageKind::Error,
            ));
            state.config_drafts.insert(id.to_string(), text);
            return vec![];
        }
    };
    if let Err(e) = TypedConfigs::parse(&edited) {
        state.message = Some((
            format!("{e}; press c to fix it (your text is kept)"),
            MessageKind::Error,
        ));
        state.config_drafts.insert(id.to_string(), text);
        return vec![];
    }
    if edited == current {
        state.config_drafts.remove(id);
        state.message = Some(("no changes".into(), MessageKind::Info));
        return vec![];
    }
    state.config_drafts.insert(id.to_string(), text);
    state.overlay = Some(Overlay::ConfigDiff {
        id: id.to_string(),
        patch: merge_patch(&current, &edited),
        edited,
    });
    vec![]
}

/// In the diff: `y` sends the patch, anything else cancels (the draft stays for `c`).
pub fn diff_key(state: &mut State, yes: bool) -> Vec<Cmd> {
    let Some(Overlay::ConfigDiff { id, patch, .. }) = state.overlay.take() else {
        return vec![];
    };
    if !yes {
        state.message = Some((
            "not sent; c edits the draft again".into(),
            MessageKind::Info,
        ));
        return vec![];
    }
    if state.read_only {
        state.message = Some((
            "read-only: configs changes are disabled".into(),
            MessageKind::Error,
        ));
        return vec![];
    }
    vec![Cmd::PatchConfigs { id, patch }]
}

pub fn on_patched(state: &mut State, id: &str, result: Result<(), String>) -> Vec<Cmd> {
    let name = state
        .deployment(id)
        .map_or(id.to_string(), |d| d.name.clone());
    match result {
        Ok(()) => {
            state.config_drafts.remove(id);
            state.message = Some((
                format!("{name}: configs patched — a new revision rolls out"),
                MessageKind::Info,
            ));
            state.selected = Some(id.to_string());
            if state.drawer.is_none() {
                return super::panels::follow_selection(state);
            }
            vec![]
        }
        Err(e) => {
            state.message = Some((
                format!("patching {name} failed: {e}; press c to edit again (your text is kept)"),
                MessageKind::Error,
            ));
            vec![]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patches_remove_change_and_nest() {
        let old = json!({"port": 80, "replicas": 1, "envVars": {"A": "1", "B": "2"}});
        let new = json!({"port": 8080, "envVars": {"A": "1", "C": "3"}});
        let patch = merge_patch(&old, &new);
        assert_eq!(
            patch,
            json!({"port": 8080, "replicas": null, "envVars": {"B": null, "C": "3"}})
        );
        let mut applied = old.clone();
        json_patch::merge(&mut applied, &patch);
        assert_eq!(applied, new);
    }
}
