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

/// Makes the data directory ready: created readable by its owner only when missing; an
/// existing one that holds zopdeck's files is made so (never a shared, sticky one like /tmp,
/// and never one zopdeck did not fill — a `--data-dir` may point anywhere).
pub fn prepare_data_dir(dir: &Path) -> std::io::Result<()> {
    if !dir.exists() {
        return crate::private_files::create_dir(dir);
    }
    let ours = [crate::backend::engine::STORE_FILE, LOG_FILE]
        .iter()
        .any(|f| dir.join(f).exists());
    if ours && !is_sticky(dir) {
        // A read-only data dir cannot be changed either; reading it still works.
        if let Err(e) = crate::private_files::restrict(dir, crate::private_files::DIR_MODE) {
            tracing::debug!("cannot make {} private: {e}", dir.display());
        }
    }
    Ok(())
}

#[cfg(unix)]
fn is_sticky(dir: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o1000 != 0)
}

#[cfg(not(unix))]
fn is_sticky(_dir: &Path) -> bool {
    false
}
