//! API tokens of `zopdeck serve`: a name, a role, and the SHA-256 of the secret (the secret
//! itself is shown once, at creation, and never stored).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::backend::engine::clock::format_ts;
use crate::backend::engine::validate;
use crate::backend::error::Result;
use crate::backend::model::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Deployer,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Self::Viewer),
            "deployer" => Some(Self::Deployer),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Deployer => "deployer",
            Self::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub revoked: bool,
}

pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a token; returns its id and the secret (`zn_pat_…`), shown once.
pub fn create(c: &Connection, name: &str, role: Role, now: &Timestamp) -> Result<(String, String)> {
    let name = validate::required("name", Some(name))?;
    validate::free_text("name", name)?;
    let id = crate::backend::engine::ids::new_id("tok");
    let secret = format!(
        "zn_pat_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    c.execute(
        "INSERT INTO api_tokens (id, name, role, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, name, role.as_str(), hash(&secret), format_ts(now)],
    )?;
    Ok((id, secret))
}

/// The role of a live token with this secret.
pub fn role_of(c: &Connection, secret: &str) -> Result<Option<Role>> {
    let role: Option<String> = c
        .query_row(
            "SELECT role FROM api_tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
            [hash(secret)],
            |r| r.get(0),
        )
        .optional()?;
    Ok(role.as_deref().and_then(Role::parse))
}

pub fn list(c: &Connection) -> Result<Vec<TokenInfo>> {
    let mut st = c.prepare("SELECT id, name, role, created_at, revoked_at IS NOT NULL FROM api_tokens ORDER BY created_at")?;
    let rows = st.query_map([], |r| {
        let role: String = r.get(2)?;
        Ok(TokenInfo {
            id: r.get(0)?,
            name: r.get(1)?,
            role: Role::parse(&role).unwrap_or(Role::Viewer),
            created_at: r.get(3)?,
            revoked: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Revokes a token by id or name; false when none matched.
pub fn revoke(c: &Connection, id_or_name: &str, now: &Timestamp) -> Result<bool> {
    let n = c.execute(
        "UPDATE api_tokens SET revoked_at = ?2 WHERE (id = ?1 OR name = ?1) AND revoked_at IS NULL",
        params![id_or_name, format_ts(now)],
    )?;
    Ok(n > 0)
}

/// The stored answer to a POST sent with this Idempotency-Key, if any.
pub fn idempotent_answer(c: &Connection, key: &str) -> Result<Option<(u16, String)>> {
    Ok(c.query_row(
        "SELECT status, body FROM idempotency_keys WHERE key = ?1",
        [key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

pub fn remember_answer(
    c: &Connection,
    key: &str,
    status: u16,
    body: &str,
    now: &Timestamp,
) -> Result<()> {
    c.execute(
        "INSERT OR IGNORE INTO idempotency_keys (key, status, body, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![key, status, body, format_ts(now)],
    )?;
    Ok(())
}
