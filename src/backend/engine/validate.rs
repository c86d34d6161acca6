//! Input rules shared by the engine's operations. Each failure names the field and the rule.

use crate::backend::error::{BackendError, Result};
use crate::backend::model::CanvasPosition;

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
        || value.chars().any(|c| c.is_whitespace() || c.is_control())
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
