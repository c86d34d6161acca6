//! Configuration: `config/default.toml` is embedded and the user's file is merged over it,
//! key by key, so a user file only needs the keys it changes.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::backend::runtime::sandbox::SandboxSettings;

pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub api_url: Option<String>,
    pub read_only: bool,
    pub engine: EngineConfig,
    pub builder: BuilderConfig,
    pub remote: RemoteConfig,
    pub sandbox: SandboxConfig,
    pub store: StoreConfig,
    /// Action name → keys (see `[keys]` in config/default.toml).
    #[serde(default)]
    pub keys: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub theme: ThemeConfig,
}

/// `[theme]`: a built-in theme by name, with any role recoloured in `[theme.colors]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeConfig {
    #[serde(default = "default_theme")]
    pub name: String,
    #[serde(default)]
    pub colors: std::collections::BTreeMap<String, String>,
}

fn default_theme() -> String {
    "dark".into()
}

impl Default for ThemeConfig {
    fn default() -> Self {
        Self {
            name: default_theme(),
            colors: Default::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    pub workers: usize,
    pub concurrent_rollouts: usize,
    pub lease_seconds: u64,
    pub max_attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuilderConfig {
    pub command: String,
    pub timeout_seconds: u64,
}

/// `[store]`: where the embedded engine keeps its data.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// A PostgreSQL URL; empty: the data directory's SQLite file.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteConfig {
    pub websocket: bool,
    pub poll_interval_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandboxConfig {
    pub speed: f64,
    pub capacity_replicas: u32,
    pub progress_deadline_seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config {origin}: {message}")]
    Invalid { origin: String, message: String },
}

impl Config {
    /// The embedded defaults merged with `user_file` when it exists.
    /// A missing default-location file is fine; a missing `--config` file is an error.
    pub fn load(user_file: Option<&Path>, must_exist: bool) -> Result<Self, ConfigError> {
        let mut merged = parse_toml(DEFAULT_TOML, Path::new("config/default.toml"))?;
        let mut origin = "config/default.toml (embedded)".to_string();
        if let Some(path) = user_file {
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    merge(&mut merged, parse_toml(&text, path)?);
                    origin = path.display().to_string();
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {}
                Err(source) => {
                    return Err(ConfigError::Read {
                        path: path.to_path_buf(),
                        source,
                    });
                }
            }
        }
        // Through text, so that an error quotes the offending key and value.
        let merged_text = toml::to_string(&merged).unwrap_or_default();
        let config: Config =
            toml::from_str(&merged_text).map_err(|e: toml::de::Error| ConfigError::Invalid {
                origin: origin.clone(),
                message: e.to_string().trim().to_string(),
            })?;
        config
            .validate()
            .map_err(|message| ConfigError::Invalid { origin, message })?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        if !(self.sandbox.speed.is_finite() && self.sandbox.speed > 0.0) {
            return Err(format!(
                "sandbox.speed must be a positive number (got {})",
                self.sandbox.speed
            ));
        }
        if !(1..=64).contains(&self.engine.workers) {
            return Err(format!(
                "engine.workers must be from 1 to 64 (got {})",
                self.engine.workers
            ));
        }
        if !(1..=100_000).contains(&self.engine.concurrent_rollouts) {
            return Err(format!(
                "engine.concurrent_rollouts must be from 1 to 100000 (got {})",
                self.engine.concurrent_rollouts
            ));
        }
        if !(1..=3600).contains(&self.remote.poll_interval_seconds) {
            return Err(format!(
                "remote.poll_interval_seconds must be from 1 to 3600 (got {})",
                self.remote.poll_interval_seconds
            ));
        }
        if self.engine.lease_seconds < 2 {
            return Err("engine.lease_seconds must be at least 2".into());
        }
        crate::views::theme::Theme::with_colors(&self.theme.name, &self.theme.colors)?;
        Ok(())
    }

    /// Sandbox behaviour, with `ZOPDECK_SANDBOX_SPEED` taking precedence over the file.
    pub fn sandbox_settings(&self, speed_override: Option<f64>) -> SandboxSettings {
        SandboxSettings {
            speed: speed_override
                .filter(|s| s.is_finite() && *s > 0.0)
                .unwrap_or(self.sandbox.speed),
            capacity_replicas: self.sandbox.capacity_replicas,
            progress_deadline_secs: self.sandbox.progress_deadline_seconds,
            ..SandboxSettings::default()
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        // The embedded file is part of the binary and covered by tests; fall back to a value
        // built in code only to stay panic-free.
        Self::load(None, false).unwrap_or(Config {
            api_url: None,
            read_only: false,
            engine: EngineConfig {
                workers: 4,
                concurrent_rollouts: 512,
                lease_seconds: 30,
                max_attempts: 5,
            },
            builder: BuilderConfig {
                command: String::new(),
                timeout_seconds: 1800,
            },
            remote: RemoteConfig {
                websocket: true,
                poll_interval_seconds: 5,
            },
            sandbox: SandboxConfig {
                speed: 1.0,
                capacity_replicas: 24,
                progress_deadline_seconds: 120.0,
            },
            store: StoreConfig { url: String::new() },
            keys: Default::default(),
            theme: ThemeConfig::default(),
        })
    }
}

fn parse_toml(text: &str, path: &Path) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>().map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })
}

/// Deep merge: tables merge key by key, anything else in `over` replaces `base`.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_load() {
        let c = Config::load(None, false).unwrap();
        assert_eq!(c.engine.workers, 4);
        assert!(!c.read_only);
        assert_eq!(c.builder.command, "");
    }

    #[test]
    fn user_file_overrides_only_its_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "read_only = true\n[sandbox]\nspeed = 4.0\n").unwrap();
        let c = Config::load(Some(&p), true).unwrap();
        assert!(c.read_only);
        assert_eq!(c.sandbox.speed, 4.0);
        assert_eq!(c.sandbox.capacity_replicas, 24);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "[sandbox\n").unwrap();
        assert!(matches!(
            Config::load(Some(&p), true),
            Err(ConfigError::Parse { .. })
        ));
        std::fs::write(&p, "[sandbox]\nspeed = -1.0\n").unwrap();
        let e = Config::load(Some(&p), true).unwrap_err().to_string();
        assert!(e.contains("sandbox.speed"), "{e}");
        std::fs::write(&p, "colour = 1\n").unwrap();
        let e = Config::load(Some(&p), true).unwrap_err().to_string();
        assert!(e.contains("colour"), "{e}");
        assert!(Config::load(Some(&dir.path().join("missing.toml")), true).is_err());
        assert!(Config::load(Some(&dir.path().join("missing.toml")), false).is_ok());
    }
}
