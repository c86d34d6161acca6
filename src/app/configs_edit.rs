//! `c`: edit a deployment's configs in `$VISUAL`/`$EDITOR`. On return the text is checked
//! (JSON, then the typed rules), the change is shown as a diff, and `y` sends it as a JSON
//! merge patch. A draft that fails keeps its text for the next `c`.

use serde_json::{Map, Value};

use std::collections::HashMap;

use super::effect::{Effect, Effects};
use super::msg::Cmd;
use super::state::Overlay;
use crate::backend::model::Deployment;
use crate::backend::model::configs::TypedConfigs;

/// Edited configs not sent yet (invalid, failed or declined), by deployment: the next `c`
/// starts from them.
pub type Drafts = HashMap<String, String>;

/// The configs pretty-printed, as the editor shows them.
pub fn pretty(configs: &str) -> String {
    serde_json::from_str::<Value>(configs)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| configs.to_string())
}

/// `c` pressed: the draft left by a failed edit, or the current configs.
pub fn start(drafts: &Drafts, d: &Deployment) -> Effects {
    let text = drafts
        .get(&d.id)
        .cloned()
        .unwrap_or_else(|| pretty(&d.configs));
    vec![Effect::Cmd(Cmd::EditConfigs {
        id: d.id.clone(),
        text,
    })]
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

/// The editor closed with `text`: checked, then shown as a diff to confirm.
pub fn on_edited(drafts: &mut Drafts, d: &Deployment, result: Result<String, String>) -> Effects {
    let text = match result {
        Ok(t) => t,
        Err(e) => return vec![Effect::error(e)],
    };
    let id = d.id.clone();
    let current: Value = serde_json::from_str(&d.configs).unwrap_or(Value::Object(Map::new()));
    let edited: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            drafts.insert(id, text);
            return vec![Effect::error(format!(
                "the configs are not valid JSON (line {}, column {}): {e}; press c to fix them",
                e.line(),
                e.column()
            ))];
        }
    };
    if let Err(e) = TypedConfigs::parse(&edited) {
        drafts.insert(id, text);
        return vec![Effect::error(format!(
            "{e}; press c to fix it (your text is kept)"
        ))];
    }
    if edited == current {
        drafts.remove(&id);
        return vec![Effect::info("no changes")];
    }
    drafts.insert(id.clone(), text);
    vec![Effect::Open(Overlay::ConfigDiff {
        id,
        patch: merge_patch(&current, &edited),
        edited,
        scroll: 0,
        fix: false,
    })]
}

/// In the diff: `y` sends the patch, anything else cancels (the draft stays for `c`; a fix's
/// change has none, `x` offers it again).
pub fn diff_key(yes: bool, id: &str, patch: &Value, read_only: bool, fix: bool) -> Effects {
    if !yes {
        let again = if fix {
            "not sent; x offers the fix again"
        } else {
            "not sent; c edits the draft again"
        };
        return vec![Effect::Close, Effect::info(again)];
    }
    if read_only {
        return vec![Effect::Close, Effect::read_only("changing configs")];
    }
    vec![
        Effect::Close,
        Effect::Cmd(Cmd::PatchConfigs {
            id: id.to_string(),
            patch: patch.clone(),
        }),
    ]
}

/// The patch answered: follow the new revision, or keep the draft and say why.
pub fn on_patched(
    drafts: &mut Drafts,
    name: &str,
    id: &str,
    result: Result<(), String>,
) -> Effects {
    match result {
        Ok(()) => {
            drafts.remove(id);
            vec![
                Effect::info(format!(
                    "{name}: configs patched — a new revision rolls out"
                )),
                Effect::Select(id.to_string()),
                Effect::FollowInDrawer,
            ]
        }
        Err(e) => vec![Effect::error(format!(
            "patching {name} failed: {e}; press c to edit again (your text is kept)"
        ))],
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
