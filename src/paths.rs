//! Where zopdeck keeps its data and looks for its config (XDG on Linux, via `directories`).

use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "config.toml";
pub const LOG_FILE: &str = "zopdeck.log";

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("dev", "zopdeck", "zopdeck")
}

/// The data directory: `--data-dir`/`ZOPDECK_DATA_DIR`, else the platform's data dir.
pub fn data_dir(explicit: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    project()
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| {
            "cannot find a home directory for zopdeck's data; pass --data-dir DIR".to_string()
        })
}

/// The user config file: `--config`, else `config.toml` in the platform's config dir.
pub fn config_file(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| project().map(|p| p.config_dir().join(CONFIG_FILE)))
}
