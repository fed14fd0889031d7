//! The replicated state of glomer-kv and its operations.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use glomer_crdt::{Hlc, LwwMap};
use glomer_net::{Member, NetError, Replica};
use serde_json::Value;

/// The state: each key's value as JSON text, last writer wins by hybrid logical clock.
pub type KvState = LwwMap<String, String>;

/// A replica of the store.
#[derive(Clone)]
pub struct Kv {
    replica: Replica<KvState>,
    clock: Arc<Mutex<Hlc>>,
}

impl Kv {
    /// Wraps a running replica.
    pub fn new(replica: Replica<KvState>) -> Self {
        let clock = Arc::new(Mutex::new(Hlc::new(replica.replica())));
        Self { replica, clock }
    }

    /// The replica underneath.
    pub fn replica(&self) -> &Replica<KvState> {
        &self.replica
    }

    /// Writes `value` at `key`; resolves once applied locally. The write replaces every value
    /// of the key this replica has seen.
    pub async fn put(&self, key: String, value: Value) -> Result<(), NetError> {
        let clock = self.clock.clone();
        let text = value.to_string();
        self.replica
            .mutate(move |state| {
                let ts = next_timestamp(&clock, state.timestamp(&key));
                state.insert(key, text, ts)
            })
            .await
    }

    /// Removes `key`; resolves once applied locally.
    pub async fn delete(&self, key: String) -> Result<(), NetError> {
        let clock = self.clock.clone();
        self.replica
            .mutate(move |state| {
                let ts = next_timestamp(&clock, state.timestamp(&key));
                state.remove(key, ts)
            })
            .await
    }

    /// Every concurrent value of `key` (empty when it has none).
    pub async fn get(&self, key: &str) -> Result<Vec<Value>, NetError> {
        let state = self.replica.read().await?;
        Ok(state.get(&key.to_string()).map(|text| decode(text)).into_iter().collect())
    }

    /// Every key that has a value, in order.
    pub async fn keys(&self) -> Result<Vec<String>, NetError> {
        let state = self.replica.read().await?;
        Ok(state.iter().map(|(key, _)| key.clone()).collect())
    }

    /// The cluster as this replica sees it.
    pub fn members(&self) -> Vec<Member> {
        self.replica.members()
    }

    /// Stops the replica.
    pub async fn shutdown(&self) {
        self.replica.shutdown().await;
    }
}

/// A timestamp above both this replica's clock and the key's current write, so the new write
/// wins over everything it saw.
fn next_timestamp(clock: &Mutex<Hlc>, seen: Option<glomer_crdt::Timestamp>) -> glomer_crdt::Timestamp {
    let mut clock = clock.lock().unwrap_or_else(|poison| poison.into_inner());
    if let Some(seen) = seen {
        clock.observe(seen);
    }
    let wall_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64);
    clock.now(wall_ms)
}

/// Stored text is always JSON written by [`Kv::put`]; a peer's undecodable text is shown as a
/// string rather than failing the read.
fn decode(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}
