//! Replica identities.

use serde::{Deserialize, Serialize};

/// The identity of one replica: a small dense number, cheap to copy, hash and order.
///
/// Mapping an application's names (Maelstrom's `"n3"`) onto `ReplicaId`s is the embedding
/// application's job; the usual choice is the index in the sorted or given node list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReplicaId(pub u32);

impl std::fmt::Display for ReplicaId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "r{}", self.0)
    }
}

impl From<u32> for ReplicaId {
    fn from(value: u32) -> Self {
        ReplicaId(value)
    }
}
