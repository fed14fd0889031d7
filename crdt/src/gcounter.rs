//! Grow-only counter.

use serde::{Deserialize, Serialize};

use crate::{Lattice, MaxMap, ReplicaId};

/// A grow-only counter: one `u64` entry per replica, each only ever incremented by its own
/// replica; the value is the sum of the entries (Shapiro et al., "A comprehensive study of
/// Convergent and Commutative Replicated Data Types", 2011, specification 6).
///
/// The state is a [`MaxMap`] of replica to entry, so join is the pointwise maximum and
/// [`Lattice::difference`] is the entries of `self` strictly above `other`'s.
///
/// ```
/// use glomer_crdt::{GCounter, Lattice, ReplicaId};
/// let (r1, r2) = (ReplicaId(1), ReplicaId(2));
/// let mut a = GCounter::new();
/// let delta = a.increment(r1, 3);
/// let mut b = GCounter::new();
/// b.increment(r2, 4);
/// b.join(&delta);
/// assert_eq!(b.value(), 7);
/// assert_eq!(b.get(r1), 3);
/// assert!(a.increment(r1, 0).is_bottom());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GCounter {
    entries: MaxMap<ReplicaId>,
}

impl GCounter {
    /// The zero counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `by` to `replica`'s entry; returns the delta `{replica: new entry}` (bottom when
    /// `by` is 0). An entry saturates at `u64::MAX` rather than wrapping, since a wrapped entry
    /// would be lower and be lost in every join.
    pub fn increment(&mut self, replica: ReplicaId, by: u64) -> Self {
        // Only the new entry leaves the search, and the delta is built in place from it:
        // passing a whole one-entry map out of the search cost more than the search
        // (stores and loads of different widths that the CPU cannot forward).
        let raised = self.entries.update(replica, |entry| entry.saturating_add(by), |_, entry| entry);
        Self { entries: raised.map_or_else(MaxMap::new, |entry| MaxMap::singleton(&replica, entry)) }
    }

    /// [`GCounter::increment`] without building the delta, for a counter that does not ship
    /// this change; one lookup, no allocation once `replica` has an entry.
    pub fn increment_quiet(&mut self, replica: ReplicaId, by: u64) {
        self.entries.update(replica, |entry| entry.saturating_add(by), |_, _| ());
    }

    /// The sum of all entries, saturating at `u64::MAX`.
    ///
    /// Saturating rather than wrapping: a counter that wrapped would read as a small number and
    /// look like it went backwards, while a saturated one is visibly at its limit. Use
    /// [`GCounter::total`] for the exact sum.
    pub fn value(&self) -> u64 {
        u64::try_from(self.total()).unwrap_or(u64::MAX)
    }

    /// The exact sum of all entries. At most 2^32 replicas of at most 2^64 - 1 each, so the sum
    /// is below 2^96 and `u128` cannot overflow.
    pub fn total(&self) -> u128 {
        self.entries.iter().map(|(_, v)| u128::from(v)).sum()
    }

    /// `replica`'s entry (0 when it never incremented).
    pub fn get(&self, replica: ReplicaId) -> u64 {
        self.entries.get(&replica)
    }

    /// The nonzero entries in replica order.
    pub fn iter(&self) -> impl Iterator<Item = (ReplicaId, u64)> + '_ {
        self.entries.iter().map(|(r, v)| (*r, v))
    }
}

impl Lattice for GCounter {
    fn join(&mut self, other: &Self) {
        self.entries.join(&other.entries);
    }

    fn leq(&self, other: &Self) -> bool {
        self.entries.leq(&other.entries)
    }

    fn difference(&self, other: &Self) -> Self {
        Self { entries: self.entries.difference(&other.entries) }
    }

    fn is_bottom(&self) -> bool {
        self.entries.is_bottom()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_saturates_while_total_stays_exact() {
        let mut counter = GCounter::new();
        counter.increment(ReplicaId(0), u64::MAX);
        counter.increment(ReplicaId(1), 2);
        assert_eq!(counter.value(), u64::MAX);
        assert_eq!(counter.total(), u128::from(u64::MAX) + 2);
    }

    #[test]
    fn entry_saturates_instead_of_wrapping() {
        let mut counter = GCounter::new();
        counter.increment(ReplicaId(0), u64::MAX);
        assert!(counter.increment(ReplicaId(0), 1).is_bottom());
        assert_eq!(counter.get(ReplicaId(0)), u64::MAX);
    }
}
