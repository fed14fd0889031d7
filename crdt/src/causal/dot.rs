//! Dots: the unique names of updates.

use serde::{Deserialize, Serialize};

use crate::ReplicaId;

/// One update's unique name: the replica that made it and that replica's running count of
/// updates, starting at 1 (Almeida, Shoker and Baquero, "Delta State Replicated Data Types",
/// JPDC 2018, section 6.1).
///
/// Dots order by replica, then counter. A replica mints its next dot from its
/// [`CausalContext`](crate::CausalContext) with
/// [`CausalContext::next_dot`](crate::CausalContext::next_dot); counter 0 is never minted.
/// On the wire a dot is the pair `[replica, counter]`.
///
/// ```
/// use glomer_crdt::{Dot, ReplicaId};
/// let dot = Dot::new(ReplicaId(2), 5);
/// assert_eq!(serde_json::to_string(&dot).unwrap(), "[2,5]");
/// assert!(Dot::new(ReplicaId(1), 9) < dot);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "(ReplicaId, u64)", into = "(ReplicaId, u64)")]
pub struct Dot {
    /// The replica that made the update.
    pub replica: ReplicaId,
    /// The replica's count of updates, this one included.
    pub counter: u64,
}

impl Dot {
    /// The dot `(replica, counter)`.
    pub fn new(replica: ReplicaId, counter: u64) -> Self {
        Self { replica, counter }
    }
}

impl From<(ReplicaId, u64)> for Dot {
    fn from((replica, counter): (ReplicaId, u64)) -> Self {
        Self { replica, counter }
    }
}

impl From<Dot> for (ReplicaId, u64) {
    fn from(dot: Dot) -> Self {
        (dot.replica, dot.counter)
    }
}

impl std::fmt::Display for Dot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.replica, self.counter)
    }
}
