//! The analyzer behind `GET /deployments/{id}/analyze`: advice about a deployment's configs
//! and image that is legal but likely to hurt later (no probe, no limits, `:latest`, …).
//! It never fails; configs that do not parse become a single `invalid_configs` warning.

use crate::backend::model::configs::{KNOWN_KEYS, ResourceAmounts, TypedConfigs};
use crate::backend::model::{Severity, Warning};

/// Suggested starting points, shown when requests or limits are missing.
const SUGGESTED_REQUEST_CPU: &str = "100m";
const SUGGESTED_REQUEST_MEMORY: &str = "128Mi";
const SUGGESTED_LIMIT_CPU: &str = "500m";
const SUGGESTED_LIMIT_MEMORY: &str = "256Mi";

/// Warnings for a deployment's stored configs and the image it runs (`None` while a git
/// deployment has not been built yet), in a stable order.
pub fn analyze(configs_json: &str, image: Option<&str>) -> Vec<Warning> {
    let configs = match TypedConfigs::parse_str(configs_json) {
        Ok(configs) => configs,
        Err(e) => {
            let field = e.field().map(str::to_string);
            return vec![warning(
                "invalid_configs",
                Severity::Error,
                field,
                e.to_string(),
            )];
        }
    };
    let mut warnings = Vec::new();
    warnings.extend(liveness_warning(&configs));
    warnings.extend(resource_warnings(&configs));
    warnings.extend(replica_warning(&configs));
    warnings.extend(expose_warning(&configs));
    warnings.extend(literal_secret_warnings(&configs));
    warnings.extend(image.and_then(image_warning));
    warnings.extend(unknown_key_warnings(&configs));
    warnings
}

fn warning(code: &str, severity: Severity, field: Option<String>, message: String) -> Warning {
    Warning {
        code: code.to_string(),
        severity,
        message,
        field,
    }
}

fn liveness_warning(configs: &TypedConfigs) -> Option<Warning> {
    configs.liveness.is_none().then(|| {
        warning(
            "no_liveness_probe",
            Severity::Warning,
            Some("configs.liveness".into()),
            "no liveness probe: a hung process keeps receiving traffic and is never restarted; \
             add configs.liveness, e.g. {\"path\": \"/healthz\"}"
                .into(),
        )
    })
}

fn resource_warnings(configs: &TypedConfigs) -> Vec<Warning> {
    let empty = ResourceAmounts::default();
    let (requests, limits) = match &configs.resources {
        Some(r) => (&r.requests, &r.limits),
        None => (&empty, &empty),
    };
    let mut warnings = Vec::new();
    // A suggested limit never undercuts a given request, and a suggested request never
    // exceeds a given limit: mirroring the other side keeps the advice valid.
    let request_suggestions = suggestions(
        requests,
        limits,
        SUGGESTED_REQUEST_CPU,
        SUGGESTED_REQUEST_MEMORY,
    );
    if !request_suggestions.is_empty() {
        warnings.push(warning(
            "no_resource_requests",
            Severity::Warning,
            Some("configs.resources.requests".into()),
            format!(
                "no {} request: the scheduler cannot reserve capacity and the pod is among the \
                 first evicted under pressure; set configs.resources.requests, e.g. {}",
                missing_names(&request_suggestions),
                render(&request_suggestions)
            ),
        ));
    }
    let limit_suggestions = suggestions(
        limits,
        requests,
        SUGGESTED_LIMIT_CPU,
        SUGGESTED_LIMIT_MEMORY,
    );
    if !limit_suggestions.is_empty() {
        warnings.push(warning(
            "no_resource_limits",
            Severity::Warning,
            Some("configs.resources.limits".into()),
            format!(
                "no {} limit: one runaway pod can starve everything else on its node; set \
                 configs.resources.limits, e.g. {}",
                missing_names(&limit_suggestions),
                render(&limit_suggestions)
            ),
        ));
    }
    warnings
}

/// `(kind, suggested value)` for each of cpu and memory missing from `amounts`; the value
/// copies `other` (the matching request or limit) when that is set.
fn suggestions(
    amounts: &ResourceAmounts,
    other: &ResourceAmounts,
    cpu: &str,
    memory: &str,
) -> Vec<(&'static str, String)> {
    let mut missing = Vec::new();
    if amounts.cpu.is_none() {
        let value = other.cpu.as_ref().map_or(cpu, |q| q.text.as_str());
        missing.push(("cpu", value.to_string()));
    }
    if amounts.memory.is_none() {
        let value = other.memory.as_ref().map_or(memory, |q| q.text.as_str());
        missing.push(("memory", value.to_string()));
    }
    missing
}

/// "cpu", "memory" or "cpu or memory".
fn missing_names(missing: &[(&str, String)]) -> String {
    missing
        .iter()
        .map(|(kind, _)| *kind)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `{"cpu": "100m", "memory": "128Mi"}`.
fn render(missing: &[(&str, String)]) -> String {
    let pairs: Vec<String> = missing
        .iter()
        .map(|(kind, value)| format!("\"{kind}\": \"{value}\""))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

/// Replicas the cluster has no room for (it runs `capacity` at most, `used` by the others):
/// those would stay Pending until the rollout's deadline.
pub fn capacity_warning(configs_json: &str, capacity: u32, used: u32) -> Option<Warning> {
    let replicas = TypedConfigs::parse_str(configs_json)
        .ok()?
        .replicas_or_default();
    let room = capacity.saturating_sub(used);
    (replicas > room).then(|| {
        warning(
            "replicas_beyond_capacity",
            Severity::Error,
            Some("configs.replicas".into()),
            format!(
                "{replicas} replicas asked, but the sandbox cluster runs {capacity} and other \
                 releases use {used}: {} would stay Pending and the rollout fail; lower \
                 configs.replicas to {room} or less, or raise [sandbox] capacity_replicas",
                replicas - room
            ),
        )
    })
}

fn replica_warning(configs: &TypedConfigs) -> Option<Warning> {
    let field = Some("configs.replicas".to_string());
    match configs.replicas_or_default() {
        0 => Some(warning(
            "zero_replicas",
            Severity::Info,
            field,
            "replicas is 0, so nothing runs and nothing is served; set configs.replicas to 1 or \
             more to bring the deployment back"
                .into(),
        )),
        1 => Some(warning(
            "single_replica",
            Severity::Warning,
            field,
            "a single replica means downtime on every rollout and node failure; set \
             configs.replicas to 2 or more"
                .into(),
        )),
        _ => None,
    }
}

fn expose_warning(configs: &TypedConfigs) -> Option<Warning> {
    (!configs.expose.is_empty() && configs.port.is_none()).then(|| {
        warning(
            "expose_without_port",
            Severity::Error,
            Some("configs.port".into()),
            "configs.expose opens listeners but configs.port is not set, so there is no \
             container port to send their traffic to; set configs.port to the port the app \
             listens on"
                .into(),
        )
    })
}

fn literal_secret_warnings(configs: &TypedConfigs) -> Vec<Warning> {
    configs
        .env_vars
        .iter()
        .filter(|(name, value)| !value.is_empty() && looks_like_secret(name))
        .map(|(name, _)| {
            warning(
                "literal_secret_env",
                Severity::Error,
                Some(format!("configs.envVars.{name}")),
                format!(
                    "configs.envVars.{name} holds a literal secret, stored in plain text in every \
                     revision; move it to a secret and list it in configs.secretRefs (e.g. {})",
                    suggested_secret_ref(name)
                ),
            )
        })
        .collect()
}

/// True when a `_`-separated part of the name is a secret word. Whole parts only, so
/// `API_KEY` matches but `KEYBOARD_LAYOUT` and `MONKEY` do not.
fn looks_like_secret(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWORDS",
        "PASSWD",
        "PWD",
        "PASSPHRASE",
        "SECRET",
        "SECRETS",
        "TOKEN",
        "TOKENS",
        "KEY",
        "KEYS",
        "APIKEY",
    ];
    let upper = name.to_ascii_uppercase();
    // A bare `PWD` is the shell's working directory, not a password.
    upper != "PWD" && upper.split('_').any(|part| WORDS.contains(&part))
}

/// `DB_PASSWORD` → `secret://db-password`, a valid secret name to copy.
fn suggested_secret_ref(env_name: &str) -> String {
    let name = env_name.to_ascii_lowercase().replace('_', "-");
    let name = name.trim_matches('-');
    if name.is_empty() {
        "secret://<name>".to_string()
    } else {
        format!("secret://{name}")
    }
}

fn image_warning(image: &str) -> Option<Warning> {
    let image = image.trim();
    let (code, message) = match image_pin(image)? {
        ImagePin::Digest => return None,
        ImagePin::Tag(tag) if tag != "latest" => return None,
        ImagePin::Tag(_) => (
            "image_latest_tag",
            format!(
                "image {image} uses the moving tag `latest`, so a restart or rollback may run \
                 different code; pin a version tag or a digest (@sha256:…)"
            ),
        ),
        ImagePin::Untagged => (
            "image_untagged",
            format!(
                "image {image} has no tag, which means `latest`, so a restart or rollback may \
                 run different code; pin a version tag or a digest (@sha256:…)"
            ),
        ),
    };
    Some(warning(
        code,
        Severity::Warning,
        Some("image".into()),
        message,
    ))
}

/// What an image reference pins the running code to.
#[derive(Debug, PartialEq)]
enum ImagePin<'a> {
    Digest,
    Tag(&'a str),
    Untagged,
}

/// Reads `[registry[:port]/]path[:tag][@digest]`. The tag can only sit in the last path
/// segment, so the colon in `registry:5000/app` is the registry's port, not a tag.
/// `None` for an empty reference: nothing to judge.
fn image_pin(image: &str) -> Option<ImagePin<'_>> {
    if image.is_empty() {
        return None;
    }
    if image.contains('@') {
        return Some(ImagePin::Digest);
    }
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    Some(match last_segment.split_once(':') {
        Some((_, tag)) if !tag.is_empty() => ImagePin::Tag(tag),
        _ => ImagePin::Untagged,
    })
}

fn unknown_key_warnings(configs: &TypedConfigs) -> Vec<Warning> {
    configs
        .unknown_keys
        .iter()
        .map(|key| {
            let hint = closest_known_key(key)
                .map(|known| format!("did you mean `{known}`? "))
                .unwrap_or_default();
            warning(
                "unknown_config_key",
                Severity::Warning,
                Some(format!("configs.{key}")),
                format!(
                    "configs.{key} is not a known key and is ignored; {hint}known keys are: {}",
                    KNOWN_KEYS.join(", ")
                ),
            )
        })
        .collect()
}

/// The known key nearest to `key` (ignoring case), if within 2 edits: typos, not guesses.
fn closest_known_key(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    KNOWN_KEYS
        .iter()
        .map(|known| (edit_distance(&key, &known.to_ascii_lowercase()), *known))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Configs with nothing to warn about, to add one fault at a time.
    const CLEAN: &str = r#"{
        "port": 8080,
        "replicas": 2,
        "liveness": {"path": "/healthz"},
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"}
        }
    }"#;
    const IMAGE: Option<&str> = Some("ghcr.io/acme/app:1.4");

    /// `CLEAN` with top-level keys replaced or added (a JSON null removes a key).
    fn with(overrides: serde_json::Value) -> String {
        let mut configs: serde_json::Value = serde_json::from_str(CLEAN).unwrap();
        let obj = configs.as_object_mut().unwrap();
        for (key, value) in overrides.as_object().unwrap() {
            if value.is_null() {
                obj.remove(key);
            } else {
                obj.insert(key.clone(), value.clone());
            }
        }
        configs.to_string()
    }

    fn codes(warnings: &[Warning]) -> Vec<&str> {
        warnings.iter().map(|w| w.code.as_str()).collect()
    }

    fn only(configs: &str, image: Option<&str>) -> Warning {
        let warnings = analyze(configs, image);
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        warnings.into_iter().next().unwrap()
    }

    #[test]
    fn clean_configs_have_no_warnings() {
        assert_eq!(analyze(CLEAN, IMAGE), vec![]);
        assert_eq!(analyze(CLEAN, None), vec![]);
    }

    #[test]
    fn empty_configs_warn_in_stable_order() {
        let warnings = analyze("{}", Some("app"));
        assert_eq!(
            codes(&warnings),
            vec![
                "no_liveness_probe",
                "no_resource_requests",
                "no_resource_limits",
                "single_replica",
                "image_untagged"
            ]
        );
        assert!(warnings.iter().all(|w| w.severity == Severity::Warning));
    }

    #[test]
    fn full_order_with_every_kind_of_warning() {
        let configs = r#"{"replica": 3, "expose": [{"port": 80, "protocol": "http"}],
                          "envVars": {"API_KEY": "k"}}"#;
        assert_eq!(
            codes(&analyze(configs, Some("app:latest"))),
            vec![
                "no_liveness_probe",
                "no_resource_requests",
                "no_resource_limits",
                "single_replica",
                "expose_without_port",
                "literal_secret_env",
                "image_latest_tag",
                "unknown_config_key"
            ]
        );
    }

    #[test]
    fn malformed_json_is_one_invalid_configs_error() {
        let w = only("{not json", IMAGE);
        assert_eq!(w.code, "invalid_configs");
        assert_eq!(w.severity, Severity::Error);
        assert_eq!(w.field.as_deref(), Some("configs"));
        assert!(w.message.contains("not valid JSON"), "{}", w.message);
    }

    #[test]
    fn validation_error_is_one_invalid_configs_error_with_its_field() {
        let w = only(r#"{"port": 70000}"#, Some("app:latest"));
        assert_eq!(w.code, "invalid_configs");
        assert_eq!(w.severity, Severity::Error);
        assert_eq!(w.field.as_deref(), Some("configs.port"));
        assert_eq!(
            w.message,
            "configs.port must be an integer from 1 to 65535 (got 70000)"
        );
    }

    #[test]
    fn missing_liveness() {
        let w = only(&with(serde_json::json!({"liveness": null})), IMAGE);
        assert_eq!(w.code, "no_liveness_probe");
        assert_eq!(w.field.as_deref(), Some("configs.liveness"));
    }

    #[test]
    fn missing_requests_and_limits_name_what_is_missing() {
        let warnings = analyze(&with(serde_json::json!({"resources": null})), IMAGE);
        assert_eq!(
            codes(&warnings),
            vec!["no_resource_requests", "no_resource_limits"]
        );
        assert_eq!(
            warnings[0].field.as_deref(),
            Some("configs.resources.requests")
        );
        assert!(
            warnings[0].message.starts_with("no cpu or memory request"),
            "{}",
            warnings[0].message
        );
        assert!(
            warnings[0]
                .message
                .contains(r#"{"cpu": "100m", "memory": "128Mi"}"#)
        );
        assert_eq!(
            warnings[1].field.as_deref(),
            Some("configs.resources.limits")
        );
        assert!(
            warnings[1].message.starts_with("no cpu or memory limit"),
            "{}",
            warnings[1].message
        );
        assert!(
            warnings[1]
                .message
                .contains(r#"{"cpu": "500m", "memory": "256Mi"}"#)
        );
    }

    #[test]
    fn partly_missing_resources() {
        let configs = with(serde_json::json!({"resources": {
            "requests": {"cpu": "250m"},
            "limits": {"cpu": "1", "memory": "1Gi"}
        }}));
        let w = only(&configs, IMAGE);
        assert_eq!(w.code, "no_resource_requests");
        assert!(w.message.starts_with("no memory request"), "{}", w.message);
        // The suggestion mirrors the limit, so following it cannot break requests <= limits.
        assert!(w.message.contains(r#"{"memory": "1Gi"}"#), "{}", w.message);

        let configs = with(serde_json::json!({"resources": {
            "requests": {"cpu": "2", "memory": "64Mi"},
            "limits": {"memory": "64Mi"}
        }}));
        let w = only(&configs, IMAGE);
        assert_eq!(w.code, "no_resource_limits");
        assert!(w.message.starts_with("no cpu limit"), "{}", w.message);
        assert!(w.message.contains(r#"{"cpu": "2"}"#), "{}", w.message);
    }

    #[test]
    fn replica_counts() {
        let replicas =
            |n: serde_json::Value| analyze(&with(serde_json::json!({ "replicas": n })), IMAGE);
        let w = replicas(serde_json::Value::Null);
        assert_eq!(codes(&w), vec!["single_replica"]);
        assert_eq!(w[0].field.as_deref(), Some("configs.replicas"));
        assert!(
            w[0].message
                .starts_with("a single replica means downtime on every rollout and node failure")
        );
        assert_eq!(codes(&replicas(1.into())), vec!["single_replica"]);
        let w = replicas(0.into());
        assert_eq!(codes(&w), vec!["zero_replicas"]);
        assert_eq!(w[0].severity, Severity::Info);
        assert_eq!(replicas(2.into()), vec![]);
        assert_eq!(replicas(1000.into()), vec![]);
    }

    #[test]
    fn expose_needs_port() {
        let configs =
            with(serde_json::json!({"port": null, "expose": [{"port": 443, "protocol": "tcp"}]}));
        let w = only(&configs, IMAGE);
        assert_eq!(w.code, "expose_without_port");
        assert_eq!(w.severity, Severity::Error);
        assert_eq!(w.field.as_deref(), Some("configs.port"));
        // With a port, or with nothing exposed, all is well.
        assert_eq!(
            analyze(
                &with(serde_json::json!({"expose": [{"port": 443, "protocol": "tcp"}]})),
                IMAGE
            ),
            vec![]
        );
        assert_eq!(
            analyze(
                &with(serde_json::json!({"port": null, "expose": []})),
                IMAGE
            ),
            vec![]
        );
    }

    #[test]
    fn secret_looking_env_names() {
        for name in [
            "API_KEY",
            "DB_PASSWORD",
            "GITHUB_TOKEN",
            "SECRET",
            "client_secret",
            "AWS_SECRET_ACCESS_KEY",
            "STRIPE_APIKEY",
            "DB_PASSWD",
            "DB_PWD",
            "SSH_KEYS",
            "KEY",
            "tls_key_passphrase",
        ] {
            assert!(looks_like_secret(name), "{name} should look like a secret");
        }
        for name in [
            "KEYBOARD_LAYOUT",
            "MONKEY",
            "PWD",
            "TOKENIZER_MODEL",
            "LOG_LEVEL",
            "DB_URL",
            "HOTKEYS",
            "KEYSTONE_URL",
            "PASSWORDLESS",
        ] {
            assert!(
                !looks_like_secret(name),
                "{name} should not look like a secret"
            );
        }
    }

    #[test]
    fn literal_secret_env_warnings() {
        let configs = with(serde_json::json!({
            "envVars": {"DB_PASSWORD": "hunter2", "API_KEY": "abc", "EMPTY_TOKEN": "", "LOG_LEVEL": "debug"},
            "secretRefs": ["secret://db"]
        }));
        let warnings = analyze(&configs, IMAGE);
        assert_eq!(
            codes(&warnings),
            vec!["literal_secret_env", "literal_secret_env"]
        );
        // envVars are sorted by name.
        assert_eq!(
            warnings[0].field.as_deref(),
            Some("configs.envVars.API_KEY")
        );
        assert_eq!(
            warnings[1].field.as_deref(),
            Some("configs.envVars.DB_PASSWORD")
        );
        assert!(warnings.iter().all(|w| w.severity == Severity::Error));
        assert!(
            warnings[1].message.contains("secretRefs"),
            "{}",
            warnings[1].message
        );
        assert!(
            warnings[1].message.contains("secret://db-password"),
            "{}",
            warnings[1].message
        );
        assert!(
            !warnings[1].message.contains("hunter2"),
            "never echo the secret"
        );
    }

    #[test]
    fn suggested_secret_names() {
        assert_eq!(suggested_secret_ref("DB_PASSWORD"), "secret://db-password");
        assert_eq!(suggested_secret_ref("_API_KEY_"), "secret://api-key");
        assert_eq!(suggested_secret_ref("_"), "secret://<name>");
    }

    #[test]
    fn image_ref_parsing() {
        assert_eq!(image_pin("app"), Some(ImagePin::Untagged));
        assert_eq!(image_pin("app:"), Some(ImagePin::Untagged));
        assert_eq!(image_pin("registry:5000/app"), Some(ImagePin::Untagged));
        assert_eq!(
            image_pin("registry:5000/team/app:2.0"),
            Some(ImagePin::Tag("2.0"))
        );
        assert_eq!(
            image_pin("ghcr.io/acme/app:1.4"),
            Some(ImagePin::Tag("1.4"))
        );
        assert_eq!(image_pin("app:latest"), Some(ImagePin::Tag("latest")));
        assert_eq!(
            image_pin("localhost:5000/app:latest"),
            Some(ImagePin::Tag("latest"))
        );
        assert_eq!(image_pin("app@sha256:abcdef"), Some(ImagePin::Digest));
        assert_eq!(
            image_pin("app:latest@sha256:abcdef"),
            Some(ImagePin::Digest)
        );
        assert_eq!(
            image_pin("registry:5000/app@sha256:abcdef"),
            Some(ImagePin::Digest)
        );
        assert_eq!(image_pin(""), None);
    }

    #[test]
    fn image_warnings() {
        let image_codes = |image: &str| codes(&analyze(CLEAN, Some(image))).join(",");
        assert_eq!(image_codes("app:latest"), "image_latest_tag");
        assert_eq!(
            image_codes("docker.io/library/nginx:latest"),
            "image_latest_tag"
        );
        assert_eq!(image_codes("nginx"), "image_untagged");
        assert_eq!(image_codes("registry:5000/app"), "image_untagged");
        assert_eq!(image_codes("app@sha256:0123abcd"), "");
        assert_eq!(image_codes("ghcr.io/acme/app:1.4"), "");
        assert_eq!(image_codes("app:Latest"), "");
        assert_eq!(image_codes("   "), "");
        let w = only(CLEAN, Some("registry:5000/app"));
        assert_eq!(w.field.as_deref(), Some("image"));
        assert_eq!(w.severity, Severity::Warning);
        assert!(w.message.contains("registry:5000/app"), "{}", w.message);
    }

    #[test]
    fn unknown_keys_suggest_close_matches() {
        let configs = with(serde_json::json!({"replica": 3, "envvars": {}, "zzzzzz": 1}));
        let warnings = analyze(&configs, IMAGE);
        assert_eq!(codes(&warnings), vec!["unknown_config_key"; 3]);
        // unknown_keys are sorted.
        assert_eq!(warnings[0].field.as_deref(), Some("configs.envvars"));
        assert!(
            warnings[0].message.contains("did you mean `envVars`?"),
            "{}",
            warnings[0].message
        );
        assert_eq!(warnings[1].field.as_deref(), Some("configs.replica"));
        assert!(
            warnings[1].message.contains("did you mean `replicas`?"),
            "{}",
            warnings[1].message
        );
        assert_eq!(warnings[2].field.as_deref(), Some("configs.zzzzzz"));
        assert!(
            !warnings[2].message.contains("did you mean"),
            "{}",
            warnings[2].message
        );
        assert!(
            warnings[2].message.contains("port, replicas, liveness"),
            "{}",
            warnings[2].message
        );
    }

    #[test]
    fn closest_key_bounds() {
        assert_eq!(closest_known_key("prot"), Some("port"));
        assert_eq!(closest_known_key("root_path"), Some("rootPath"));
        assert_eq!(closest_known_key("secretRef"), Some("secretRefs"));
        assert_eq!(closest_known_key("ROOTPATH"), Some("rootPath"));
        assert_eq!(closest_known_key("lively"), None);
        assert_eq!(closest_known_key("image"), None);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("replica", "replicas"), 1);
        assert_eq!(edit_distance("port", "prot"), 2);
    }
}
