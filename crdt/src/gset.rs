//! Grow-only set.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GSet<T: Ord> {
    elements: BTreeSet<T>,
}

impl<T: Ord> Default for GSet<T> {
    fn default() -> Self {
        Self { elements: BTreeSet::new() }
    }
}

impl<T: Ord + Clone> GSet<T> {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value`; returns the delta (bottom when `value` was already present).
    pub fn insert(&mut self, value: T) -> Self {
        // One lookup: the clone is made before it is known to be needed, which costs nothing
        // for the integers of Maelstrom's workloads and saves a second search of the tree.
        let mut delta = Self::new();
        if self.elements.insert(value.clone()) {
            delta.elements.insert(value);
        }
        delta
    }

    /// [`GSet::insert`] without building the delta, for a set that does not ship this change
    /// (a state loaded or rebuilt locally); returns whether `value` was new.
    pub fn insert_quiet(&mut self, value: T) -> bool {
        self.elements.insert(value)
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: &T) -> bool {
        self.elements.contains(value)
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
        self.elements.iter()
    }
}

impl<T: Ord + Clone> FromIterator<T> for GSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self { elements: iter.into_iter().collect() }
    }
}

impl<T: Ord + Clone> Lattice for GSet<T> {
    fn join(&mut self, other: &Self) {
        crate::sorted_join::join_sets(&mut self.elements, &other.elements);
    }

    fn leq(&self, other: &Self) -> bool {
        self.elements.is_subset(&other.elements)
    }

    fn difference(&self, other: &Self) -> Self {
        Self { elements: self.elements.difference(&other.elements).cloned().collect() }
    }

    fn is_bottom(&self) -> bool {
        self.elements.is_empty()
    }
}
