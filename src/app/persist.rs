//! Saving card positions: optimistic on screen, one debounced write per card once it stops
//! moving, retried with back-off, and mirrored on disk until the backend has it.

use std::time::{Duration, Instant};

use super::msg::{Cmd, SaveError};
use super::state::{MessageKind, PendingWrite, State};
use crate::backend::model::CanvasPosition;

/// Quiet time after the last move before the position is sent.
pub const DEBOUNCE: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Back-off before retry `attempt` (1, 2, 4 … seconds, at most 30).
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.saturating_sub(1).min(5)).min(MAX_BACKOFF)
}

/// Records a new position for a card and (re)starts its debounce.
pub fn schedule(state: &mut State, id: &str, pos: CanvasPosition, now: Instant) -> Vec<Cmd> {
    let attempt = state.pending.get(id).map_or(0, |p| p.attempt);
    let in_flight = state.pending.get(id).is_some_and(|p| p.in_flight);
    state.pending.insert(
        id.to_string(),
        PendingWrite {
            pos,
            due: now + DEBOUNCE,
            attempt,
            in_flight,
        },
    );
    vec![store_outbox(state)]
}

pub fn store_outbox(state: &State) -> Cmd {
    Cmd::StoreOutbox(
        state
            .pending
            .iter()
            .map(|(id, p)| (id.clone(), p.pos))
            .collect(),
    )
}

/// Sends every write that is due and not already on its way.
pub fn flush_due(state: &mut State, now: Instant) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for (id, p) in state.pending.iter_mut() {
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

/// The backend answered a write.
pub fn on_saved(
    state: &mut State,
    id: &str,
    pos: CanvasPosition,
    result: Result<(), SaveError>,
    now: Instant,
) -> Vec<Cmd> {
    let Some(p) = state.pending.get_mut(id) else {
        return vec![];
    };
    p.in_flight = false;
    match result {
        Ok(()) if p.pos == pos => {
            state.pending.remove(id);
            state
                .saved_after_read
                .insert(id.to_string(), state.reads_sent);
            if state.pending.is_empty() {
                state.message = Some(("saved".into(), MessageKind::Info));
            }
            vec![store_outbox(state)]
        }
        // Moved again meanwhile: the newer position goes out when its debounce ends.
        Ok(()) => vec![],
        Err(e) if e.gone => {
            state.pending.remove(id);
            vec![store_outbox(state)]
        }
        Err(e) => {
            p.attempt += 1;
            let wait = backoff(p.attempt);
            p.due = now + wait;
            let n = state.pending.len();
            state.message = Some((
                format!(
                    "{n} position change(s) pending — saving failed: {}; retrying in {} s",
                    e.message,
                    wait.as_secs()
                ),
                MessageKind::Error,
            ));
            vec![]
        }
    }
}

/// Pending positions from an earlier run: shown at once and sent now.
pub fn restore(
    state: &mut State,
    saved: std::collections::BTreeMap<String, CanvasPosition>,
    now: Instant,
) -> Vec<Cmd> {
    for (id, pos) in saved {
        if let Some(d) = state.deployments.iter_mut().find(|d| d.id == id) {
            d.canvas_position = Some(pos);
        }
        state.pending.insert(
            id,
            PendingWrite {
                pos,
                due: now,
                attempt: 0,
                in_flight: false,
            },
        );
    }
    vec![]
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
