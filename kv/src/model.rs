//! The replicated state of glomer-kv and its operations.

use glomer_crdt::{MvRegister, OrMap};
use glomer_net::{Member, NetError, Replica};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The state: an observed-remove map of multi-value registers. Concurrent writes of one key
/// are all kept (siblings); a write replaces every value its replica had seen; a delete
/// removes what was seen, so a concurrent write survives it.
pub type KvState = OrMap<String, MvRegister<Json>>;

/// A JSON value that travels as its JSON text: the replicas' binary encoding (postcard) cannot
/// decode a self-describing `serde_json::Value`, and the text is what the client sent anyway.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub Value);

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        serde_json::from_str(&text).map(Json).map_err(serde::de::Error::custom)
    }
}

/// A replica of the store.
#[derive(Clone)]
pub struct Kv {
    replica: Replica<KvState>,
}

impl Kv {
    /// Wraps a running replica.
    pub fn new(replica: Replica<KvState>) -> Self {
        Self { replica }
    }

    /// The replica underneath.
    pub fn replica(&self) -> &Replica<KvState> {
        &self.replica
    }

    /// Writes `value` at `key`, replacing every value of the key this replica has seen;
    /// resolves once applied locally.
    pub async fn put(&self, key: String, value: Value) -> Result<(), NetError> {
        let me = self.replica.replica();
        self.replica.mutate(move |state| state.update(me, key, |register| register.write(me, Json(value)))).await
    }

    /// Removes `key` as far as this replica has seen it; resolves once applied locally.
    pub async fn delete(&self, key: String) -> Result<(), NetError> {
        self.replica.mutate(move |state| state.remove(&key)).await
    }

    /// Every concurrent value of `key` (empty when it has none).
    pub async fn get(&self, key: &str) -> Result<Vec<Value>, NetError> {
        let key = key.to_string();
        let values = self.replica.query(move |state| {
            let values = state.get(&key).map(|register| register.read());
            values.unwrap_or_default().into_iter().map(|json| json.0.clone()).collect()
        });
        values.await
    }

    /// Every key that has a value, in order.
    pub async fn keys(&self) -> Result<Vec<String>, NetError> {
        self.replica.query(|state| state.keys().cloned().collect()).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_values_travel_as_postcard() {
        let value = Json(serde_json::json!({"a": [1, 2.5, null, "x"]}));
        let bytes = postcard::to_allocvec(&value).unwrap();
        assert_eq!(postcard::from_bytes::<Json>(&bytes).unwrap(), value);
    }
}
