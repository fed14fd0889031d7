//! Last-writer-wins register.

use serde::{Deserialize, Serialize};

use crate::{Lattice, Timestamp};

/// Whether the write `(ts, value)` beats the current entry, if any: the larger timestamp wins,
/// and on equal timestamps the larger value, so that join stays commutative even when an
/// application reuses a timestamp for two different values.
pub(crate) fn wins<T: Ord>(ts: &Timestamp, value: &T, current: Option<&(Timestamp, T)>) -> bool {
    match current {
        None => true,
        Some((cur_ts, cur_value)) => (ts, value) > (cur_ts, cur_value),
    }
}

/// A last-writer-wins register: holds the value of the write with the largest [`Timestamp`]
/// (Shapiro et al. 2011, specification 8).
///
/// Applications must keep timestamps unique per write, which [`Hlc`](crate::Hlc) does: its
/// timestamps are strictly increasing per replica and carry the replica id. If two writes do
/// share a timestamp, the larger value (by `T: Ord`) wins, deterministically on every replica.
///
/// ```
/// use glomer_crdt::{Hlc, Lattice, LwwRegister, ReplicaId};
/// let mut clock = Hlc::new(ReplicaId(0));
/// let mut a = LwwRegister::new();
/// let old = a.set("first", clock.now(10));
/// let new = a.set("second", clock.now(11));
/// let mut b = LwwRegister::new();
/// b.join(&new);
/// b.join(&old); // arrives late, loses
/// assert_eq!(b.get(), Some(&"second"));
/// assert!(a.set("stale", old.timestamp().unwrap()).is_bottom());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LwwRegister<T> {
    entry: Option<(Timestamp, T)>,
}

impl<T> Default for LwwRegister<T> {
    fn default() -> Self {
        Self { entry: None }
    }
}

impl<T: Ord + Clone> LwwRegister<T> {
    /// The register that was never written (bottom).
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `value` at `ts`; returns the delta (the register holding just this write), or
    /// bottom when the current write wins over it.
    pub fn set(&mut self, value: T, ts: Timestamp) -> Self {
        if self.set_quiet(value, ts) {
            self.clone()
        } else {
            Self::new()
        }
    }

    /// [`LwwRegister::set`] without building the delta (no clone of `value`); returns whether
    /// the write took effect.
    pub fn set_quiet(&mut self, value: T, ts: Timestamp) -> bool {
        let wins = wins(&ts, &value, self.entry.as_ref());
        if wins {
            self.entry = Some((ts, value));
        }
        wins
    }

    /// The current value, if ever written.
    pub fn get(&self) -> Option<&T> {
        self.entry.as_ref().map(|(_, v)| v)
    }

    /// The timestamp of the current value, if ever written.
    pub fn timestamp(&self) -> Option<Timestamp> {
        self.entry.as_ref().map(|(ts, _)| *ts)
    }
}

impl<T: Ord + Clone> Lattice for LwwRegister<T> {
    fn join(&mut self, other: &Self) {
        if let Some((ts, value)) = &other.entry {
            if wins(ts, value, self.entry.as_ref()) {
                self.entry.clone_from(&other.entry);
            }
        }
    }

    fn leq(&self, other: &Self) -> bool {
        match &self.entry {
            None => true,
            Some((ts, value)) => !wins(ts, value, other.entry.as_ref()),
        }
    }

    fn difference(&self, other: &Self) -> Self {
        if self.leq(other) {
            Self::new()
        } else {
            self.clone()
        }
    }

    fn is_bottom(&self) -> bool {
        self.entry.is_none()
    }
}
