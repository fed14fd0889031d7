//! Add-wins observed-remove set.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::causal::causal_type;
use crate::{CausalContext, CausalState, DotMap, DotSet, ReplicaId};

/// An add-wins set (the AWSet of Almeida, Shoker and Baquero, JPDC 2018, section 7.1): a
/// remove takes out the adds it has observed, so an add concurrent with a remove survives.
///
/// The store maps each element to the dots of its live adds; removing an element forgets its
/// dots, and the context remembers them, so nothing is kept for removed elements (no
/// tombstones): after `n` adds and `n / 2` removes the state is the live elements plus a
/// version vector.
///
/// ```
/// use glomer_crdt::{AwSet, Lattice, ReplicaId};
/// let (a_id, b_id) = (ReplicaId(0), ReplicaId(1));
/// let mut a = AwSet::new();
/// a.add(a_id, "milk");
/// let mut b = a.clone();
/// // Concurrently: a removes milk, b adds it again.
/// let remove = a.remove(&"milk");
/// let add = b.add(b_id, "milk");
/// a.join(&add);
/// b.join(&remove);
/// assert_eq!(a, b);
/// assert!(a.contains(&"milk"), "the add a had not seen wins");
/// // A remove that has seen every add takes the element out everywhere.
/// let remove = a.remove(&"milk");
/// b.join(&remove);
/// assert!(!b.contains(&"milk") && b.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AwSet<T> {
    state: CausalState<DotMap<T, DotSet>>,
}

causal_type!(AwSet<T>, DotMap<T, DotSet>, where [T: Ord + Clone], serde where [T: Ord + Clone + Serialize + DeserializeOwned]);

impl<T> Default for AwSet<T> {
    fn default() -> Self {
        Self { state: CausalState { store: DotMap::default(), context: CausalContext::new() } }
    }
}

impl<T: Ord + Clone> AwSet<T> {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` as `replica`'s new add, replacing the adds of `value` seen so far; returns
    /// the delta (the new dot, and the replaced ones as removed).
    pub fn add(&mut self, replica: ReplicaId, value: T) -> Self {
        let dot = self.state.context.next_dot(replica);
        self.state.context.insert(dot);
        let mut seen = CausalContext::new();
        seen.insert(dot);
        let entries = self.state.store.entries_mut();
        if let Some(old) = entries.insert(value.clone(), DotSet::single(dot)) {
            old.iter().for_each(|old_dot| seen.insert(old_dot));
        }
        let store = DotMap::from_entries([(value, DotSet::single(dot))].into());
        Self { state: CausalState { store, context: seen } }
    }

    /// Removes `value` as far as this replica has seen it; returns the delta (the removed
    /// dots; bottom when `value` is absent).
    pub fn remove(&mut self, value: &T) -> Self {
        let removed = self.state.store.entries_mut().remove(value);
        let dots = removed.iter().flat_map(DotSet::iter).collect();
        Self { state: CausalState::removing(dots) }
    }

    /// Removes every element seen; returns the delta (bottom when the set is empty).
    pub fn clear(&mut self) -> Self {
        let removed = std::mem::take(self.state.store.entries_mut());
        let dots = removed.values().flat_map(DotSet::iter).collect();
        Self { state: CausalState::removing(dots) }
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: &T) -> bool {
        self.state.store.get(value).is_some()
    }

    /// The elements in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.state.store.iter().map(|(value, _)| value)
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.state.store.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.state.store.is_empty()
    }
}
