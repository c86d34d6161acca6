//! Canvas positions not yet saved by the backend, kept on disk so that quitting or a crash
//! loses none: the next start sends them. One small JSON file, replaced atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::backend::model::CanvasPosition;

pub const OUTBOX_FILE: &str = "pending-positions.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct OutboxFile {
    /// Backend the positions belong to ("embedded:DIR" or the API URL).
    #[serde(default)]
    backend: String,
    positions: BTreeMap<String, CanvasPosition>,
}

#[derive(Debug, Clone)]
pub struct Outbox {
    path: PathBuf,
    backend: String,
}

impl Outbox {
    pub fn new(dir: &Path, backend: &str) -> Self {
        Self {
            path: dir.join(OUTBOX_FILE),
            backend: backend.to_string(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pending positions left by an earlier run (of the same backend). A damaged file is
    /// moved aside, not silently dropped, and reported.
    pub fn load(&self) -> Result<BTreeMap<String, CanvasPosition>, String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        match serde_json::from_str::<OutboxFile>(&text) {
            Ok(f) if f.backend == self.backend => Ok(f
                .positions
                .into_iter()
                .filter(|(_, p)| p.is_valid())
                .collect()),
            Ok(_) => Ok(BTreeMap::new()),
            Err(e) => {
                let aside = self.path.with_extension("json.damaged");
                let _ = std::fs::rename(&self.path, &aside);
                Err(format!(
                    "the pending-positions file was damaged ({e}); it was moved to {}",
                    aside.display()
                ))
            }
        }
    }

    /// Writes the pending positions (removing the file when there are none).
    pub fn save(&self, positions: &BTreeMap<String, CanvasPosition>) -> Result<(), String> {
        if positions.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(format!("cannot remove {}: {e}", self.path.display()))
                }
                _ => Ok(()),
            };
        }
        let file = OutboxFile {
            backend: self.backend.clone(),
            positions: positions.clone(),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
        if let Some(dir) = self.path.parent() {
            crate::private_files::create_dir(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let tmp = self.path.with_extension("json.tmp");
        crate::private_files::write(&tmp, &text)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| {
                format!(
                    "cannot save pending positions to {}: {e}",
                    self.path.display()
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_empty_removes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path(), "embedded");
        assert!(outbox.load().unwrap().is_empty());
        let mut m = BTreeMap::new();
        m.insert("dep_1".to_string(), CanvasPosition { x: 8.0, y: 16.0 });
        outbox.save(&m).unwrap();
        assert_eq!(outbox.load().unwrap(), m);
        assert!(
            Outbox::new(dir.path(), "remote").load().unwrap().is_empty(),
            "other backend's file is not ours"
        );
        outbox.save(&BTreeMap::new()).unwrap();
        assert!(!outbox.path().exists());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path(), "embedded");
        let mut m = BTreeMap::new();
        m.insert("dep_1".to_string(), CanvasPosition { x: 8.0, y: 16.0 });
        outbox.save(&m).unwrap();
        let mode = std::fs::metadata(outbox.path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    #[test]
    fn a_damaged_file_is_moved_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path(), "embedded");
        std::fs::write(outbox.path(), "{not json").unwrap();
        let e = outbox.load().unwrap_err();
        assert!(e.contains("damaged"), "{e}");
        assert!(dir.path().join("pending-positions.json.damaged").exists());
        assert!(outbox.load().unwrap().is_empty());
    }
}
