//! Observed-remove map of causal values.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::causal::causal_type;
use crate::{Causal, CausalContext, CausalState, DotMap, DotStore, ReplicaId};

/// An observed-remove map from keys to causal values (the ORMap of Almeida, Shoker and
/// Baquero, JPDC 2018, section 7.3): every value is a [`Causal`] type, nested maps included
/// (`OrMap<String, MvRegister<_>>`, `OrMap<String, AwSet<_>>`, `OrMap<String, OrMap<..>>`),
/// and all of them share the map's one [`CausalContext`].
///
/// Removing a key removes what the remover has observed of its value: an update made
/// concurrently with the remove survives, and the key comes back holding just that update.
/// A key is present while its value holds a dot; nothing is kept for removed keys.
///
/// ```
/// use glomer_crdt::{Lattice, MvRegister, OrMap, ReplicaId};
/// let (a_id, b_id) = (ReplicaId(0), ReplicaId(1));
/// let mut a: OrMap<String, MvRegister<u64>> = OrMap::new();
/// a.update(a_id, "x".to_string(), |reg| reg.write(a_id, 1));
/// let mut b = a.clone();
/// // Concurrently: a removes "x", b writes it.
/// let remove = a.remove(&"x".to_string());
/// let write = b.update(b_id, "x".to_string(), |reg| reg.write(b_id, 2));
/// a.join(&write);
/// b.join(&remove);
/// assert_eq!(a, b);
/// let x = a.get(&"x".to_string()).expect("the concurrent update survives the remove");
/// assert_eq!(x.read(), vec![&2]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrMap<K, V> {
    state: CausalState<DotMap<K, V>>,
}

causal_type!(
    OrMap<K, V>,
    DotMap<K, V>,
    where [K: Ord + Clone, V: Causal],
    serde where [K: Ord + Clone + Serialize + DeserializeOwned, V: Causal + crate::EncodeStore]
);

impl<K, V> Default for OrMap<K, V> {
    fn default() -> Self {
        Self { state: CausalState { store: DotMap::default(), context: CausalContext::new() } }
    }
}

impl<K: Ord + Clone, V: Causal> OrMap<K, V> {
    /// The empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs the delta-mutator `mutate` on `key`'s value (bottom when absent) as `replica`;
    /// returns the map's delta, `{key: the value's delta}`. The value sees the map's context,
    /// so the dots it mints are unique in the whole map; `mutate` must mint them as `replica`.
    pub fn update(&mut self, replica: ReplicaId, key: K, mutate: impl FnOnce(&mut V) -> V) -> Self {
        #[cfg(debug_assertions)]
        let before = self.state.context.clone();
        let entries = self.state.store.entries_mut();
        let mut value = entries.remove(&key).unwrap_or_default();
        value.state_mut().context = std::mem::take(&mut self.state.context);
        let delta = mutate(&mut value).into_state();
        self.state.context = std::mem::take(&mut value.state_mut().context);
        if !DotStore::is_empty(&value) {
            entries.insert(key.clone(), value);
        }
        #[cfg(debug_assertions)]
        assert!(
            delta.context.replicas().all(|r| r == replica || delta.context.max(r) <= before.max(r)),
            "a nested mutator minted a dot as another replica than {replica}"
        );
        #[cfg(not(debug_assertions))]
        let _ = replica; // only checked in debug builds: the check copies the context
        let mut store = DotMap::default();
        if !delta.store.is_empty() {
            store.entries_mut().insert(key, V::from_state(CausalState::from_store(delta.store)));
        }
        Self { state: CausalState { store, context: delta.context } }
    }

    /// Removes `key` as far as this replica has observed its value; returns the delta (the
    /// removed dots; bottom when `key` is absent).
    pub fn remove(&mut self, key: &K) -> Self {
        let mut dots = CausalContext::new();
        if let Some(value) = self.state.store.entries_mut().remove(key) {
            value.for_each_dot(&mut |dot| dots.insert(dot));
        }
        Self { state: CausalState::removing(dots) }
    }

    /// Removes every key observed; returns the delta (bottom when the map is empty).
    pub fn clear(&mut self) -> Self {
        let mut dots = CausalContext::new();
        std::mem::take(self.state.store.entries_mut()).values().for_each(|v| v.for_each_dot(&mut |d| dots.insert(d)));
        Self { state: CausalState::removing(dots) }
    }

    /// `key`'s value, if present. A nested value's own context is empty (the map's context
    /// covers it): read it, don't mutate a copy of it; mutate through [`OrMap::update`].
    pub fn get(&self, key: &K) -> Option<&V> {
        self.state.store.get(key)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &K) -> bool {
        self.state.store.get(key).is_some()
    }

    /// The present keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.state.store.iter().map(|(key, _)| key)
    }

    /// The present entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.state.store.iter()
    }

    /// Number of present keys.
    pub fn len(&self) -> usize {
        self.state.store.len()
    }

    /// Whether no key is present.
    pub fn is_empty(&self) -> bool {
        self.state.store.is_empty()
    }
}
