//! Map of lattices, joined key by key.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::Lattice;

/// A map from keys to lattices whose join is the pointwise join; a missing key is bottom.
///
/// Used where each key has its own CRDT, for instance one [`OpLog`](crate::OpLog) per Kafka
/// key. Bottom values are never stored, so two maps that read the same are equal.
///
/// ```
/// use glomer_crdt::{GCounter, Lattice, LatticeMap, ReplicaId};
/// let mut a: LatticeMap<&str, GCounter> = LatticeMap::new();
/// let delta = a.update("clicks", |c| c.increment(ReplicaId(0), 2));
/// let mut b = LatticeMap::new();
/// b.join(&delta);
/// assert_eq!(b.get(&"clicks").map(GCounter::value), Some(2));
/// assert!(a.update("views", |c| c.increment(ReplicaId(0), 0)).is_bottom());
/// assert_eq!(a.iter().count(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LatticeMap<K: Ord, L: Lattice> {
    #[serde(
        deserialize_with = "deserialize_non_bottom",
        bound(deserialize = "K: Deserialize<'de>, L: Deserialize<'de>")
    )]
    entries: BTreeMap<K, L>,
}

/// Drops bottom values a peer may have sent, keeping the "no bottom values" invariant.
fn deserialize_non_bottom<'de, D, K, L>(deserializer: D) -> Result<BTreeMap<K, L>, D::Error>
where
    D: Deserializer<'de>,
    K: Ord + Deserialize<'de>,
    L: Lattice + Deserialize<'de>,
{
    let mut entries = BTreeMap::<K, L>::deserialize(deserializer)?;
    entries.retain(|_, value| !value.is_bottom());
    Ok(entries)
}

impl<K: Ord, L: Lattice> Default for LatticeMap<K, L> {
    fn default() -> Self {
        Self { entries: BTreeMap::new() }
    }
}

impl<K: Ord + Clone, L: Lattice> LatticeMap<K, L> {
    /// The empty map (every key bottom).
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs the delta-mutator `mutate` on `key`'s lattice (bottom when absent); returns the map
    /// `{key: delta}`, or bottom when the delta is bottom.
    pub fn update(&mut self, key: K, mutate: impl FnOnce(&mut L) -> L) -> Self {
        // One lookup; the key is cloned only into a delta that is not bottom.
        let (key, inner) = match self.entries.entry(key) {
            Entry::Occupied(mut entry) => {
                let inner = mutate(entry.get_mut());
                let key = (!inner.is_bottom()).then(|| entry.key().clone());
                if entry.get().is_bottom() {
                    entry.remove();
                }
                (key, inner)
            }
            Entry::Vacant(entry) => {
                let mut value = L::default();
                let inner = mutate(&mut value);
                let key = (!inner.is_bottom()).then(|| entry.key().clone());
                if !value.is_bottom() {
                    entry.insert(value);
                }
                (key, inner)
            }
        };
        Self { entries: key.map(|key| BTreeMap::from([(key, inner)])).unwrap_or_default() }
    }

    /// `key`'s lattice, or `None` when it is bottom.
    pub fn get(&self, key: &K) -> Option<&L> {
        self.entries.get(key)
    }

    /// The non-bottom entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &L)> {
        self.entries.iter()
    }

    /// Number of non-bottom entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether every key is bottom.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Ord + Clone, L: Lattice> Lattice for LatticeMap<K, L> {
    fn join(&mut self, other: &Self) {
        crate::sorted_join::join_maps(&mut self.entries, &other.entries, |mine, theirs| mine.join(theirs));
    }

    fn leq(&self, other: &Self) -> bool {
        self.entries.len() <= other.entries.len()
            && self.entries.iter().all(|(key, value)| other.entries.get(key).is_some_and(|o| value.leq(o)))
    }

    fn difference(&self, other: &Self) -> Self {
        let mut entries = BTreeMap::new();
        for (key, value) in &self.entries {
            let missing = match other.entries.get(key) {
                Some(theirs) => value.difference(theirs),
                None => value.clone(),
            };
            if !missing.is_bottom() {
                entries.insert(key.clone(), missing);
            }
        }
        Self { entries }
    }

    fn is_bottom(&self) -> bool {
        self.entries.is_empty()
    }
}
