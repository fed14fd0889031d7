//! Grow-only set.

use std::collections::BTreeSet;

use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sorted_chunks::SortedChunks;
use crate::Lattice;

/// A grow-only set: elements are only ever added; join is set union.
///
/// Its delta-mutator [`GSet::insert`] returns the singleton `{x}` (or bottom when `x` was
/// already present, so nothing needs to travel).
///
/// ```
/// use glomer_crdt::{GSet, Lattice};
/// let mut a = GSet::new();
/// let delta = a.insert(7);
/// let mut b = GSet::new();
/// b.join(&delta);
/// assert_eq!(a, b);
/// assert!(b.contains(&7));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct GSet<T: Ord> {
    /// Elements as keys of an ordered map of sorted chunks (crate::sorted_chunks says why
    /// not a B-tree); on the wire a sorted sequence, as a `BTreeSet` serializes.
    elements: SortedChunks<T, ()>,
}

impl<T: Ord> Default for GSet<T> {
    fn default() -> Self {
        Self { elements: SortedChunks::default() }
    }
}

impl<T: Ord + std::fmt::Debug> std::fmt::Debug for GSet<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.elements.keys()).finish()
    }
}

impl<T: Ord + Serialize> Serialize for GSet<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.elements.len()))?;
        self.elements.keys().try_for_each(|element| seq.serialize_element(element))?;
        seq.end()
    }
}

impl<'de, T: Ord + Clone + Deserialize<'de>> Deserialize<'de> for GSet<T> {
    /// Accepts what a `BTreeSet` accepts: any order, repeats dropped.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let elements = BTreeSet::<T>::deserialize(deserializer)?;
        let len = elements.len();
        Ok(Self { elements: SortedChunks::from_sorted(elements.into_iter().map(|element| (element, ())), len) })
    }
}

impl<T: Ord + Clone> GSet<T> {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value`; returns the delta (bottom when `value` was already present).
    pub fn insert(&mut self, value: T) -> Self {
        // One search; the element is cloned into the delta only when it is new, and the
        // one-element delta is held without a heap allocation.
        let added = self.elements.upsert(value, |value, present| match present {
            Some(()) => (None, None),
            None => (Some(()), Some(value.clone())),
        });
        Self { elements: added.map(|value| SortedChunks::one(value, ())).unwrap_or_default() }
    }

    /// [`GSet::insert`] without building the delta, for a set that does not ship this change
    /// (a state loaded or rebuilt locally); returns whether `value` was new.
    pub fn insert_quiet(&mut self, value: T) -> bool {
        self.elements.upsert(value, |_, present| if present.is_some() { (None, false) } else { (Some(()), true) })
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: &T) -> bool {
        self.elements.get(value).is_some()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Elements in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.elements.keys()
    }
}

impl<T: Ord + Clone> FromIterator<T> for GSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self { elements: iter.into_iter().map(|element| (element, ())).collect() }
    }
}

impl<T: Ord + Clone> Lattice for GSet<T> {
    fn join(&mut self, other: &Self) {
        self.elements.join_with(&other.elements, |_, _| ());
    }

    fn leq(&self, other: &Self) -> bool {
        self.elements.len() <= other.elements.len()
            && self.elements.all_against(&other.elements, |_, _, theirs| theirs.is_some())
    }

    fn difference(&self, other: &Self) -> Self {
        Self { elements: self.elements.filter_against(&other.elements, |_, _, theirs| theirs.is_none()) }
    }

    fn is_bottom(&self) -> bool {
        self.elements.is_empty()
    }
}
