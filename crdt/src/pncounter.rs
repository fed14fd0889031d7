//! Positive-negative counter.

use serde::{Deserialize, Serialize};

use crate::{GCounter, Lattice, ReplicaId};

/// A counter that goes up and down: two [`GCounter`]s, one of increments (`p`) and one of
/// decrements (`n`); the value is `p - n` (Shapiro et al. 2011, specification 7).
///
/// ```
/// use glomer_crdt::{Lattice, PNCounter, ReplicaId};
/// let mut a = PNCounter::new();
/// let d1 = a.add(ReplicaId(0), 10);
/// let d2 = a.add(ReplicaId(0), -15);
/// let mut b = PNCounter::new();
/// b.join(&d2);
/// b.join(&d1);
/// assert_eq!(b.value(), -5);
/// assert_eq!(a, b);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PNCounter {
    p: GCounter,
    n: GCounter,
}

impl PNCounter {
    /// The zero counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `delta` (negative to subtract) on behalf of `replica`; returns the delta state
    /// (bottom when `delta` is 0).
    pub fn add(&mut self, replica: ReplicaId, delta: i64) -> Self {
        let by = delta.unsigned_abs();
        if delta >= 0 {
            Self { p: self.p.increment(replica, by), n: GCounter::new() }
        } else {
            Self { p: GCounter::new(), n: self.n.increment(replica, by) }
        }
    }

    /// [`PNCounter::add`] without building the delta, for a counter that does not ship this
    /// change.
    pub fn add_quiet(&mut self, replica: ReplicaId, delta: i64) {
        let by = delta.unsigned_abs();
        if delta >= 0 {
            self.p.increment_quiet(replica, by);
        } else {
            self.n.increment_quiet(replica, by);
        }
    }

    /// `p - n`, clamped to the `i64` range.
    ///
    /// The difference is taken in `i128` on the exact totals (each below 2^96), so large
    /// increments balanced by large decrements still give the exact result; only a true value
    /// beyond `i64` is clamped.
    pub fn value(&self) -> i64 {
        let exact = self.total();
        i64::try_from(exact).unwrap_or(if exact < 0 { i64::MIN } else { i64::MAX })
    }

    /// The exact value `p - n`; both totals are below 2^96, so it cannot overflow.
    pub fn total(&self) -> i128 {
        // Each total is below 2^96 (see `GCounter::total`), so both casts are lossless.
        self.p.total() as i128 - self.n.total() as i128
    }

    /// The counter of increments.
    pub fn increments(&self) -> &GCounter {
        &self.p
    }

    /// The counter of decrements.
    pub fn decrements(&self) -> &GCounter {
        &self.n
    }
}

impl Lattice for PNCounter {
    fn join(&mut self, other: &Self) {
        self.p.join(&other.p);
        self.n.join(&other.n);
    }

    fn leq(&self, other: &Self) -> bool {
        self.p.leq(&other.p) && self.n.leq(&other.n)
    }

    fn difference(&self, other: &Self) -> Self {
        Self { p: self.p.difference(&other.p), n: self.n.difference(&other.n) }
    }

    fn is_bottom(&self) -> bool {
        self.p.is_bottom() && self.n.is_bottom()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_exact_when_large_increments_and_decrements_cancel() {
        let mut counter = PNCounter::new();
        counter.add(ReplicaId(0), i64::MAX);
        counter.add(ReplicaId(1), i64::MAX);
        counter.add(ReplicaId(2), i64::MIN);
        counter.add(ReplicaId(3), i64::MIN);
        assert_eq!(counter.value(), -2);
    }

    #[test]
    fn value_clamps_beyond_i64() {
        let mut counter = PNCounter::new();
        counter.add(ReplicaId(0), i64::MIN);
        counter.add(ReplicaId(1), -1);
        assert_eq!(counter.value(), i64::MIN);
        assert_eq!(counter.total(), i128::from(i64::MIN) - 1);
    }
}
