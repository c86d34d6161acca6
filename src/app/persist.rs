//! Saving card positions: optimistic on screen, one debounced write per card once it stops
//! moving, retried with back-off, and mirrored on disk until the backend has it.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use super::effect::{Effect, Effects};
use super::msg::{Cmd, SaveError};
use super::state::PendingWrite;
use crate::backend::model::CanvasPosition;

/// Quiet time after the last move before the position is sent.
pub const DEBOUNCE: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Back-off before retry `attempt` (1, 2, 4 … seconds, at most 30).
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(MAX_BACKOFF)
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Saves {
    /// Positions not saved yet, by card.
    pub pending: BTreeMap<String, PendingWrite>,
    /// Cards whose position was saved, with the number of reads sent at that moment: an
    /// answer to a read numbered up to that may predate the save, and does not move the card
    /// back.
    pub saved_after_read: HashMap<String, u64>,
}

impl Saves {
    /// Whether the answer to read `read` may predate the last save of this card's position.
    pub fn saved_since(&self, id: &str, read: u64) -> bool {
        self.saved_after_read.get(id).is_some_and(|&r| r >= read)
    }

    pub fn unsaved(&self, id: &str) -> bool {
        self.pending.contains_key(id)
    }

    /// When the next write is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.pending
            .values()
            .filter(|p| !p.in_flight)
            .map(|p| p.due)
            .min()
    }

    /// Records a new position for a card and (re)starts its debounce.
    pub fn schedule(&mut self, id: &str, pos: CanvasPosition, now: Instant) -> Cmd {
        let attempt = self.pending.get(id).map_or(0, |p| p.attempt);
        let in_flight = self.pending.get(id).is_some_and(|p| p.in_flight);
        self.pending.insert(
            id.to_string(),
            PendingWrite {
                pos,
                due: now + DEBOUNCE,
                attempt,
                in_flight,
            },
        );
        self.store_outbox()
    }

    pub fn store_outbox(&self) -> Cmd {
        Cmd::StoreOutbox(
            self.pending
                .iter()
                .map(|(id, p)| (id.clone(), p.pos))
                .collect(),
        )
    }

    /// Sends every write that is due and not already on its way.
    pub fn flush_due(&mut self, now: Instant) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        for (id, p) in self.pending.iter_mut() {
            if !p.in_flight && p.due <= now {
                p.in_flight = true;
                cmds.push(Cmd::SavePosition {
                    id: id.clone(),
                    pos: p.pos,
                });
            }
        }
        cmds
    }

    /// The backend answered a write; `reads_sent` is the number of reads sent so far.
    pub fn on_saved(
        &mut self,
        id: &str,
        pos: CanvasPosition,
        result: Result<(), SaveError>,
        now: Instant,
        reads_sent: u64,
    ) -> Effects {
        let Some(p) = self.pending.get_mut(id) else {
            return vec![];
        };
        p.in_flight = false;
        match result {
            Ok(()) if p.pos == pos => {
                self.pending.remove(id);
                self.saved_after_read.insert(id.to_string(), reads_sent);
                let mut effects = vec![Effect::Cmd(self.store_outbox())];
                if self.pending.is_empty() {
                    effects.push(Effect::Note("saved".into()));
                }
                effects
            }
            // Moved again meanwhile: the newer position goes out when its debounce ends.
            Ok(()) => vec![],
            Err(e) if e.gone => {
                self.pending.remove(id);
                vec![Effect::Cmd(self.store_outbox())]
            }
            Err(e) => {
                p.attempt += 1;
                let wait = backoff(p.attempt);
                p.due = now + wait;
                vec![Effect::error(format!(
                    "{} position change(s) pending — saving failed: {}; retrying in {} s",
                    self.pending.len(),
                    e.message,
                    wait.as_secs()
                ))]
            }
        }
    }

    /// Pending positions from an earlier run: shown at once and sent now.
    pub fn restore(&mut self, saved: BTreeMap<String, CanvasPosition>, now: Instant) -> Effects {
        saved
            .into_iter()
            .map(|(id, pos)| {
                self.pending.insert(
                    id.clone(),
                    PendingWrite {
                        pos,
                        due: now,
                        attempt: 0,
                        in_flight: false,
                    },
                );
                Effect::Show { id, pos }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let secs: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
