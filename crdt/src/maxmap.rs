//! Pointwise maximum of unsigned integers by key.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MaxMap<K: Ord> {
    #[serde(deserialize_with = "deserialize_nonzero", bound(deserialize = "K: Deserialize<'de>"))]
    entries: BTreeMap<K, u64>,
}

/// Drops zero entries a peer may have sent, keeping the "no zero entries" invariant.
fn deserialize_nonzero<'de, D, K>(deserializer: D) -> Result<BTreeMap<K, u64>, D::Error>
where
    D: Deserializer<'de>,
    K: Ord + Deserialize<'de>,
{
    let mut entries = BTreeMap::<K, u64>::deserialize(deserializer)?;
    entries.retain(|_, v| *v > 0);
    Ok(entries)
}

impl<K: Ord> Default for MaxMap<K> {
    fn default() -> Self {
        Self { entries: BTreeMap::new() }
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
        match self.entries.entry(key) {
            Entry::Vacant(entry) => {
                let value = next(0);
                // 0 is never stored (see the type's doc), so a vacant key only rises above it.
                (value > 0).then(|| {
                    let raised = on_raise(entry.key(), value);
                    entry.insert(value);
                    raised
                })
            }
            Entry::Occupied(mut entry) => {
                let value = next(*entry.get());
                (value > *entry.get()).then(|| {
                    *entry.get_mut() = value;
                    on_raise(entry.key(), value)
                })
            }
        }
    }

    /// The map `{key: value}` (a delta of one entry).
    pub(crate) fn singleton(key: &K, value: u64) -> Self {
        Self { entries: BTreeMap::from([(key.clone(), value)]) }
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
        crate::sorted_join::join_maps(&mut self.entries, &other.entries, |mine, &theirs| *mine = (*mine).max(theirs));
    }

    fn leq(&self, other: &Self) -> bool {
        self.entries.len() <= other.entries.len() && self.entries.iter().all(|(k, &v)| v <= other.get(k))
    }

    fn difference(&self, other: &Self) -> Self {
        let entries = self.entries.iter().filter(|(k, &v)| v > other.get(k)).map(|(k, &v)| (k.clone(), v)).collect();
        Self { entries }
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
