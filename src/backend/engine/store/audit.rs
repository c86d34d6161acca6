//! The audit log of `zopdeck serve`: one row per changing request of a known token — when,
//! who (the token's name and role), what (method, route pattern, the ids it named) and the
//! answer's status. Never a body, never a secret.

use super::db;
use super::db::{Connection, params};

use super::ts;
use crate::backend::clock::format_ts;
use crate::backend::error::Result;
use crate::backend::model::{AuditEntry, AuditFilter, Timestamp};

/// A request to record (the id and time are the store's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub token_name: String,
    pub role: String,
    pub method: String,
    pub route: String,
    pub target: Option<String>,
    pub deployment_id: Option<String>,
    pub status: u16,
}

pub fn record(c: &Connection, e: &NewAuditEntry, at: &Timestamp) -> Result<()> {
    c.execute(
        "INSERT INTO audit_log (at, token_name, role, method, route, target, deployment_id, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            format_ts(at),
            e.token_name,
            e.role,
            e.method,
            e.route,
            e.target,
            e.deployment_id,
            e.status
        ],
    )?;
    Ok(())
}

/// The entries `filter` asks for, newest first.
pub fn list(c: &Connection, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let mut st = c.prepare_cached(
        "SELECT seq, at, token_name, role, method, route, target, deployment_id, status
         FROM audit_log
         WHERE (CAST(?1 AS TEXT) IS NULL OR deployment_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR token_name = ?2)
           AND (CAST(?3 AS TEXT) IS NULL OR at >= ?3)
         ORDER BY seq DESC",
    )?;
    let since = filter.since.as_ref().map(format_ts);
    let rows = st.query_map(params![filter.deployment_id, filter.token, since], |r| {
        Ok(AuditEntry {
            id: format!("aud_{}", r.get::<_, i64>(0)?),
            at: ts(r, 1)?,
            token_name: r.get(2)?,
            role: r.get(3)?,
            method: r.get(4)?,
            route: r.get(5)?,
            target: r.get(6)?,
            deployment_id: r.get(7)?,
            status: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<db::Result<_>>()?)
}
