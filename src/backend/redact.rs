//! Redaction of secret-looking env var values (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`, `*_KEY`)
//! in configs, for readers who may see a deployment but not its secrets (viewer tokens), and
//! a log filter that keeps frame dumps (which print configs) out of the log.

use serde_json::Value;

use crate::backend::model::{Change, Deployment, Revision};

/// What a redacted value reads as.
pub const REDACTED: &str = "<redacted>";

/// Whether an env var's name says it holds a secret (case-insensitive).
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["PASSWORD", "SECRET", "TOKEN"]
        .iter()
        .any(|word| upper.contains(word))
        || upper.ends_with("_KEY")
}

/// A configs JSON string with the value of every secret-looking `envVars` entry replaced by
/// [`REDACTED`]. Configs without one come back unchanged, byte for byte; configs that are not
/// a JSON object (never written by the engine) are redacted whole.
pub fn redact_configs(configs: &str) -> String {
    let Ok(Value::Object(mut root)) = serde_json::from_str::<Value>(configs) else {
        return REDACTED.to_string();
    };
    let Some(Value::Object(env)) = root.get_mut("envVars") else {
        return configs.to_string();
    };
    let mut changed = false;
    for (name, value) in env.iter_mut() {
        if is_secret_name(name) && *value != Value::String(REDACTED.into()) {
            *value = Value::String(REDACTED.into());
            changed = true;
        }
    }
    if changed {
        Value::Object(root).to_string()
    } else {
        configs.to_string()
    }
}

/// Log targets that dump WebSocket frames, payload and all (the configs pushed on `/api/ws`),
/// at debug and trace level.
pub const FRAME_DUMPERS: [&str; 2] = ["tungstenite", "tokio_tungstenite"];

/// `filter` with [`FRAME_DUMPERS`] held at `info`, whatever level was asked for.
pub fn without_frame_dumps(
    mut filter: tracing_subscriber::EnvFilter,
) -> tracing_subscriber::EnvFilter {
    for target in FRAME_DUMPERS {
        if let Ok(directive) = format!("{target}=info").parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

impl Deployment {
    /// This deployment as a viewer may see it: secret env values redacted.
    pub fn redacted(mut self) -> Self {
        self.configs = redact_configs(&self.configs);
        self
    }
}

impl Revision {
    /// This revision as a viewer may see it: secret env values redacted.
    pub fn redacted(mut self) -> Self {
        self.configs = redact_configs(&self.configs);
        self
    }
}

impl Change {
    /// This change as a viewer may see it: the configs in a deployment frame redacted.
    pub fn redacted(self) -> Self {
        match self {
            Self::Deployment { data } => Self::Deployment {
                data: Box::new(data.redacted()),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_names_are_recognised_whatever_their_case() {
        for name in [
            "DB_PASSWORD",
            "password",
            "MySecret",
            "CLIENT_SECRET_ID",
            "GITHUB_TOKEN",
            "tokenizer",
            "API_KEY",
            "stripe_key",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["LOG_LEVEL", "KEYBOARD", "KEY", "MONKEY", "PORT", "PASS"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn only_secret_values_are_redacted() {
        let configs = json!({"port": 8080, "envVars": {
            "LOG_LEVEL": "info", "DB_PASSWORD": "hunter2", "Api_Key": "k-123", "AUTH_TOKEN": ""
        }, "secretRefs": ["secret://db-password"]})
        .to_string();
        let out: Value = serde_json::from_str(&redact_configs(&configs)).unwrap();
        assert_eq!(out["envVars"]["LOG_LEVEL"], "info");
        assert_eq!(out["envVars"]["DB_PASSWORD"], REDACTED);
        assert_eq!(out["envVars"]["Api_Key"], REDACTED);
        assert_eq!(out["envVars"]["AUTH_TOKEN"], REDACTED, "even an empty one");
        assert_eq!(out["port"], 8080);
        assert_eq!(
            out["secretRefs"][0], "secret://db-password",
            "refs are no secrets"
        );
        assert!(!redact_configs(&configs).contains("hunter2"));
    }

    #[test]
    fn configs_without_secrets_are_unchanged() {
        for configs in [
            r#"{"port":80}"#,
            r#"{"envVars":{"LOG_LEVEL":"debug"}}"#,
            r#"{"envVars":{"DB_PASSWORD":"<redacted>"}}"#,
            "{}",
        ] {
            assert_eq!(redact_configs(configs), configs);
        }
    }

    #[test]
    fn configs_that_are_not_an_object_are_redacted_whole() {
        for configs in ["not json", "[1]", r#""DB_PASSWORD=x""#] {
            assert_eq!(redact_configs(configs), REDACTED);
        }
    }

    #[test]
    fn frame_dumps_stay_out_of_the_log_at_every_level() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let filter = tracing_subscriber::EnvFilter::new("trace,tungstenite=trace");
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_env_filter(without_frame_dumps(filter))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "tungstenite::protocol::frame", "payload: 0x68756e74657232");
            tracing::debug!(target: "tokio_tungstenite::compat", "frame dump");
            tracing::info!(target: "tungstenite::protocol", "connection closed");
            tracing::trace!(target: "zopdeck::serve", "our own trace");
        });
        let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert!(
            !log.contains("payload") && !log.contains("frame dump"),
            "{log}"
        );
        assert!(
            log.contains("connection closed") && log.contains("our own trace"),
            "{log}"
        );
    }

    #[test]
    fn a_deployment_frame_is_redacted_other_frames_pass() {
        let deployment: Deployment = serde_json::from_value(json!({
            "id": "dep_1", "name": "shop", "orgId": "org_local", "envId": "env_1",
            "sourceType": "image", "spaceId": "spc_1", "namespace": "demo",
            "status": "active", "configs": r#"{"envVars":{"SECRET":"s3"}}"#,
            "createdAt": "2026-04-29T11:30:00Z", "updatedAt": "2026-04-29T11:30:00Z"
        }))
        .unwrap();
        let frame = Change::Deployment {
            data: Box::new(deployment),
        }
        .redacted();
        let Change::Deployment { data } = frame else {
            panic!("still a deployment frame")
        };
        assert_eq!(data.configs, r#"{"envVars":{"SECRET":"<redacted>"}}"#);
        let gone = Change::DeploymentDeleted {
            deployment_id: "dep_1".into(),
        };
        assert_eq!(gone.clone().redacted(), gone);
    }
}
