//! Immutable revisions and the append-only event log of each deployment.

use super::db;
use super::db::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value};

use super::{enum_col, ts};
use crate::backend::clock::format_ts;
use crate::backend::error::Result;
use crate::backend::model::ids;
use crate::backend::model::*;

// ---- revisions -------------------------------------------------------------------------

const REV_COLS: &str = "id, deployment_id, number, image, build_id, note, configs, trigger, rollback_of, status, created_at";

fn revision_row(r: &Row) -> db::Result<Revision> {
    Ok(Revision {
        id: r.get(0)?,
        deployment_id: r.get(1)?,
        number: r.get(2)?,
        image: r.get(3)?,
        build_id: r.get(4)?,
        note: r.get(5)?,
        configs: r.get(6)?,
        trigger: enum_col(r, 7, Trigger::parse)?,
        rollback_of: r.get(8)?,
        status: enum_col(r, 9, RevisionStatus::parse)?,
        created_at: ts(r, 10)?,
    })
}

/// The number the next revision of a deployment gets.
pub fn next_revision_number(c: &Connection, deployment_id: &str) -> Result<u32> {
    let max: Option<u32> = c.query_row(
        "SELECT MAX(number) FROM revisions WHERE deployment_id = ?1",
        [deployment_id],
        |r| r.get(0),
    )?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert_revision(
    c: &Connection,
    rev: &Revision,
    idempotency_key: Option<&str>,
) -> Result<()> {
    c.execute(
        &format!("INSERT INTO revisions ({REV_COLS}, idempotency_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        params![
            rev.id,
            rev.deployment_id,
            rev.number,
            rev.image,
            rev.build_id,
            rev.note,
            rev.configs,
            rev.trigger.as_str(),
            rev.rollback_of,
            rev.status.as_str(),
            format_ts(&rev.created_at),
            idempotency_key,
        ],
    )?;
    Ok(())
}

pub fn revision_by_key(c: &Connection, deployment_id: &str, key: &str) -> Result<Option<Revision>> {
    Ok(c.query_row(
        &format!(
            "SELECT {REV_COLS} FROM revisions WHERE deployment_id = ?1 AND idempotency_key = ?2"
        ),
        [deployment_id, key],
        revision_row,
    )
    .optional()?)
}

pub fn list_revisions(c: &Connection, deployment_id: &str) -> Result<Vec<Revision>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {REV_COLS} FROM revisions WHERE deployment_id = ?1 ORDER BY number DESC"
    ))?;
    let rows = st.query_map([deployment_id], revision_row)?;
    Ok(rows.collect::<db::Result<_>>()?)
}

/// The deployment's newest revision.
pub fn newest_revision(c: &Connection, deployment_id: &str) -> Result<Option<Revision>> {
    Ok(c.query_row(
        &format!(
            "SELECT {REV_COLS} FROM revisions WHERE deployment_id = ?1 ORDER BY number DESC LIMIT 1"
        ),
        [deployment_id],
        revision_row,
    )
    .optional()?)
}

pub fn get_revision(c: &Connection, id: &str) -> Result<Option<Revision>> {
    Ok(c.query_row(
        &format!("SELECT {REV_COLS} FROM revisions WHERE id = ?1"),
        [id],
        revision_row,
    )
    .optional()?)
}

pub fn latest_revision_number(c: &Connection, deployment_id: &str) -> Result<u32> {
    Ok(next_revision_number(c, deployment_id)? - 1)
}

pub fn set_revision_status(c: &Connection, id: &str, status: RevisionStatus) -> Result<()> {
    c.execute(
        "UPDATE revisions SET status = ?2 WHERE id = ?1",
        params![id, status.as_str()],
    )?;
    Ok(())
}

/// Records the image a build produced (a revision's image is set once, never changed).
pub fn set_revision_image(c: &Connection, id: &str, image: &str) -> Result<()> {
    c.execute(
        "UPDATE revisions SET image = COALESCE(image, ?2) WHERE id = ?1",
        params![id, image],
    )?;
    Ok(())
}

/// Marks every other active revision of the deployment as superseded.
pub fn supersede_others(c: &Connection, deployment_id: &str, active_id: &str) -> Result<()> {
    c.execute(
        "UPDATE revisions SET status = 'superseded'
         WHERE deployment_id = ?1 AND id <> ?2 AND status = 'active'",
        params![deployment_id, active_id],
    )?;
    Ok(())
}

// ---- events ----------------------------------------------------------------------------

/// The stored form of a dedupe key: a stable 64-bit hash (UUID v5), which keeps the unique
/// index small — every append writes to it.
fn dedupe_hash(key: &str) -> i64 {
    let (hi, _) = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes()).as_u64_pair();
    hi as i64
}

/// An event to append. `dedupe_key` makes the append idempotent: a worker that resumes a job
/// after a crash re-runs its stages without writing the same event twice.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub deployment_id: String,
    pub revision_id: Option<String>,
    pub stage: Stage,
    pub status: EventStatus,
    pub meta: Map<String, Value>,
    pub dedupe_key: Option<String>,
}

/// Appends an event; `None` when an event with the same dedupe key already exists.
pub fn append_event(c: &Connection, ev: &NewEvent, now: &Timestamp) -> Result<Option<Event>> {
    let meta = Value::Object(ev.meta.clone()).to_string();
    let seq: Option<i64> = c
        .query_row(
            "INSERT INTO events (deployment_id, revision_id, stage, status, meta, dedupe_key, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING RETURNING seq",
            params![
                ev.deployment_id,
                ev.revision_id,
                ev.stage.as_str(),
                ev.status.as_str(),
                meta,
                ev.dedupe_key.as_deref().map(dedupe_hash),
                format_ts(now)
            ],
            |r| r.get(0),
        )
        .optional()?;
    let Some(seq) = seq else {
        return Ok(None);
    };
    Ok(Some(Event {
        id: ids::event_id(seq),
        stage: ev.stage,
        status: ev.status,
        meta: ev.meta.clone(),
        revision_id: ev.revision_id.clone(),
        created_at: *now,
    }))
}

fn event_row(r: &Row) -> db::Result<Event> {
    let meta: String = r.get(4)?;
    let meta = match serde_json::from_str::<Value>(&meta) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    Ok(Event {
        id: ids::event_id(r.get(0)?),
        revision_id: r.get(1)?,
        stage: enum_col(r, 2, Stage::parse)?,
        status: enum_col(r, 3, EventStatus::parse)?,
        meta,
        created_at: ts(r, 5)?,
    })
}

/// A deployment's events in order, only those after `after_seq` when given.
pub fn list_events(
    c: &Connection,
    deployment_id: &str,
    after_seq: Option<i64>,
) -> Result<Vec<Event>> {
    let mut st = c.prepare_cached(
        "SELECT seq, revision_id, stage, status, meta, created_at FROM events
         WHERE deployment_id = ?1 AND seq > ?2 ORDER BY seq",
    )?;
    let rows = st.query_map(params![deployment_id, after_seq.unwrap_or(0)], event_row)?;
    Ok(rows.collect::<db::Result<_>>()?)
}

/// Whether the journal holds this event already — how a resumed job knows a stage is done.
pub fn has_event(c: &Connection, deployment_id: &str, dedupe_key: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM events WHERE deployment_id = ?1 AND dedupe_key = ?2",
        params![deployment_id, dedupe_hash(dedupe_key)],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// The meta of the event with this dedupe key.
pub fn event_meta(
    c: &Connection,
    deployment_id: &str,
    dedupe_key: &str,
) -> Result<Option<Map<String, Value>>> {
    let meta: Option<String> = c
        .query_row(
            "SELECT meta FROM events WHERE deployment_id = ?1 AND dedupe_key = ?2",
            params![deployment_id, dedupe_hash(dedupe_key)],
            |r| r.get(0),
        )
        .optional()?;
    Ok(meta.and_then(|m| match serde_json::from_str(&m) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }))
}
