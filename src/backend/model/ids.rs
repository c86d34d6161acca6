//! Opaque ids with the contract's type prefixes (`dep_`, `rev_`, `env_`, `spc_`, `ev_`).

use uuid::Uuid;

pub fn new_id(prefix: &str) -> String {
    let raw = Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &raw[..16])
}

/// Event ids carry their position in the append-only log, which is what `after=` compares.
pub fn event_id(seq: i64) -> String {
    format!("ev_{seq}")
}

pub fn parse_event_id(id: &str) -> Option<i64> {
    id.strip_prefix("ev_")?.parse().ok().filter(|n| *n >= 0)
}

/// The idempotency key of a push-triggered revision: UUID v5 of the webhook delivery id.
pub fn delivery_key(delivery_id: &str) -> String {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("zopnight:delivery:{delivery_id}").as_bytes(),
    )
    .to_string()
}
