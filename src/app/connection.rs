//! The link to the backend: connected; offline, keeping the last known state and retrying
//! with back-off (1 s doubling to 30 s); or refused (a rejected token: nothing is asked again
//! until the user reloads).

use std::time::{Duration, Instant};

use super::state::Connection;

#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub connection: Connection,
    /// When to try reaching an unreachable backend again, and the delay used last.
    pub retry_at: Option<Instant>,
    pub retry_delay: Duration,
}

impl Default for Link {
    fn default() -> Self {
        Self {
            connection: Connection::Connected,
            retry_at: None,
            retry_delay: Duration::ZERO,
        }
    }
}

impl Link {
    pub fn connected(&self) -> bool {
        self.connection == Connection::Connected
    }

    /// A load answered: connected again, no retry pending.
    pub fn online(&mut self) {
        *self = Self::default();
    }

    /// The backend cannot be reached: plan a retry. Returns what the status bar says.
    pub fn offline(&mut self, why: &str, now: Instant) -> String {
        let delay = (self.retry_delay * 2).clamp(Duration::from_secs(1), Duration::from_secs(30));
        self.retry_delay = delay;
        self.retry_at = Some(now + delay);
        self.connection = Connection::Offline(format!("retrying in {} s", delay.as_secs()));
        format!("{why}; showing the last known state")
    }

    /// The server refused the token. Returns what the status bar says.
    pub fn rejected(&mut self, why: String) -> String {
        self.retry_at = None;
        let message = format!("{why}; press Ctrl-L after fixing it");
        self.connection = Connection::Rejected(why);
        message
    }

    /// Whether the retry is due (then it is taken: the caller reloads).
    pub fn retry_due(&mut self, now: Instant) -> bool {
        let due = self.retry_at.is_some_and(|at| at <= now);
        if due {
            self.retry_at = None;
        }
        due
    }
}
