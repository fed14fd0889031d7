//! Pointwise maximum of unsigned integers by key.

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sorted_chunks::SortedChunks;
use crate::Lattice;

/// A map from keys to `u64` whose join is the pointwise maximum; a missing key reads as 0.
///
/// Used for committed offsets (a committed offset only moves forward) and as the state of
/// [`GCounter`](crate::GCounter). Entries equal to 0 are never stored, so two maps that read
/// the same are equal, which the lattice laws (`a ⊑ b` iff `a ⊔ b = b`) need.
///
/// ```
/// use glomer_crdt::{Lattice, MaxMap};
/// let mut a = MaxMap::new();
/// let delta = a.raise("k1", 5);
/// assert_eq!(delta.get(&"k1"), 5);
/// assert!(a.raise("k1", 3).is_bottom(), "lower values change nothing");
/// let mut b = MaxMap::new();
/// b.raise("k1", 9);
/// b.join(&a);
/// assert_eq!(b.get(&"k1"), 9);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MaxMap<K: Ord> {
    /// An ordered map of sorted chunks (crate::sorted_chunks says why not a B-tree); on the
    /// wire a map from key to value, as a `BTreeMap` serializes.
    entries: SortedChunks<K, u64>,
}

impl<K: Ord> Default for MaxMap<K> {
    fn default() -> Self {
        Self { entries: SortedChunks::default() }
    }
}

impl<K: Ord + Serialize> Serialize for MaxMap<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        self.entries.iter().try_for_each(|(key, value)| map.serialize_entry(key, value))?;
        map.end()
    }
}

impl<'de, K: Ord + Clone + Deserialize<'de>> Deserialize<'de> for MaxMap<K> {
    /// Accepts what a `BTreeMap` accepts (keys in any order, the last of a repeated key kept)
    /// and drops zero entries a peer may have sent, keeping the "no zero entries" invariant.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut entries = BTreeMap::<K, u64>::deserialize(deserializer)?;
        entries.retain(|_, v| *v > 0);
        let len = entries.len();
        Ok(Self { entries: SortedChunks::from_sorted(entries.into_iter(), len) })
    }
}

impl<K: Ord + Clone> MaxMap<K> {
    /// The empty map (every key reads 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// Raises `key` to `value`; returns the delta `{key: value}`, or bottom when the entry was
    /// already at least `value`.
    pub fn raise(&mut self, key: K, value: u64) -> Self {
        self.update(key, |_| value, Self::singleton).unwrap_or_default()
    }

    /// [`MaxMap::raise`] without building the delta, for a replica that does not ship this
    /// change (a state loaded or rebuilt locally); returns whether the entry rose.
    pub fn raise_quiet(&mut self, key: K, value: u64) -> bool {
        self.update(key, |_| value, |_, _| ()).is_some()
    }

    /// Sets `key`'s entry to `next(current)` when that is higher, with one lookup, and returns
    /// `on_raise(key, new value)`; `None` when the entry did not rise. The caller decides
    /// whether a delta is built, so a mutator that is not asked for one clones nothing.
    pub(crate) fn update<R>(
        &mut self,
        key: K,
        next: impl FnOnce(u64) -> u64,
        on_raise: impl FnOnce(&K, u64) -> R,
    ) -> Option<R> {
        self.entries.upsert(key, |key, current| {
            // 0 is never stored (see the type's doc), so a vacant key reads 0.
            let before = current.as_deref().copied().unwrap_or(0);
            let value = next(before);
            if value <= before {
                return (None, None);
            }
            let raised = Some(on_raise(key, value));
            match current {
                Some(current) => {
                    *current = value;
                    (None, raised)
                }
                None => (Some(value), raised),
            }
        })
    }

    /// The map `{key: value}` (a delta of one entry), without a heap allocation.
    pub(crate) fn singleton(key: &K, value: u64) -> Self {
        Self { entries: SortedChunks::one(key.clone(), value) }
    }

    /// The value of `key` (0 when absent).
    pub fn get(&self, key: &K) -> u64 {
        self.entries.get(key).copied().unwrap_or(0)
    }

    /// The nonzero entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, u64)> {
        self.entries.iter().map(|(k, v)| (k, *v))
    }

    /// Number of nonzero entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether every key reads 0.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Ord + Clone> Lattice for MaxMap<K> {
    fn join(&mut self, other: &Self) {
        self.entries.join_with(&other.entries, |mine, &theirs| *mine = (*mine).max(theirs));
    }

    fn leq(&self, other: &Self) -> bool {
        // No zero entries, so a key `other` lacks is above it.
        self.entries.len() <= other.entries.len()
            && self.entries.all_against(&other.entries, |_, v, theirs| theirs.is_some_and(|t| v <= t))
    }

    fn difference(&self, other: &Self) -> Self {
        Self { entries: self.entries.filter_against(&other.entries, |_, v, theirs| theirs.is_none_or(|t| v > t)) }
    }

    fn is_bottom(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Ord + Clone> FromIterator<(K, u64)> for MaxMap<K> {
    /// Collects entries, keeping the maximum per key.
    fn from_iter<I: IntoIterator<Item = (K, u64)>>(iter: I) -> Self {
        let mut map = Self::new();
        for (k, v) in iter {
            map.raise_quiet(k, v);
        }
        map
    }
}
