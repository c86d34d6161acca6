//! Input rules shared by the engine's operations. Each failure names the field and the rule.

use serde_json::Value;

use crate::backend::error::{BackendError, Result};
use crate::backend::model::CanvasPosition;
use crate::text;

/// Free text (URLs, branches, notes, ids, names): nothing a terminal would act on — no
/// control characters (C0, DEL, C1) and no bidirectional overrides — since every list shows it.
pub fn free_text(field: &str, value: &str) -> Result<()> {
    match text::first_unsafe(value) {
        None => Ok(()),
        Some((at, c)) => Err(BackendError::validation(
            field,
            format!(
                "{field} must not contain control characters or bidirectional overrides \
                 (found {} at character {})",
                text::code_point(c),
                at + 1
            ),
        )),
    }
}

/// `free_text` for each field present.
pub fn free_texts(fields: &[(&str, Option<&str>)]) -> Result<()> {
    for (field, value) in fields {
        if let Some(v) = value {
            free_text(field, v)?;
        }
    }
    Ok(())
}

/// `free_text` for every string and key inside a JSON value (configs, a space's config); the
/// field named is the path to the string (`configs.envVars.LOG_LEVEL`).
pub fn json_text(field: &str, value: &Value) -> Result<()> {
    match value {
        Value::String(s) => free_text(field, s),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| json_text(&format!("{field}[{i}]"), v)),
        Value::Object(map) => map.iter().try_for_each(|(k, v)| {
            if let Some((_, c)) = text::first_unsafe(k) {
                return Err(BackendError::validation(
                    field,
                    format!(
                        "the keys of {field} must not contain control characters or \
                         bidirectional overrides (found {} in {k:?})",
                        text::code_point(c)
                    ),
                ));
            }
            json_text(&format!("{field}.{k}"), v)
        }),
        _ => Ok(()),
    }
}

/// A DNS-1123 label (namespace, release and object names): lower-case alphanumerics and
/// `-`, starting and ending alphanumeric, at most `max` characters.
pub fn dns_label(field: &str, value: &str, max: usize) -> Result<()> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(BackendError::validation(
            field,
            format!(
                "{field} must be a DNS-1123 label: 1 to {max} lower-case letters, digits or '-', \
                 starting and ending with a letter or digit (got {value:?})"
            ),
        ))
    }
}

/// Deployment names become Helm release names, which Helm limits to 53 characters.
pub fn deployment_name(value: &str) -> Result<()> {
    dns_label("name", value, 53)
}

pub fn canvas_position(pos: &CanvasPosition) -> Result<()> {
    for (field, v) in [("x", pos.x), ("y", pos.y)] {
        if !v.is_finite() {
            return Err(BackendError::validation(
                field,
                format!("{field} must be a finite number (got {v})"),
            ));
        }
        if v.abs() > crate::backend::model::CANVAS_LIMIT {
            return Err(BackendError::validation(
                field,
                format!("{field} must be between -1e7 and 1e7 canvas pixels (got {v})"),
            ));
        }
    }
    Ok(())
}

/// An image reference: non-empty, no whitespace, and a repository part. Taken as sent:
/// surrounding whitespace is refused, never trimmed.
pub fn image_ref(field: &str, value: &str) -> Result<()> {
    if !value.is_empty() && value.trim() != value {
        return Err(BackendError::validation(
            field,
            format!("{field} starts or ends with whitespace; send it without (got {value:?})"),
        ));
    }
    let bad = value.is_empty()
        || value.len() > 512
        || value
            .chars()
            .any(|c| c.is_whitespace() || text::is_unsafe(c))
        || value.starts_with([':', '@', '/'])
        || value.ends_with([':', '@', '/']);
    if bad {
        return Err(BackendError::validation(
            field,
            format!("{field} must be an image reference like ghcr.io/acme/app:1.4 (got {value:?})"),
        ));
    }
    Ok(())
}

/// A required image reference, as sent (see `image_ref`).
pub fn required_image<'a>(field: &str, value: Option<&'a str>) -> Result<&'a str> {
    required(field, value)?;
    let value = value.unwrap_or_default();
    image_ref(field, value)?;
    Ok(value)
}

/// A required, non-blank string field.
pub fn required<'a>(field: &str, value: Option<&'a str>) -> Result<&'a str> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(BackendError::validation(
            field,
            format!("{field} is required"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(dns_label("n", "demo", 63).is_ok());
        assert!(dns_label("n", "a-1", 63).is_ok());
        for bad in ["", "Demo", "-a", "a-", "a_b", "a.b", &"a".repeat(64)] {
            let e = dns_label("namespace", bad, 63).unwrap_err();
            assert_eq!(e.field(), Some("namespace"), "{bad}");
        }
    }

    #[test]
    fn positions_must_be_finite_and_bounded() {
        assert!(canvas_position(&CanvasPosition { x: 1.5, y: -3.0 }).is_ok());
        assert_eq!(
            canvas_position(&CanvasPosition {
                x: f64::NAN,
                y: 0.0
            })
            .unwrap_err()
            .field(),
            Some("x")
        );
        assert_eq!(
            canvas_position(&CanvasPosition {
                x: 0.0,
                y: f64::INFINITY
            })
            .unwrap_err()
            .field(),
            Some("y")
        );
        assert!(canvas_position(&CanvasPosition { x: 2e7, y: 0.0 }).is_err());
    }

    #[test]
    fn free_text_refuses_what_a_terminal_would_act_on() {
        assert!(free_text("note", "fix: handle → arrows, ünïcode").is_ok());
        for bad in [
            "a\x1b]0;x\x07",
            "line\nbreak",
            "tab\t",
            "del\x7f",
            "c1\u{9b}2J",
            "\u{202e}gpj.exe",
        ] {
            let e = free_text("note", bad).unwrap_err();
            assert_eq!(e.field(), Some("note"), "{bad:?}");
            assert!(e.to_string().contains("U+"), "{e}");
        }
        let configs = serde_json::json!({"envVars": {"A": "ok", "B": "x\x1b[2J"}});
        assert_eq!(
            json_text("configs", &configs).unwrap_err().field(),
            Some("configs.envVars.B")
        );
        let configs = serde_json::json!({"envVars": {"A\x1b": "ok"}});
        assert_eq!(
            json_text("configs", &configs).unwrap_err().field(),
            Some("configs.envVars")
        );
        let configs = serde_json::json!({"connections": ["a", "b\u{7}"]});
        assert_eq!(
            json_text("configs", &configs).unwrap_err().field(),
            Some("configs.connections[1]")
        );
    }

    #[test]
    fn image_refs() {
        assert!(image_ref("image", "nginx").is_ok());
        assert!(image_ref("image", "ghcr.io/a/b:1.2@sha256:abc").is_ok());
        assert!(image_ref("image", "a b").is_err());
        assert!(image_ref("image", "").is_err());
        assert!(image_ref("image", "app:").is_err());
        for padded in [" nginx:1", "nginx:1 ", "\tnginx:1\n"] {
            let e = image_ref("image", padded).unwrap_err();
            assert!(e.to_string().contains("whitespace"), "{e}");
            let e = required_image("image", Some(padded)).unwrap_err();
            assert_eq!(e.field(), Some("image"));
        }
        assert_eq!(required_image("image", Some("nginx:1")).unwrap(), "nginx:1");
        assert!(required_image("image", Some("  ")).is_err());
        assert!(required_image("image", None).is_err());
    }
}
