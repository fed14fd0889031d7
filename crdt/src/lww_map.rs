//! Last-writer-wins map.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lww_register::wins;
use crate::sorted_chunks::SortedChunks;
use crate::{Lattice, Timestamp};

/// A map whose every key is a last-writer-wins entry: the write with the largest [`Timestamp`]
/// decides the key's value, and a remove is a write of `None`, a timestamped tombstone, so a
/// remove beats older inserts that arrive after it.
///
/// Ties follow [`LwwRegister`](crate::LwwRegister): the larger `Option<V>` wins, so a value
/// beats a tombstone with the same timestamp. Tombstones are kept for good: dropping one safely
/// needs to know that every replica has seen it (causal stability), which this type does not
/// track.
///
/// ```
/// use glomer_crdt::{Hlc, Lattice, LwwMap, ReplicaId};
/// let mut clock = Hlc::new(ReplicaId(0));
/// let mut a = LwwMap::new();
/// let d1 = a.apply_all([("x", Some(1)), ("y", Some(2))], clock.now(1));
/// let d2 = a.remove("x", clock.now(2));
/// let mut b = LwwMap::new();
/// b.join(&d2);
/// b.join(&d1); // the older insert of "x" loses to the tombstone
/// assert_eq!(b.get(&"x"), None);
/// assert_eq!(b.get(&"y"), Some(&2));
/// assert_eq!(b.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LwwMap<K: Ord, V> {
    /// An ordered map of sorted chunks (crate::sorted_chunks says why not a B-tree); on the
    /// wire a map from key to `[timestamp, value]`, as a `BTreeMap` serializes.
    entries: SortedChunks<K, (Timestamp, Option<V>)>,
}

impl<K: Ord, V> Default for LwwMap<K, V> {
    fn default() -> Self {
        Self { entries: SortedChunks::default() }
    }
}

impl<K: Ord + Serialize, V: Serialize> Serialize for LwwMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        self.entries.iter().try_for_each(|(key, entry)| map.serialize_entry(key, entry))?;
        map.end()
    }
}

impl<'de, K: Ord + Clone + Deserialize<'de>, V: Clone + Deserialize<'de>> Deserialize<'de> for LwwMap<K, V> {
    /// Accepts what a `BTreeMap` accepts: keys in any order, the last of a repeated key kept.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let entries = BTreeMap::<K, (Timestamp, Option<V>)>::deserialize(deserializer)?;
        let len = entries.len();
        Ok(Self { entries: SortedChunks::from_sorted(entries.into_iter(), len) })
    }
}

impl<K: Ord + Clone, V: Ord + Clone> LwwMap<K, V> {
    /// The empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value` at `ts`; returns the delta (bottom when a newer write exists).
    pub fn insert(&mut self, key: K, value: V, ts: Timestamp) -> Self {
        self.write(key, Some(value), ts)
    }

    /// Removes `key` at `ts` by writing a tombstone; returns the delta (bottom when a newer
    /// write exists).
    pub fn remove(&mut self, key: K, ts: Timestamp) -> Self {
        self.write(key, None, ts)
    }

    /// [`LwwMap::insert`] without building the delta, for a map that does not ship this change
    /// (a state loaded or rebuilt locally); returns whether the write took effect.
    pub fn insert_quiet(&mut self, key: K, value: V, ts: Timestamp) -> bool {
        self.write_with(key, Some(value), ts, |_, _| true)
    }

    /// [`LwwMap::remove`] without building the delta; returns whether the tombstone took effect.
    pub fn remove_quiet(&mut self, key: K, ts: Timestamp) -> bool {
        self.write_with(key, None, ts, |_, _| true)
    }

    /// Applies a transaction's writes (`None` removes), all at the one timestamp `ts`; returns
    /// one delta holding every write that took effect. A write older than the key's current
    /// entry is ignored. When a key is written more than once, its last write counts, as
    /// within a transaction; the earlier ones never reach the state or the delta.
    pub fn apply_all(&mut self, writes: impl IntoIterator<Item = (K, Option<V>)>, ts: Timestamp) -> Self {
        let last_writes: BTreeMap<K, Option<V>> = writes.into_iter().collect();
        let mut delta = Self::new();
        for (key, value) in last_writes {
            delta.join(&self.write(key, value, ts));
        }
        delta
    }

    /// One write whose delta is the written entry.
    fn write(&mut self, key: K, value: Option<V>, ts: Timestamp) -> Self {
        let entries = self.write_with(key, value, ts, |key, entry| SortedChunks::one(key.clone(), entry.clone()));
        Self { entries }
    }

    /// One write with a single lookup, the hot path of every LWW workload; returns
    /// `on_write(key, new entry)` when the write took effect, else `R::default()` (false, an
    /// empty delta). The caller decides whether a delta is built, so a mutator that is not
    /// asked for one clones nothing; no `Option` wraps the delta, whose copy out of the search
    /// would cost more than the search.
    fn write_with<R: Default>(
        &mut self,
        key: K,
        value: Option<V>,
        ts: Timestamp,
        on_write: impl FnOnce(&K, &(Timestamp, Option<V>)) -> R,
    ) -> R {
        self.entries.upsert(key, |key, current| match current {
            None => {
                let new = (ts, value);
                let written = on_write(key, &new);
                (Some(new), written)
            }
            Some(current) => {
                if !wins(&ts, &value, Some(current)) {
                    return (None, R::default());
                }
                *current = (ts, value);
                (None, on_write(key, current))
            }
        })
    }

    /// The live value of `key` (`None` when never written or removed).
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).and_then(|(_, v)| v.as_ref())
    }

    /// The timestamp of `key`'s current entry, tombstones included.
    pub fn timestamp(&self, key: &K) -> Option<Timestamp> {
        self.entries.get(key).map(|(ts, _)| *ts)
    }

    /// Live entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().filter_map(|(k, (_, v))| v.as_ref().map(|v| (k, v)))
    }

    /// Number of live entries (O(n): tombstones are skipped).
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether no key is live.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl<K: Ord + Clone, V: Ord + Clone> Lattice for LwwMap<K, V> {
    fn join(&mut self, other: &Self) {
        self.entries.join_with(&other.entries, |mine, (ts, value)| {
            if wins(ts, value, Some(mine)) {
                *mine = (*ts, value.clone());
            }
        });
    }

    fn leq(&self, other: &Self) -> bool {
        self.entries.len() <= other.entries.len()
            && self.entries.all_against(&other.entries, |_, (ts, v), theirs| !wins(ts, v, theirs))
    }

    fn difference(&self, other: &Self) -> Self {
        Self { entries: self.entries.filter_against(&other.entries, |_, (ts, v), theirs| wins(ts, v, theirs)) }
    }

    fn is_bottom(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReplicaId;

    #[test]
    fn last_write_of_a_key_in_one_transaction_wins_even_if_smaller() {
        let mut map = LwwMap::new();
        let ts = Timestamp::new(1, 0, ReplicaId(0));
        let delta = map.apply_all([("x", Some(2)), ("x", Some(1)), ("y", Some(5)), ("y", None)], ts);
        assert_eq!(map.get(&"x"), Some(&1));
        assert_eq!(map.get(&"y"), None);
        assert_eq!(delta, map);
    }

    #[test]
    fn write_older_than_current_entry_is_ignored() {
        let mut map = LwwMap::new();
        map.insert("x", 1, Timestamp::new(2, 0, ReplicaId(0)));
        assert!(map.remove("x", Timestamp::new(1, 0, ReplicaId(1))).is_bottom());
        assert_eq!(map.get(&"x"), Some(&1));
    }
}
