//! API tokens of `zopdeck serve`: a name, a role, and the SHA-256 of the secret (the secret
//! itself is shown once, at creation, and never stored).

use super::db;
use super::db::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::backend::clock::format_ts;
use crate::backend::error::Result;
use crate::backend::model::Timestamp;
use crate::backend::model::validate;

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
    let id = crate::backend::model::ids::new_id("tok");
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

/// Who a request comes from: the live token with its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bearer {
    pub name: String,
    pub role: Role,
}

/// The live token with this secret.
pub fn bearer_of(c: &Connection, secret: &str) -> Result<Option<Bearer>> {
    let row: Option<(String, String)> = c
        .query_row(
            "SELECT name, role FROM api_tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
            [hash(secret)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(name, role)| Role::parse(&role).map(|role| Bearer { name, role })))
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
    Ok(rows.collect::<db::Result<_>>()?)
}

/// Revokes a token by id or name; false when none matched.
pub fn revoke(c: &Connection, id_or_name: &str, now: &Timestamp) -> Result<bool> {
    let n = c.execute(
        "UPDATE api_tokens SET revoked_at = ?2 WHERE (id = ?1 OR name = ?1) AND revoked_at IS NULL",
        params![id_or_name, format_ts(now)],
    )?;
    Ok(n > 0)
}

/// Where an `Idempotency-Key` stands when a request comes with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// Reserved for this request just now: run it, then `remember_answer` (or `release_key`).
    Reserved,
    /// Another copy of the request is running under this key: wait for its answer.
    Pending,
    /// Answered before: replay this.
    Answered { status: u16, body: String },
    /// The key was used with another request body.
    Reused,
}

/// How long a reservation may stay pending before it counts as abandoned: well past the
/// longest request (requests and statements time out after 30 s).
pub const STALE_RESERVATION: std::time::Duration = std::time::Duration::from_secs(120);

/// Reserves the key for a request with this fingerprint, or says why not — atomically, so
/// of many copies racing exactly one runs.
pub fn reserve_key(
    c: &Connection,
    key: &str,
    request_hash: &str,
    now: &Timestamp,
) -> Result<KeyState> {
    let inserted = c.execute(
        "INSERT INTO idempotency_keys (key, status, body, created_at, request_hash, state)
         VALUES (?1, 0, '', ?2, ?3, 'pending') ON CONFLICT DO NOTHING",
        params![key, format_ts(now), request_hash],
    )?;
    if inserted > 0 {
        return Ok(KeyState::Reserved);
    }
    let (status, body, hash, state): (u16, String, Option<String>, String) = c.query_row(
        "SELECT status, body, request_hash, state FROM idempotency_keys WHERE key = ?1",
        [key],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    // Answers recorded before fingerprints existed replay whatever the body.
    if hash.as_deref().is_some_and(|h| h != request_hash) {
        return Ok(KeyState::Reused);
    }
    if state == "pending" {
        // A reservation older than any request may run belongs to a server that died
        // holding it (a replica killed mid-request): this copy runs in its stead.
        let stale =
            format_ts(&(*now - chrono::Duration::from_std(STALE_RESERVATION).unwrap_or_default()));
        let taken = c.execute(
            "UPDATE idempotency_keys SET created_at = ?2 WHERE key = ?1 AND state = 'pending'
             AND created_at < ?3",
            params![key, format_ts(now), stale],
        )?;
        return Ok(if taken > 0 {
            KeyState::Reserved
        } else {
            KeyState::Pending
        });
    }
    Ok(KeyState::Answered { status, body })
}

/// Records the answer of the request that holds the key's reservation.
pub fn remember_answer(c: &Connection, key: &str, status: u16, body: &str) -> Result<()> {
    c.execute(
        "UPDATE idempotency_keys SET status = ?2, body = ?3, state = 'done'
         WHERE key = ?1 AND state = 'pending'",
        params![key, status, body],
    )?;
    Ok(())
}

/// Gives a reservation up unanswered (the request failed on the server's side, or its client
/// went away): the next copy runs the request again.
pub fn release_key(c: &Connection, key: &str) -> Result<()> {
    c.execute(
        "DELETE FROM idempotency_keys WHERE key = ?1 AND state = 'pending'",
        [key],
    )?;
    Ok(())
}

/// Drops every reservation still pending: called by the one process that serves a data dir
/// when it starts, as they belong to requests of a process that died.
pub fn release_pending_keys(c: &Connection) -> Result<usize> {
    Ok(c.execute("DELETE FROM idempotency_keys WHERE state = 'pending'", [])?)
}
