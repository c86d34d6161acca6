//! API tokens for remote backends: `ZOPNIGHT_TOKEN`, else the credentials file that
//! `zopdeck login` writes (mode 0600 in the config dir, one token per API URL). Tokens are
//! never logged or shown.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE: &str = "credentials.json";
pub const ENV: &str = "ZOPNIGHT_TOKEN";

pub fn path() -> Option<PathBuf> {
    directories::ProjectDirs::from("dev", "zopdeck", "zopdeck").map(|p| p.config_dir().join(FILE))
}

fn read(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// The token for an API URL, from the environment or the credentials file.
pub fn token_for(api_url: &str) -> Result<String, String> {
    if let Ok(t) = std::env::var(ENV)
        && !t.trim().is_empty()
    {
        return Ok(t.trim().to_string());
    }
    let file = path().ok_or("no config directory for the credentials file")?;
    read(&file)
        .get(api_url.trim_end_matches('/'))
        .cloned()
        .ok_or_else(|| {
            format!("no token for {api_url}: run `zopdeck login --api-url {api_url}` or set {ENV}")
        })
}

/// Stores a token for an API URL, readable by the user only.
pub fn store(api_url: &str, token: &str) -> Result<PathBuf, String> {
    let file = path().ok_or("no config directory for the credentials file")?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut all = read(&file);
    all.insert(api_url.trim_end_matches('/').to_string(), token.to_string());
    write_all(&file, &all)?;
    Ok(file)
}

/// Forgets the token of an API URL; whether there was one.
pub fn forget(api_url: &str) -> Result<bool, String> {
    let Some(file) = path().filter(|f| f.exists()) else {
        return Ok(false);
    };
    let mut all = read(&file);
    if all.remove(api_url.trim_end_matches('/')).is_none() {
        return Ok(false);
    }
    write_all(&file, &all)?;
    Ok(true)
}

fn write_all(file: &Path, all: &BTreeMap<String, String>) -> Result<(), String> {
    let text = serde_json::to_string_pretty(all).map_err(|e| e.to_string())?;
    let tmp = file.with_extension("json.tmp");
    crate::private_files::write(&tmp, &text)
        .and_then(|()| std::fs::rename(&tmp, file))
        .map_err(|e| format!("cannot save {}: {e}", file.display()))
}
