//! Hybrid logical clock and the timestamps that order last-writer-wins writes.

use serde::{Deserialize, Serialize};

use crate::ReplicaId;

/// Bits of [`Timestamp::hlc`] given to the logical counter; the upper bits hold physical
/// milliseconds. 16 bits allow 65 536 events per millisecond before the counter carries into
/// the millisecond field, and leave 48 bits of milliseconds: about 8 900 years after the Unix
/// epoch.
pub const LOGICAL_BITS: u32 = 16;

/// The largest physical time, in ms since the Unix epoch, that fits the packed clock; later wall
/// clocks are clamped to it.
pub const PHYSICAL_MS_MAX: u64 = u64::MAX >> LOGICAL_BITS;

/// A point in the total order of writes: hybrid logical clock first, then replica id, so two
/// replicas never produce equal timestamps.
///
/// `hlc` packs the physical time in ms into its upper 48 bits and a logical counter into its
/// lower [`LOGICAL_BITS`] bits, so comparing the `u64` compares (physical, logical)
/// lexicographically, as Kulkarni et al. order their `(l, c)` pairs.
///
/// ```
/// use glomer_crdt::{ReplicaId, Timestamp};
/// let a = Timestamp::new(1_000, 0, ReplicaId(2));
/// let b = Timestamp::new(1_000, 1, ReplicaId(1));
/// assert!(a < b);
/// assert_eq!(b.physical_ms(), 1_000);
/// assert_eq!(b.logical(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Timestamp {
    /// Packed physical ms (upper bits) and logical counter (lower [`LOGICAL_BITS`] bits).
    pub hlc: u64,
    /// The replica that issued the timestamp; breaks ties between replicas.
    pub replica: ReplicaId,
}

impl Timestamp {
    /// Packs `physical_ms` (clamped to [`PHYSICAL_MS_MAX`]) and `logical` into a timestamp.
    pub fn new(physical_ms: u64, logical: u16, replica: ReplicaId) -> Self {
        Self { hlc: (physical_ms.min(PHYSICAL_MS_MAX) << LOGICAL_BITS) | u64::from(logical), replica }
    }

    /// The physical part, in ms since the Unix epoch.
    pub fn physical_ms(&self) -> u64 {
        self.hlc >> LOGICAL_BITS
    }

    /// The logical counter.
    pub fn logical(&self) -> u16 {
        // Masked to LOGICAL_BITS = 16 bits, so the cast is lossless.
        (self.hlc & ((1 << LOGICAL_BITS) - 1)) as u16
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}@{}", self.physical_ms(), self.logical(), self.replica)
    }
}

/// A hybrid logical clock (Kulkarni, Demirbas et al., "Logical Physical Clocks", 2014,
/// figure 5): timestamps stay close to physical time, never go backwards even when the wall
/// clock does, and exceed every timestamp observed from other replicas.
///
/// The caller passes the wall time in (sans-IO), so tests and simulations control it.
///
/// ```
/// use glomer_crdt::{Hlc, ReplicaId, Timestamp};
/// let mut clock = Hlc::new(ReplicaId(1));
/// let t1 = clock.now(5_000);
/// let t2 = clock.now(4_000); // the wall clock went back
/// assert!(t2 > t1);
/// let remote = Timestamp::new(9_000, 3, ReplicaId(2));
/// clock.observe(remote);
/// assert!(clock.now(5_000) > remote);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hlc {
    replica: ReplicaId,
    last: u64,
}

impl Hlc {
    /// A clock for `replica` that has issued nothing yet.
    pub fn new(replica: ReplicaId) -> Self {
        Self { replica, last: 0 }
    }

    /// The replica this clock stamps for.
    pub fn replica(&self) -> ReplicaId {
        self.replica
    }

    /// A new timestamp, strictly greater than every one issued or observed before.
    ///
    /// Kulkarni et al.'s send rule: `l = max(l, pt)`; `c = c + 1` if `l` did not change, else 0.
    /// With `(l, c)` packed into one `u64` this is: take the wall time with a zero counter if it
    /// is ahead, else the last value plus one; a counter overflow carries into the physical
    /// field, i.e. the clock runs at most a few ms ahead of the wall under extreme load.
    pub fn now(&mut self, wall_ms: u64) -> Timestamp {
        let physical = wall_ms.min(PHYSICAL_MS_MAX) << LOGICAL_BITS;
        // Saturates only at the end of the 48-bit ms range (year 10889).
        self.last = if physical > self.last { physical } else { self.last.saturating_add(1) };
        Timestamp { hlc: self.last, replica: self.replica }
    }

    /// Takes in a timestamp from another replica (Kulkarni et al.'s receive rule), so the next
    /// [`Hlc::now`] orders after it. The wall time is not needed here: `now` takes it into
    /// account.
    pub fn observe(&mut self, ts: Timestamp) {
        self.last = self.last.max(ts.hlc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_counter_overflow_carries_into_physical_ms() {
        let mut clock = Hlc::new(ReplicaId(0));
        clock.observe(Timestamp::new(10, u16::MAX, ReplicaId(1)));
        let ts = clock.now(10);
        assert_eq!((ts.physical_ms(), ts.logical()), (11, 0));
    }

    #[test]
    fn wall_clock_ahead_resets_logical_counter() {
        let mut clock = Hlc::new(ReplicaId(0));
        clock.now(10);
        clock.now(10);
        let ts = clock.now(12);
        assert_eq!((ts.physical_ms(), ts.logical()), (12, 0));
    }

    #[test]
    fn wall_clock_beyond_range_is_clamped() {
        let mut clock = Hlc::new(ReplicaId(0));
        let ts = clock.now(u64::MAX);
        assert_eq!(ts.physical_ms(), PHYSICAL_MS_MAX);
        assert!(clock.now(u64::MAX) > ts);
    }

    #[test]
    fn timestamps_of_equal_clocks_order_by_replica() {
        assert!(Timestamp::new(5, 0, ReplicaId(1)) < Timestamp::new(5, 0, ReplicaId(2)));
    }
}
