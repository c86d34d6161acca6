//! `zopdeck audit`: who changed what through `zopdeck serve` (an admin token on a server).

use super::OutputFormat;
use super::commands::fmt;
use super::error::CliError;
use super::output;
use super::resolve::resolve;
use crate::backend::Backend;
use crate::backend::model::{AuditFilter, Timestamp};

/// Which entries: of a deployment (by name in `env`, or id), of a token, since a time.
pub struct Which<'a> {
    pub deployment: Option<&'a str>,
    pub env: Option<&'a str>,
    pub token: Option<&'a str>,
    pub since: Option<&'a str>,
}

pub async fn audit(
    b: &dyn Backend,
    which: &Which<'_>,
    format: OutputFormat,
) -> Result<(), CliError> {
    let deployment_id = match which.deployment {
        Some(d) => Some(resolve(b, d, which.env).await?.id),
        None => None,
    };
    let since = which
        .since
        .map(|s| since(s, chrono::Utc::now()))
        .transpose()?;
    let filter = AuditFilter {
        deployment_id,
        token: which.token.map(str::to_string),
        since,
    };
    let list = b.audit(filter).await.map_err(|e| match e {
        crate::backend::BackendError::Forbidden(why) => fmt(crate::backend::BackendError::Forbidden(
            format!("the audit log is for admin tokens ({why}); zopdeck token create --role admin on the server makes one"),
        )),
        e => fmt(e),
    })?;
    output::print(format, &list, || {
        let mut rows = vec![
            ["AT", "TOKEN", "ROLE", "METHOD", "ROUTE", "TARGET", "STATUS"]
                .map(String::from)
                .to_vec(),
        ];
        rows.extend(list.iter().map(|e| {
            vec![
                crate::backend::clock::format_ts(&e.at),
                e.token_name.clone(),
                e.role.clone(),
                e.method.clone(),
                e.route.clone(),
                e.target.clone().unwrap_or_else(|| "-".into()),
                e.status.to_string(),
            ]
        }));
        rows
    })
}

/// `--since`: an RFC 3339 time, or how long ago (`90m`, `2h`, `7d`).
fn since(text: &str, now: Timestamp) -> Result<Timestamp, CliError> {
    if let Some(t) = crate::backend::clock::parse_ts(text) {
        return Ok(t);
    }
    humantime::parse_duration(text)
        .ok()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .and_then(|d| now.checked_sub_signed(d))
        .ok_or_else(|| {
            CliError::usage(format!(
                "--since takes a time like 2026-12-05T09:00:00Z or how long ago, like 2h or 7d (got {text:?})"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_time_or_how_long_ago() {
        let now = crate::backend::clock::parse_ts("2026-12-05T10:00:00Z").unwrap();
        let at = |s: &str| crate::backend::clock::format_ts(&since(s, now).unwrap());
        assert_eq!(at("2026-12-01T00:00:00Z"), "2026-12-01T00:00:00.000Z");
        assert_eq!(at("2h"), "2026-12-05T08:00:00.000Z");
        assert_eq!(at("7d"), "2026-11-28T10:00:00.000Z");
        assert!(since("yesterday", now).is_err());
    }
}
