//! The job queue: one job carries one revision of a deployment through its stages.
//! Workers hold a lease; a job whose lease ran out (its worker died) is claimed again.

use super::db::{Connection, OptionalExtension, params};

use crate::backend::clock::format_ts;
use crate::backend::error::Result;
use crate::backend::model::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Carries one revision through its stages.
    Rollout,
    /// Uninstalls the release and deletes the deployment.
    Teardown,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rollout => "rollout",
            Self::Teardown => "teardown",
        }
    }
    fn parse(s: &str) -> Self {
        if s == "teardown" {
            Self::Teardown
        } else {
            Self::Rollout
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub deployment_id: String,
    pub revision_id: String,
    /// Times the job was claimed (a lease taken over after a crash counts here).
    pub attempts: u32,
    /// Attempts that ended in the job's own error — what gives a job up, not its claims.
    pub failures: u32,
}

/// Queues the rollout of a revision.
pub fn enqueue(
    c: &Connection,
    deployment_id: &str,
    revision_id: &str,
    now: &Timestamp,
) -> Result<i64> {
    enqueue_kind(c, deployment_id, revision_id, JobKind::Rollout, now)
}

pub fn enqueue_kind(
    c: &Connection,
    deployment_id: &str,
    revision_id: &str,
    kind: JobKind,
    now: &Timestamp,
) -> Result<i64> {
    let now = format_ts(now);
    Ok(c.query_row(
        "INSERT INTO jobs (deployment_id, revision_id, kind, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'queued', ?4, ?4) RETURNING id",
        params![deployment_id, revision_id, kind.as_str(), now],
        |r| r.get(0),
    )?)
}

/// Whether any job of the deployment is queued or running.
pub fn has_open_job(c: &Connection, deployment_id: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM jobs WHERE deployment_id = ?1 AND state IN ('queued', 'running') LIMIT 1",
        [deployment_id],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// Whether a teardown of the deployment is queued or running.
pub fn has_open_teardown(c: &Connection, deployment_id: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT 1 FROM jobs WHERE deployment_id = ?1 AND kind = 'teardown'
           AND state IN ('queued', 'running') LIMIT 1",
        [deployment_id],
        |_| Ok(()),
    )
    .optional()?
    .is_some())
}

/// Claims the oldest runnable job: queued, or running with an expired lease — and only if no
/// other job of the same deployment holds a live lease (a deployment rolls out one at a time).
pub fn claim(
    c: &Connection,
    owner: &str,
    now_ms: i64,
    lease_ms: i64,
    now: &Timestamp,
) -> Result<Option<Job>> {
    const CLAIMABLE: &str =
        "SELECT j.id, j.kind, j.deployment_id, j.revision_id, j.attempts, j.failures FROM jobs j
             WHERE (j.state = 'queued' OR (j.state = 'running' AND j.lease_expires_at < ?1))
               AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.deployment_id = j.deployment_id
                    AND o.id <> j.id AND o.state = 'running' AND o.lease_expires_at >= ?1)
             ORDER BY j.id LIMIT 1";
    // On PostgreSQL, replicas claim side by side: a row another holds is passed over.
    let sql = if c.is_pg() {
        format!("{CLAIMABLE} FOR UPDATE OF j SKIP LOCKED")
    } else {
        CLAIMABLE.to_string()
    };
    let job = c
        .query_row(&sql, [now_ms], |r| {
            Ok(Job {
                id: r.get(0)?,
                kind: JobKind::parse(&r.get::<_, String>(1)?),
                deployment_id: r.get(2)?,
                revision_id: r.get(3)?,
                attempts: r.get(4)?,
                failures: r.get(5)?,
            })
        })
        .optional()?;
    let Some(mut job) = job else { return Ok(None) };
    job.attempts += 1;
    c.execute(
        "UPDATE jobs SET state = 'running', lease_owner = ?2, lease_expires_at = ?3,
                attempts = ?4, updated_at = ?5 WHERE id = ?1",
        params![
            job.id,
            owner,
            now_ms + lease_ms,
            job.attempts,
            format_ts(now)
        ],
    )?;
    Ok(Some(job))
}

/// Extends a lease; false if the job is no longer ours (it was finished or re-claimed).
pub fn renew(c: &Connection, job_id: i64, owner: &str, expires_ms: i64) -> Result<bool> {
    let n = c.execute(
        "UPDATE jobs SET lease_expires_at = ?3 WHERE id = ?1 AND lease_owner = ?2 AND state = 'running'",
        params![job_id, owner, expires_ms],
    )?;
    Ok(n > 0)
}

/// Records how a job ended — only while it still runs under this owner's lease: a job
/// cancelled meanwhile (a teardown) stays cancelled, one taken over stays the other's.
pub fn finish(
    c: &Connection,
    job_id: i64,
    owner: &str,
    state: JobState,
    error: Option<&str>,
    now: &Timestamp,
) -> Result<bool> {
    let n = c.execute(
        "UPDATE jobs SET state = ?3, last_error = ?4, lease_owner = NULL, lease_expires_at = NULL,
                updated_at = ?5 WHERE id = ?1 AND lease_owner = ?2 AND state = 'running'",
        params![job_id, owner, state.as_str(), error, format_ts(now)],
    )?;
    Ok(n > 0)
}

/// Cancels the open jobs of a deployment (it is being torn down).
pub fn cancel_for_deployment(
    c: &Connection,
    deployment_id: &str,
    now: &Timestamp,
) -> Result<usize> {
    Ok(c.execute(
        "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?2
         WHERE deployment_id = ?1 AND state IN ('queued', 'running')",
        params![deployment_id, format_ts(now)],
    )?)
}

/// Expires every running lease. Called by the one process that holds the data dir's engine
/// lock at start-up: any lease still "running" belongs to a worker that died with its process.
pub fn expire_all_leases(c: &Connection) -> Result<usize> {
    Ok(c.execute(
        "UPDATE jobs SET lease_expires_at = 0 WHERE state = 'running'",
        [],
    )?)
}

/// Jobs still to do (queued or running), for `doctor` and for tests waiting on idleness.
pub fn open_count(c: &Connection) -> Result<i64> {
    Ok(c.query_row(
        "SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')",
        [],
        |r| r.get(0),
    )?)
}

/// Whether the job still runs under this owner's lease — false once it was cancelled (its
/// deployment is being torn down) or taken over. A job's writes check it in their transaction.
pub fn holds(c: &Connection, job_id: i64, owner: &str) -> Result<bool> {
    Ok(c.query_row(
        "SELECT state = 'running' AND lease_owner = ?2 FROM jobs WHERE id = ?1",
        params![job_id, owner],
        |r| r.get(0),
    )
    .optional()?
    .unwrap_or(false))
}

/// Hands an attempt that met a passing fault (an unreachable cluster) back, to be retried
/// from `at_ms`; no failure is counted, the error is recorded for `doctor` and the log.
pub fn retry_later(
    c: &Connection,
    job_id: i64,
    owner: &str,
    at_ms: i64,
    error: &str,
) -> Result<()> {
    c.execute(
        "UPDATE jobs SET lease_expires_at = ?3, last_error = ?4
         WHERE id = ?1 AND lease_owner = ?2 AND state = 'running'",
        params![job_id, owner, at_ms, error],
    )?;
    Ok(())
}

/// Gives the lease up so that the next claim (this run's or the next one's) takes the job at
/// `at_ms`. No failure is counted: the job was interrupted, not wrong.
pub fn release(c: &Connection, job_id: i64, owner: &str, at_ms: i64) -> Result<()> {
    c.execute(
        "UPDATE jobs SET lease_expires_at = ?3 WHERE id = ?1 AND lease_owner = ?2 AND state = 'running'",
        params![job_id, owner, at_ms],
    )?;
    Ok(())
}

/// Ends an attempt with the job's own error: counted, recorded, retried from `at_ms`.
pub fn fail_attempt(
    c: &Connection,
    job_id: i64,
    owner: &str,
    at_ms: i64,
    error: &str,
) -> Result<()> {
    c.execute(
        "UPDATE jobs SET lease_expires_at = ?3, last_error = ?4, failures = failures + 1
         WHERE id = ?1 AND lease_owner = ?2 AND state = 'running'",
        params![job_id, owner, at_ms, error],
    )?;
    Ok(())
}

/// Why the job's last attempt ended, if it recorded a reason.
pub fn last_error(c: &Connection, job_id: i64) -> Result<Option<String>> {
    Ok(
        c.query_row("SELECT last_error FROM jobs WHERE id = ?1", [job_id], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten(),
    )
}
