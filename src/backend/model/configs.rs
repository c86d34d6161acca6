//! Typed deployment configs. The catalog keeps `configs` as an opaque JSON object string;
//! only at apply time is it checked against the rules below and turned into [`TypedConfigs`],
//! so a bad value is reported with the JSON path at fault (`configs.expose[1].protocol`).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::backend::error::{BackendError, Result};
use crate::backend::model::{Listener, Protocol};

/// Top-level keys the engine understands; anything else lands in `unknown_keys`.
pub const KNOWN_KEYS: &[&str] = &[
    "port",
    "replicas",
    "liveness",
    "resources",
    "expose",
    "rootPath",
    "envVars",
    "secretRefs",
    "connections",
];

const LIVENESS_KEYS: &[&str] = &["path", "port", "initialDelaySeconds", "periodSeconds"];
const RESOURCES_KEYS: &[&str] = &["requests", "limits"];
const AMOUNT_KEYS: &[&str] = &["cpu", "memory"];
const LISTENER_KEYS: &[&str] = &["port", "protocol"];
const SECRET_SCHEME: &str = "secret://";

/// A deployment's configs after validation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TypedConfigs {
    pub port: Option<u16>,
    pub replicas: Option<u32>,
    pub liveness: Option<Liveness>,
    pub resources: Option<Resources>,
    pub expose: Vec<Listener>,
    pub root_path: Option<String>,
    pub env_vars: BTreeMap<String, String>,
    /// Full `secret://name` strings, in the order given.
    pub secret_refs: Vec<String>,
    /// Deployments of the same environment this one talks to, by name (drawn as edges).
    pub connections: Vec<String>,
    /// Top-level keys not in [`KNOWN_KEYS`], sorted. Kept, not rejected, so older or newer
    /// clients can store keys this engine does not know yet.
    pub unknown_keys: Vec<String>,
}

/// An HTTP liveness probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Liveness {
    pub path: String,
    /// Probe port; `None` means the deployment's `port`.
    pub port: Option<u16>,
    pub initial_delay_seconds: u32,
    pub period_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resources {
    pub requests: ResourceAmounts,
    pub limits: ResourceAmounts,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceAmounts {
    pub cpu: Option<Quantity>,
    pub memory: Option<Quantity>,
}

/// A Kubernetes quantity: the text as written (passed on untouched) and its value in base
/// units (cores for CPU, bytes for memory), used for comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub text: String,
    pub value: f64,
}

impl TypedConfigs {
    /// Validates a configs object. Keys are checked in [`KNOWN_KEYS`] order, so the error
    /// reported for a configs with several faults is always the same one.
    pub fn parse(value: &Value) -> Result<TypedConfigs> {
        let obj = value.as_object().ok_or_else(|| {
            invalid(
                "configs",
                format!("configs must be a JSON object (got {})", describe(value)),
            )
        })?;
        Ok(TypedConfigs {
            port: optional(obj, "port", port_at)?,
            replicas: optional(obj, "replicas", |v, f| u32_in(v, f, 0, 1000))?,
            liveness: optional(obj, "liveness", parse_liveness)?,
            resources: optional(obj, "resources", parse_resources)?,
            expose: optional(obj, "expose", parse_expose)?.unwrap_or_default(),
            root_path: optional(obj, "rootPath", absolute_path)?,
            env_vars: optional(obj, "envVars", parse_env_vars)?.unwrap_or_default(),
            secret_refs: optional(obj, "secretRefs", parse_secret_refs)?.unwrap_or_default(),
            connections: optional(obj, "connections", parse_connections)?.unwrap_or_default(),
            unknown_keys: unknown_keys(obj),
        })
    }

    /// Parses the stored configs string; malformed JSON is a validation error on `configs`.
    pub fn parse_str(json: &str) -> Result<TypedConfigs> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| invalid("configs", format!("configs is not valid JSON: {e}")))?;
        Self::parse(&value)
    }

    /// Kubernetes runs one replica when none is asked for; so do we.
    pub fn replicas_or_default(&self) -> u32 {
        self.replicas.unwrap_or(1)
    }
}

/// Parses a Kubernetes quantity such as `500m`, `1.5`, `1e3`, `128M` or `1Gi`.
/// Returns `None` for anything else, including negative or non-finite values.
pub fn parse_quantity(text: &str) -> Option<Quantity> {
    let (number, scale) = split_suffix(text);
    if !is_decimal(number) {
        return None;
    }
    let number: f64 = number.parse().ok()?;
    let value = scale.apply(number);
    (value.is_finite() && value >= 0.0).then(|| Quantity {
        text: text.to_string(),
        value,
    })
}

/// How a quantity suffix scales its number.
#[derive(Clone, Copy)]
enum Scale {
    /// ×10^n; negative n divides, which keeps `500m` exactly 0.5.
    Decimal(i32),
    /// ×1024^n.
    Binary(i32),
}

impl Scale {
    fn apply(self, number: f64) -> f64 {
        match self {
            Scale::Decimal(n) if n < 0 => number / 10f64.powi(-n),
            Scale::Decimal(n) => number * 10f64.powi(n),
            Scale::Binary(n) => number * 1024f64.powi(n),
        }
    }
}

/// Kubernetes quantity suffixes; they are case-sensitive (`k` but `Ki`, `m` milli but `M` mega).
const SUFFIXES: &[(&str, Scale)] = &[
    ("Ki", Scale::Binary(1)),
    ("Mi", Scale::Binary(2)),
    ("Gi", Scale::Binary(3)),
    ("Ti", Scale::Binary(4)),
    ("Pi", Scale::Binary(5)),
    ("Ei", Scale::Binary(6)),
    ("n", Scale::Decimal(-9)),
    ("u", Scale::Decimal(-6)),
    ("m", Scale::Decimal(-3)),
    ("k", Scale::Decimal(3)),
    ("M", Scale::Decimal(6)),
    ("G", Scale::Decimal(9)),
    ("T", Scale::Decimal(12)),
    ("P", Scale::Decimal(15)),
    ("E", Scale::Decimal(18)),
];

/// Splits `128Mi` into `("128", Binary(2))`; no suffix means a plain number.
/// A lower-case `e` is never a suffix, so `1e3` stays an exponent.
fn split_suffix(text: &str) -> (&str, Scale) {
    SUFFIXES
        .iter()
        .find_map(|(suffix, scale)| text.strip_suffix(suffix).map(|number| (number, *scale)))
        .unwrap_or((text, Scale::Decimal(0)))
}

/// `[+]digits[.digits][(e|E)[+|-]digits]`, with digits on at least one side of the point.
/// Stricter than `f64::from_str`, which would also take `inf`, `NaN` and a leading `-`.
fn is_decimal(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mantissa = mantissa.strip_prefix('+').unwrap_or(mantissa);
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mantissa_ok =
        all_digits(whole) && all_digits(fraction) && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        !digits.is_empty() && all_digits(digits)
    });
    mantissa_ok && exponent_ok
}

fn all_digits(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

// ---- top-level keys ----

/// Runs `parse` on `key` when present; `null` counts as absent (merge-patch semantics).
fn optional<T>(
    obj: &Map<String, Value>,
    key: &str,
    parse: impl FnOnce(&Value, &str) -> Result<T>,
) -> Result<Option<T>> {
    match present(obj, key) {
        Some(value) => parse(value, &format!("configs.{key}")).map(Some),
        None => Ok(None),
    }
}

fn unknown_keys(obj: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = obj
        .keys()
        .filter(|k| !KNOWN_KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn parse_liveness(value: &Value, field: &str) -> Result<Liveness> {
    let obj = object_at(value, field)?;
    reject_unknown_keys(obj, LIVENESS_KEYS, field)?;
    let path = absolute_path(required(obj, "path", field)?, &format!("{field}.path"))?;
    let port = sub_key(obj, "port", field, port_at)?;
    let initial_delay_seconds = sub_key(obj, "initialDelaySeconds", field, |v, f| {
        u32_in(v, f, 0, 3600)
    })?
    .unwrap_or(0);
    let period_seconds =
        sub_key(obj, "periodSeconds", field, |v, f| u32_in(v, f, 1, 3600))?.unwrap_or(10);
    Ok(Liveness {
        path,
        port,
        initial_delay_seconds,
        period_seconds,
    })
}

fn parse_resources(value: &Value, field: &str) -> Result<Resources> {
    let obj = object_at(value, field)?;
    reject_unknown_keys(obj, RESOURCES_KEYS, field)?;
    let requests = sub_key(obj, "requests", field, parse_amounts)?.unwrap_or_default();
    let limits = sub_key(obj, "limits", field, parse_amounts)?.unwrap_or_default();
    check_within_limit(requests.cpu.as_ref(), limits.cpu.as_ref(), field, "cpu")?;
    check_within_limit(
        requests.memory.as_ref(),
        limits.memory.as_ref(),
        field,
        "memory",
    )?;
    Ok(Resources { requests, limits })
}

fn parse_amounts(value: &Value, field: &str) -> Result<ResourceAmounts> {
    let obj = object_at(value, field)?;
    reject_unknown_keys(obj, AMOUNT_KEYS, field)?;
    Ok(ResourceAmounts {
        cpu: sub_key(obj, "cpu", field, quantity_at)?,
        memory: sub_key(obj, "memory", field, quantity_at)?,
    })
}

/// Kubernetes refuses a pod whose request is above its limit; say so before it does.
fn check_within_limit(
    request: Option<&Quantity>,
    limit: Option<&Quantity>,
    field: &str,
    kind: &str,
) -> Result<()> {
    match (request, limit) {
        (Some(request), Some(limit)) if request.value > limit.value => Err(invalid(
            format!("{field}.requests.{kind}"),
            format!(
                "{field}.requests.{kind} ({}) exceeds {field}.limits.{kind} ({})",
                request.text, limit.text
            ),
        )),
        _ => Ok(()),
    }
}

/// Quantities are usually strings (`"500m"`), but a bare JSON number (`2`) is accepted too.
fn quantity_at(value: &Value, field: &str) -> Result<Quantity> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(invalid(
                field,
                format!(
                    "{field} must be a quantity string such as \"500m\" or \"1Gi\" (got {})",
                    describe(other)
                ),
            ));
        }
    };
    parse_quantity(&text).ok_or_else(|| {
        invalid(
            field,
            format!(
                "{field} must be a non-negative Kubernetes quantity: a number with an optional \
                 suffix n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi or Ei (got {text:?})"
            ),
        )
    })
}

fn parse_expose(value: &Value, field: &str) -> Result<Vec<Listener>> {
    let items = array_at(value, field)?;
    let mut listeners: Vec<Listener> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_field = format!("{field}[{i}]");
        let listener = parse_listener(item, &item_field)?;
        if let Some(first) = listeners.iter().position(|l| l.port == listener.port) {
            return Err(invalid(
                format!("{item_field}.port"),
                format!(
                    "{item_field}.port {} is already exposed by {field}[{first}]; each port \
                     can be exposed once",
                    listener.port
                ),
            ));
        }
        listeners.push(listener);
    }
    Ok(listeners)
}

fn parse_listener(value: &Value, field: &str) -> Result<Listener> {
    let obj = object_at(value, field)?;
    reject_unknown_keys(obj, LISTENER_KEYS, field)?;
    let port = port_at(required(obj, "port", field)?, &format!("{field}.port"))?;
    let protocol = protocol_at(
        required(obj, "protocol", field)?,
        &format!("{field}.protocol"),
    )?;
    Ok(Listener { port, protocol })
}

fn protocol_at(value: &Value, field: &str) -> Result<Protocol> {
    match value.as_str() {
        Some("http") => Ok(Protocol::Http),
        Some("tcp") => Ok(Protocol::Tcp),
        _ => Err(invalid(
            field,
            format!(
                "{field} must be \"http\" or \"tcp\" (got {})",
                describe(value)
            ),
        )),
    }
}

fn parse_env_vars(value: &Value, field: &str) -> Result<BTreeMap<String, String>> {
    let obj = object_at(value, field)?;
    let mut vars = BTreeMap::new();
    for (name, value) in obj {
        if !is_env_name(name) {
            return Err(invalid(
                field,
                format!(
                    "{field} has an invalid name {name:?}: names must match [A-Za-z_][A-Za-z0-9_]*"
                ),
            ));
        }
        vars.insert(name.clone(), env_value(value, &format!("{field}.{name}"))?);
    }
    Ok(vars)
}

/// Env values reach the container as text; a JSON number or bool is almost always a
/// forgotten pair of quotes, so say exactly that.
fn env_value(value: &Value, field: &str) -> Result<String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(_) | Value::Bool(_) => Err(invalid(
            field,
            format!("{field} must be a string; quote it as \"{value}\" (got {value})"),
        )),
        other => Err(invalid(
            field,
            format!("{field} must be a string (got {})", describe(other)),
        )),
    }
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn parse_connections(value: &Value, field: &str) -> Result<Vec<String>> {
    let items = array_at(value, field)?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{field}[{i}]");
            let name = item.as_str().ok_or_else(|| {
                invalid(
                    &at,
                    format!(
                        "{at} must be a deployment's name, a string (got {})",
                        describe(item)
                    ),
                )
            })?;
            crate::backend::model::validate::dns_label(&at, name, 53)?;
            Ok(name.to_string())
        })
        .collect()
}

fn parse_secret_refs(value: &Value, field: &str) -> Result<Vec<String>> {
    let items = array_at(value, field)?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| secret_ref_at(item, &format!("{field}[{i}]")))
        .collect()
}

fn secret_ref_at(value: &Value, field: &str) -> Result<String> {
    let text = value.as_str().ok_or_else(|| {
        invalid(
            field,
            format!(
                "{field} must be a string like \"secret://db-password\" (got {})",
                describe(value)
            ),
        )
    })?;
    match text.strip_prefix(SECRET_SCHEME) {
        Some(name) if is_dns_subdomain(name) => Ok(text.to_string()),
        _ => Err(invalid(
            field,
            format!(
                "{field} must be secret://<name>, where name is a DNS-1123 subdomain: lower-case \
                 letters, digits, '-' and '.', starting and ending with a letter or digit, at most \
                 253 characters (got {text:?})"
            ),
        )),
    }
}

/// Kubernetes object names: dot-separated labels of `[a-z0-9-]`, each starting and ending
/// with a letter or digit, 253 characters at most.
fn is_dns_subdomain(name: &str) -> bool {
    let is_label = |label: &str| {
        let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        label.starts_with(alnum)
            && label.ends_with(alnum)
            && label.chars().all(|c| alnum(c) || c == '-')
    };
    !name.is_empty() && name.len() <= 253 && name.split('.').all(is_label)
}

// ---- shared helpers ----

/// A key's value, with `null` treated as absent.
fn present<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// Like [`optional`], for a key nested under `parent`.
fn sub_key<T>(
    obj: &Map<String, Value>,
    key: &str,
    parent: &str,
    parse: impl FnOnce(&Value, &str) -> Result<T>,
) -> Result<Option<T>> {
    match present(obj, key) {
        Some(value) => parse(value, &format!("{parent}.{key}")).map(Some),
        None => Ok(None),
    }
}

fn required<'a>(obj: &'a Map<String, Value>, key: &str, parent: &str) -> Result<&'a Value> {
    present(obj, key).ok_or_else(|| {
        invalid(
            format!("{parent}.{key}"),
            format!("{parent}.{key} is required"),
        )
    })
}

/// Nested objects are closed: a misspelt sub-key would otherwise be silently ignored.
fn reject_unknown_keys(obj: &Map<String, Value>, allowed: &[&str], field: &str) -> Result<()> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(invalid(
            format!("{field}.{key}"),
            format!(
                "{field}.{key} is not allowed; {field} takes only: {}",
                allowed.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn object_at<'a>(value: &'a Value, field: &str) -> Result<&'a Map<String, Value>> {
    value.as_object().ok_or_else(|| {
        invalid(
            field,
            format!("{field} must be a JSON object (got {})", describe(value)),
        )
    })
}

fn array_at<'a>(value: &'a Value, field: &str) -> Result<&'a Vec<Value>> {
    value.as_array().ok_or_else(|| {
        invalid(
            field,
            format!("{field} must be a JSON array (got {})", describe(value)),
        )
    })
}

fn port_at(value: &Value, field: &str) -> Result<u16> {
    value
        .as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .filter(|&port| port >= 1)
        .ok_or_else(|| out_of_range(field, 1, 65535, value))
}

fn u32_in(value: &Value, field: &str, min: u32, max: u32) -> Result<u32> {
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| out_of_range(field, min.into(), max.into(), value))
}

fn out_of_range(field: &str, min: u64, max: u64, value: &Value) -> BackendError {
    invalid(
        field,
        format!(
            "{field} must be an integer from {min} to {max} (got {})",
            describe(value)
        ),
    )
}

fn absolute_path(value: &Value, field: &str) -> Result<String> {
    match value.as_str() {
        Some(path) if path.starts_with('/') => Ok(path.to_string()),
        _ => Err(invalid(
            field,
            format!(
                "{field} must be a path starting with / (got {})",
                describe(value)
            ),
        )),
    }
}

/// A bad value as shown in messages: scalars as JSON, containers by kind only.
fn describe(value: &Value) -> String {
    match value {
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
        scalar => scalar.to_string(),
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> BackendError {
    BackendError::validation(field, message)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<TypedConfigs> {
        TypedConfigs::parse(&value)
    }

    /// The field and message of a validation error; panics on success.
    fn error(value: Value) -> (String, String) {
        match parse(value) {
            Err(BackendError::Validation { message, field }) => {
                (field.unwrap_or_default(), message)
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn error_field(value: Value) -> String {
        error(value).0
    }

    fn quantity(text: &str) -> f64 {
        parse_quantity(text).map(|q| q.value).unwrap_or(f64::NAN)
    }

    // ---- whole object ----

    #[test]
    fn empty_object_gives_defaults() {
        let c = parse(json!({})).unwrap();
        assert_eq!(c, TypedConfigs::default());
        assert_eq!(c.replicas_or_default(), 1);
    }

    #[test]
    fn full_configs_parse() {
        let c = parse(json!({
            "port": 8080,
            "replicas": 3,
            "liveness": {"path": "/healthz", "port": 9090, "initialDelaySeconds": 5, "periodSeconds": 15},
            "resources": {
                "requests": {"cpu": "250m", "memory": "128Mi"},
                "limits": {"cpu": "1", "memory": "512Mi"}
            },
            "expose": [{"port": 80, "protocol": "http"}, {"port": 5432, "protocol": "tcp"}],
            "rootPath": "/api",
            "envVars": {"LOG_LEVEL": "debug", "_X1": ""},
            "secretRefs": ["secret://db-password", "secret://tls.cert"],
            "zeta": 1,
            "alpha": true
        }))
        .unwrap();
        assert_eq!(c.port, Some(8080));
        assert_eq!(c.replicas_or_default(), 3);
        assert_eq!(
            c.liveness,
            Some(Liveness {
                path: "/healthz".into(),
                port: Some(9090),
                initial_delay_seconds: 5,
                period_seconds: 15
            })
        );
        let r = c.resources.unwrap();
        assert_eq!(r.requests.cpu.unwrap().value, 0.25);
        assert_eq!(r.requests.memory.unwrap().text, "128Mi");
        assert_eq!(r.limits.cpu.unwrap().value, 1.0);
        assert_eq!(r.limits.memory.unwrap().value, 512.0 * 1024.0 * 1024.0);
        assert_eq!(
            c.expose,
            vec![
                Listener {
                    port: 80,
                    protocol: Protocol::Http
                },
                Listener {
                    port: 5432,
                    protocol: Protocol::Tcp
                }
            ]
        );
        assert_eq!(c.root_path.as_deref(), Some("/api"));
        assert_eq!(
            c.env_vars.get("LOG_LEVEL").map(String::as_str),
            Some("debug")
        );
        assert_eq!(c.env_vars.get("_X1").map(String::as_str), Some(""));
        assert_eq!(
            c.secret_refs,
            vec!["secret://db-password", "secret://tls.cert"]
        );
        assert_eq!(c.unknown_keys, vec!["alpha", "zeta"]);
    }

    #[test]
    fn top_level_must_be_object() {
        for value in [json!([]), json!("x"), json!(1), json!(null), json!(true)] {
            let (field, message) = error(value);
            assert_eq!(field, "configs");
            assert!(message.contains("must be a JSON object"), "{message}");
        }
    }

    #[test]
    fn parse_str_reports_malformed_json_on_configs() {
        for text in ["{", "", "{\"port\": }", "not json"] {
            match TypedConfigs::parse_str(text) {
                Err(BackendError::Validation { field, message }) => {
                    assert_eq!(field.as_deref(), Some("configs"));
                    assert!(message.contains("not valid JSON"), "{message}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert_eq!(
            TypedConfigs::parse_str(r#"{"port": 80}"#).unwrap().port,
            Some(80)
        );
        assert_eq!(error_field_str("[1]"), "configs");
    }

    fn error_field_str(text: &str) -> String {
        TypedConfigs::parse_str(text)
            .unwrap_err()
            .field()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn null_known_keys_are_absent() {
        let c = parse(json!({
            "port": null, "replicas": null, "liveness": null, "resources": null,
            "expose": null, "rootPath": null, "envVars": null, "secretRefs": null
        }))
        .unwrap();
        assert_eq!(c, TypedConfigs::default());
    }

    #[test]
    fn null_unknown_key_is_still_reported() {
        assert_eq!(
            parse(json!({"extra": null})).unwrap().unknown_keys,
            vec!["extra"]
        );
    }

    #[test]
    fn first_fault_in_known_key_order_is_reported() {
        assert_eq!(
            error_field(json!({"secretRefs": [1], "port": 0})),
            "configs.port"
        );
    }

    // ---- port ----

    #[test]
    fn port_boundaries() {
        assert_eq!(parse(json!({"port": 1})).unwrap().port, Some(1));
        assert_eq!(parse(json!({"port": 65535})).unwrap().port, Some(65535));
        for bad in [
            json!(0),
            json!(65536),
            json!(70000),
            json!(-1),
            json!(80.5),
            json!("80"),
            json!(true),
        ] {
            assert_eq!(error_field(json!({ "port": bad })), "configs.port", "{bad}");
        }
    }

    #[test]
    fn port_message_names_rule_and_value() {
        let (_, message) = error(json!({"port": 70000}));
        assert_eq!(
            message,
            "configs.port must be an integer from 1 to 65535 (got 70000)"
        );
        let (_, message) = error(json!({"port": "80"}));
        assert!(message.contains("(got \"80\")"), "{message}");
    }

    // ---- replicas ----

    #[test]
    fn replicas_boundaries() {
        assert_eq!(parse(json!({"replicas": 0})).unwrap().replicas, Some(0));
        assert_eq!(
            parse(json!({"replicas": 0})).unwrap().replicas_or_default(),
            0
        );
        assert_eq!(
            parse(json!({"replicas": 1000})).unwrap().replicas,
            Some(1000)
        );
        for bad in [
            json!(1001),
            json!(-1),
            json!(1.5),
            json!("3"),
            json!(u64::MAX),
        ] {
            let (field, message) = error(json!({ "replicas": bad }));
            assert_eq!(field, "configs.replicas");
            assert!(message.contains("from 0 to 1000"), "{message}");
        }
    }

    // ---- liveness ----

    #[test]
    fn liveness_defaults() {
        let c = parse(json!({"liveness": {"path": "/"}})).unwrap();
        assert_eq!(
            c.liveness,
            Some(Liveness {
                path: "/".into(),
                port: None,
                initial_delay_seconds: 0,
                period_seconds: 10
            })
        );
    }

    #[test]
    fn liveness_path_rules() {
        assert_eq!(
            error_field(json!({"liveness": {}})),
            "configs.liveness.path"
        );
        assert_eq!(
            error_field(json!({"liveness": {"path": null}})),
            "configs.liveness.path"
        );
        let (field, message) = error(json!({"liveness": {"path": "healthz"}}));
        assert_eq!(field, "configs.liveness.path");
        assert!(
            message.contains("starting with /") && message.contains("healthz"),
            "{message}"
        );
        assert_eq!(
            error_field(json!({"liveness": {"path": 1}})),
            "configs.liveness.path"
        );
    }

    #[test]
    fn liveness_must_be_object() {
        assert_eq!(
            error_field(json!({"liveness": "/healthz"})),
            "configs.liveness"
        );
    }

    #[test]
    fn liveness_port_and_timing_bounds() {
        let ok = |l: Value| parse(json!({ "liveness": l })).unwrap().liveness.unwrap();
        assert_eq!(ok(json!({"path": "/", "port": 65535})).port, Some(65535));
        assert_eq!(
            ok(json!({"path": "/", "initialDelaySeconds": 3600})).initial_delay_seconds,
            3600
        );
        assert_eq!(
            ok(json!({"path": "/", "periodSeconds": 1})).period_seconds,
            1
        );
        assert_eq!(
            ok(json!({"path": "/", "periodSeconds": 3600})).period_seconds,
            3600
        );

        let field = |l: Value| error_field(json!({ "liveness": l }));
        assert_eq!(
            field(json!({"path": "/", "port": 0})),
            "configs.liveness.port"
        );
        assert_eq!(
            field(json!({"path": "/", "port": 65536})),
            "configs.liveness.port"
        );
        assert_eq!(
            field(json!({"path": "/", "initialDelaySeconds": 3601})),
            "configs.liveness.initialDelaySeconds"
        );
        assert_eq!(
            field(json!({"path": "/", "initialDelaySeconds": -1})),
            "configs.liveness.initialDelaySeconds"
        );
        assert_eq!(
            field(json!({"path": "/", "periodSeconds": 0})),
            "configs.liveness.periodSeconds"
        );
        assert_eq!(
            field(json!({"path": "/", "periodSeconds": 3601})),
            "configs.liveness.periodSeconds"
        );
    }

    #[test]
    fn liveness_rejects_unknown_sub_keys() {
        let (field, message) = error(json!({"liveness": {"path": "/", "timeoutSeconds": 1}}));
        assert_eq!(field, "configs.liveness.timeoutSeconds");
        assert!(
            message.contains("path, port, initialDelaySeconds, periodSeconds"),
            "{message}"
        );
    }

    // ---- quantities ----

    #[test]
    fn quantity_parsing() {
        assert_eq!(quantity("500m"), 0.5);
        assert_eq!(quantity("1Gi"), 1_073_741_824.0);
        assert_eq!(quantity("1e3"), 1000.0);
        assert_eq!(quantity("1E3"), 1000.0);
        assert_eq!(quantity("1e-3"), 0.001);
        assert_eq!(quantity("128M"), 128_000_000.0);
        assert_eq!(quantity("128Mi"), 134_217_728.0);
        assert_eq!(quantity("1.5"), 1.5);
        assert_eq!(quantity(".5"), 0.5);
        assert_eq!(quantity("2."), 2.0);
        assert_eq!(quantity("+2"), 2.0);
        assert_eq!(quantity("0"), 0.0);
        assert_eq!(quantity("100n"), 100e-9);
        assert_eq!(quantity("250u"), 250e-6);
        assert_eq!(quantity("1k"), 1000.0);
        assert_eq!(quantity("2Ki"), 2048.0);
        assert_eq!(quantity("1T"), 1e12);
        assert_eq!(quantity("1Ti"), 1024f64.powi(4));
        assert_eq!(quantity("1P"), 1e15);
        assert_eq!(quantity("1Pi"), 1024f64.powi(5));
        assert_eq!(quantity("1E"), 1e18);
        assert_eq!(quantity("1Ei"), 1024f64.powi(6));
        assert_eq!(quantity("1G"), 1e9);
        assert_eq!(
            parse_quantity("1.5Gi").map(|q| q.text),
            Some("1.5Gi".to_string())
        );
    }

    #[test]
    fn quantity_rejects_garbage() {
        for bad in [
            "", "12Q", "-1", "-500m", "m", "Gi", ".", "1..2", "1e", "1e+", "abc", "1 Gi", " 1",
            "1gi", "1K", "inf", "NaN", "1e999", "0x10", "1,5", "++1", "1mi",
        ] {
            assert!(parse_quantity(bad).is_none(), "{bad:?} should be rejected");
        }
    }

    // ---- resources ----

    #[test]
    fn resources_accept_numbers_and_partial_blocks() {
        let c = parse(json!({"resources": {"requests": {"cpu": 2, "memory": 1048576}}})).unwrap();
        let r = c.resources.unwrap();
        assert_eq!(r.requests.cpu.map(|q| q.value), Some(2.0));
        assert_eq!(r.requests.memory.map(|q| q.value), Some(1_048_576.0));
        assert_eq!(r.limits, ResourceAmounts::default());
        let r = parse(json!({"resources": {}})).unwrap().resources.unwrap();
        assert_eq!(r, Resources::default());
    }

    #[test]
    fn resources_reject_bad_quantities() {
        let (field, message) = error(json!({"resources": {"limits": {"memory": "12Q"}}}));
        assert_eq!(field, "configs.resources.limits.memory");
        assert!(message.contains("12Q"), "{message}");
        assert_eq!(
            error_field(json!({"resources": {"requests": {"cpu": "-1"}}})),
            "configs.resources.requests.cpu"
        );
        assert_eq!(
            error_field(json!({"resources": {"requests": {"cpu": -1}}})),
            "configs.resources.requests.cpu"
        );
        assert_eq!(
            error_field(json!({"resources": {"requests": {"cpu": true}}})),
            "configs.resources.requests.cpu"
        );
    }

    #[test]
    fn resources_reject_unknown_sub_keys_and_wrong_shapes() {
        assert_eq!(
            error_field(json!({"resources": {"request": {}}})),
            "configs.resources.request"
        );
        assert_eq!(
            error_field(json!({"resources": {"limits": {"gpu": "1"}}})),
            "configs.resources.limits.gpu"
        );
        assert_eq!(error_field(json!({"resources": []})), "configs.resources");
        assert_eq!(
            error_field(json!({"resources": {"limits": "1Gi"}})),
            "configs.resources.limits"
        );
    }

    #[test]
    fn requests_must_not_exceed_limits() {
        let (field, message) = error(json!({"resources": {
            "requests": {"memory": "1Gi"}, "limits": {"memory": "512Mi"}
        }}));
        assert_eq!(field, "configs.resources.requests.memory");
        assert_eq!(
            message,
            "configs.resources.requests.memory (1Gi) exceeds configs.resources.limits.memory (512Mi)"
        );
        let (field, _) = error(json!({"resources": {
            "requests": {"cpu": "1.5"}, "limits": {"cpu": "1000m"}
        }}));
        assert_eq!(field, "configs.resources.requests.cpu");
        // Equal is fine, and units may differ.
        parse(json!({"resources": {
            "requests": {"cpu": "1", "memory": "1024Mi"}, "limits": {"cpu": "1000m", "memory": "1Gi"}
        }}))
        .unwrap();
        // Only one side given: nothing to compare.
        parse(json!({"resources": {"requests": {"memory": "8Gi"}, "limits": {"cpu": "1"}}}))
            .unwrap();
    }

    // ---- expose ----

    #[test]
    fn expose_rules() {
        let field = |e: Value| error_field(json!({ "expose": e }));
        assert_eq!(field(json!({})), "configs.expose");
        assert_eq!(field(json!([80])), "configs.expose[0]");
        assert_eq!(
            field(json!([{"protocol": "http"}])),
            "configs.expose[0].port"
        );
        assert_eq!(field(json!([{"port": 80}])), "configs.expose[0].protocol");
        assert_eq!(
            field(json!([{"port": 80, "protocol": "http"}, {"port": 81, "protocol": "HTTP"}])),
            "configs.expose[1].protocol"
        );
        assert_eq!(
            field(json!([{"port": 80, "protocol": "udp"}])),
            "configs.expose[0].protocol"
        );
        assert_eq!(
            field(json!([{"port": 0, "protocol": "tcp"}])),
            "configs.expose[0].port"
        );
        assert_eq!(
            field(json!([{"port": 65536, "protocol": "tcp"}])),
            "configs.expose[0].port"
        );
        assert_eq!(
            field(json!([{"port": 80, "protocol": "tcp", "name": "x"}])),
            "configs.expose[0].name"
        );
        assert_eq!(parse(json!({"expose": []})).unwrap().expose, vec![]);
        assert_eq!(
            parse(json!({"expose": [{"port": 65535, "protocol": "tcp"}]}))
                .unwrap()
                .expose,
            vec![Listener {
                port: 65535,
                protocol: Protocol::Tcp
            }]
        );
    }

    #[test]
    fn expose_rejects_duplicate_ports() {
        let (field, message) = error(json!({"expose": [
            {"port": 80, "protocol": "http"},
            {"port": 443, "protocol": "http"},
            {"port": 80, "protocol": "tcp"}
        ]}));
        assert_eq!(field, "configs.expose[2].port");
        assert!(message.contains("configs.expose[0]"), "{message}");
    }

    // ---- rootPath ----

    #[test]
    fn root_path_rules() {
        assert_eq!(
            parse(json!({"rootPath": "/"}))
                .unwrap()
                .root_path
                .as_deref(),
            Some("/")
        );
        for bad in [json!("api"), json!(""), json!(1), json!(["/"])] {
            assert_eq!(error_field(json!({ "rootPath": bad })), "configs.rootPath");
        }
    }

    // ---- envVars ----

    #[test]
    fn env_var_names() {
        for good in ["A", "_", "_a1", "DB_URL", "lower_case", "X9"] {
            parse(json!({"envVars": { good: "v" }})).unwrap();
        }
        for bad in ["", "1ABC", "A-B", "A.B", "A B", "É"] {
            let (field, message) = error(json!({"envVars": { bad: "v" }}));
            assert_eq!(field, "configs.envVars", "{bad:?}");
            assert!(message.contains(&format!("{bad:?}")), "{message}");
        }
    }

    #[test]
    fn env_var_values_must_be_strings() {
        let (field, message) = error(json!({"envVars": {"DB_PORT": 5432}}));
        assert_eq!(field, "configs.envVars.DB_PORT");
        assert!(message.contains("quote it as \"5432\""), "{message}");
        let (_, message) = error(json!({"envVars": {"DEBUG": true}}));
        assert!(message.contains("quote it as \"true\""), "{message}");
        assert_eq!(
            error_field(json!({"envVars": {"X": null}})),
            "configs.envVars.X"
        );
        assert_eq!(
            error_field(json!({"envVars": {"X": {}}})),
            "configs.envVars.X"
        );
        assert_eq!(error_field(json!({"envVars": ["X=1"]})), "configs.envVars");
    }

    // ---- secretRefs ----

    #[test]
    fn secret_refs_rules() {
        let ok = |r: &str| parse(json!({"secretRefs": [r]})).unwrap().secret_refs;
        assert_eq!(ok("secret://a"), vec!["secret://a"]);
        assert_eq!(
            ok("secret://db-password.v2"),
            vec!["secret://db-password.v2"]
        );
        let long = format!("secret://{}", "a".repeat(253));
        assert_eq!(ok(&long), vec![long.clone()]);

        let too_long = format!("secret://{}", "a".repeat(254));
        for bad in [
            "db-password",
            "secret://",
            "secret://DB",
            "secret://-a",
            "secret://a-",
            "secret://a_b",
            "secret://a..b",
            "secret://.a",
            "secret://a.",
            "secret://a.-b",
            "Secret://a",
            "secret:/a",
            too_long.as_str(),
        ] {
            let (field, message) = error(json!({"secretRefs": ["secret://ok", bad]}));
            assert_eq!(field, "configs.secretRefs[1]", "{bad:?}");
            assert!(message.contains("secret://<name>"), "{message}");
        }
        assert_eq!(
            error_field(json!({"secretRefs": [1]})),
            "configs.secretRefs[0]"
        );
        assert_eq!(
            error_field(json!({"secretRefs": "secret://a"})),
            "configs.secretRefs"
        );
    }
}
