//! The engine's notion of "now". It follows tokio's clock, so tests that pause and advance
//! time see timestamps, leases and sandbox readiness move together — no sleeps in tests.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base_wall: DateTime<Utc>,
    base: Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    pub fn new() -> Self {
        Self {
            base_wall: Utc::now(),
            base: Instant::now(),
        }
    }

    /// Wall-clock time as seen through tokio's (possibly paused) clock, in milliseconds.
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = Instant::now().saturating_duration_since(self.base);
        let elapsed = Duration::from_std(elapsed).unwrap_or(Duration::zero());
        (self.base_wall + elapsed).trunc_subsecs(3)
    }

    pub fn now_millis(&self) -> i64 {
        self.now().timestamp_millis()
    }
}

/// RFC 3339 UTC with milliseconds, the way every timestamp is stored and sent.
pub fn format_ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
