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
/// existing one is made so when it is empty or holds zopdeck's store — never a shared,
/// sticky one like /tmp, nor one with other things in it (a `--data-dir` may point anywhere).
pub fn prepare_data_dir(dir: &Path) -> std::io::Result<()> {
    if !dir.exists() {
        return crate::private_files::create_dir(dir);
    }
    let ours = dir.join(crate::backend::engine::STORE_FILE).exists()
        || std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
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

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn with_mode(p: &Path, mode: u32) -> &Path {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn only_zopdecks_own_data_dirs_are_made_private() {
        let root = tempfile::tempdir().unwrap();
        let missing = root.path().join("new/data");
        prepare_data_dir(&missing).unwrap();
        assert_eq!(mode(&missing), 0o700);

        let empty = root.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        prepare_data_dir(with_mode(&empty, 0o755)).unwrap();
        assert_eq!(mode(&empty), 0o700);

        let store = root.path().join("store");
        std::fs::create_dir(&store).unwrap();
        std::fs::write(store.join(crate::backend::engine::STORE_FILE), "").unwrap();
        prepare_data_dir(with_mode(&store, 0o755)).unwrap();
        assert_eq!(mode(&store), 0o700);

        let shared = root.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::write(shared.join("notes.txt"), "mine").unwrap();
        prepare_data_dir(with_mode(&shared, 0o755)).unwrap();
        assert_eq!(
            mode(&shared),
            0o755,
            "a directory with other things is left alone"
        );

        let sticky = root.path().join("tmp");
        std::fs::create_dir(&sticky).unwrap();
        prepare_data_dir(with_mode(&sticky, 0o1777)).unwrap();
        assert_eq!(
            mode(&sticky),
            0o1777,
            "a shared /tmp-like directory is left alone"
        );
    }
}
