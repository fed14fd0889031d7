//! Dot stores: the content of a causal CRDT, indexed by the dots that made it.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Causal, CausalContext, CausalState, Dot};

/// The content half of a causal CRDT (Almeida, Shoker and Baquero, "Delta State Replicated
/// Data Types", JPDC 2018, section 6.2): something that holds dots, joined *under* the causal
/// contexts of the two sides. A dot one side holds and the other side has seen but no longer
/// holds was removed, so the join drops it: that is how causal types remove without tombstones.
///
/// Implemented by [`DotSet`], [`DotFun`], [`DotMap`], and by every [`Causal`] type, which is
/// what lets causal types nest inside an [`OrMap`](crate::OrMap). Every dot sits at one place
/// in a store (dots are unique); the methods rely on that.
pub trait DotStore: Clone + PartialEq + Default {
    /// Whether the store holds no dot.
    fn is_empty(&self) -> bool;

    /// Calls `f` on every dot held.
    fn for_each_dot(&self, f: &mut dyn FnMut(Dot));

    /// The store of `(self, context) ⊔ (other, other_context)`, in place: a dot survives when
    /// both hold it or when the side lacking it has not seen it.
    fn join(&mut self, context: &CausalContext, other: &Self, other_context: &CausalContext);

    /// Whether every dot of `other` that `context` (self's context) covers is held by `self`:
    /// with `context ⊆ other's context`, this is `(self, context) ⊑ (other, ...)`.
    fn holds_seen(&self, context: &CausalContext, other: &Self) -> bool;

    /// The part of `self` whose dots `context` has not seen.
    fn unseen_by(&self, context: &CausalContext) -> Self;

    /// Adds to `out` the dots of `other` that `context` (self's context) covers and `self`
    /// does not hold: the removals `self` knows of that `other` does not.
    fn removals(&self, context: &CausalContext, other: &Self, out: &mut CausalContext);
}

/// How a dot store is encoded: a nested causal value encodes only its store (the map's
/// context covers it), everything else encodes itself.
pub trait EncodeStore: DotStore {
    /// Encodes the store.
    fn serialize_store<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error>;

    /// Decodes a store in canonical form (sorted, no duplicate dots, no empty entries).
    fn deserialize_store<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// A set of dots, sorted: the store of [`EwFlag`](crate::EwFlag) and of each element of an
/// [`AwSet`](crate::AwSet). Usually one dot; concurrent adds leave one dot each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DotSet {
    dots: Vec<Dot>,
}

impl DotSet {
    /// The set holding only `dot`.
    pub fn single(dot: Dot) -> Self {
        Self { dots: vec![dot] }
    }

    /// The dots, ascending.
    pub fn iter(&self) -> impl Iterator<Item = Dot> + '_ {
        self.dots.iter().copied()
    }

    /// Number of dots.
    pub fn len(&self) -> usize {
        self.dots.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.dots.is_empty()
    }

    fn contains(&self, dot: Dot) -> bool {
        self.dots.binary_search(&dot).is_ok()
    }
}

impl<'de> Deserialize<'de> for DotSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut dots = Vec::<Dot>::deserialize(deserializer)?;
        dots.retain(|dot| dot.counter > 0);
        dots.sort_unstable();
        dots.dedup();
        Ok(Self { dots })
    }
}

/// Merges two sorted lists of dotted entries under their contexts; `keep_mine` decides a dot
/// held on both sides. Shared by [`DotSet`] and [`DotFun`].
fn join_sorted<E: Clone>(
    mine: &mut Vec<E>,
    context: &CausalContext,
    theirs: &[E],
    their_context: &CausalContext,
    dot: impl Fn(&E) -> Dot,
) {
    if theirs.is_empty() {
        mine.retain(|entry| !their_context.contains(dot(entry)));
        return;
    }
    let mut joined = Vec::with_capacity(mine.len().max(theirs.len()));
    let mut theirs = theirs.iter().peekable();
    for entry in mine.drain(..) {
        let key = dot(&entry);
        while let Some(their) = theirs.next_if(|their| dot(their) < key) {
            if !context.contains(dot(their)) {
                joined.push(their.clone());
            }
        }
        if theirs.next_if(|their| dot(their) == key).is_some() || !their_context.contains(key) {
            joined.push(entry);
        }
    }
    joined.extend(theirs.filter(|their| !context.contains(dot(their))).cloned());
    *mine = joined;
}

impl DotStore for DotSet {
    fn is_empty(&self) -> bool {
        self.dots.is_empty()
    }

    fn for_each_dot(&self, f: &mut dyn FnMut(Dot)) {
        self.dots.iter().for_each(|&dot| f(dot));
    }

    fn join(&mut self, context: &CausalContext, other: &Self, other_context: &CausalContext) {
        if self.dots != other.dots {
            join_sorted(&mut self.dots, context, &other.dots, other_context, |&dot| dot);
        }
    }

    fn holds_seen(&self, context: &CausalContext, other: &Self) -> bool {
        other.dots.iter().all(|&dot| !context.contains(dot) || self.contains(dot))
    }

    fn unseen_by(&self, context: &CausalContext) -> Self {
        Self { dots: self.dots.iter().copied().filter(|&dot| !context.contains(dot)).collect() }
    }

    fn removals(&self, context: &CausalContext, other: &Self, out: &mut CausalContext) {
        for &dot in &other.dots {
            if context.contains(dot) && !self.contains(dot) {
                out.insert(dot);
            }
        }
    }
}

impl EncodeStore for DotSet {
    fn serialize_store<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }

    fn deserialize_store<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::deserialize(deserializer)
    }
}

/// A map from dot to value, sorted by dot: the store of [`MvRegister`](crate::MvRegister).
/// The dot names the write, so a dot's value never changes; values need no order of their own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DotFun<T> {
    entries: Vec<(Dot, T)>,
}

impl<T> Default for DotFun<T> {
    fn default() -> Self {
        Self { entries: Vec::new() }
    }
}

impl<T> DotFun<T> {
    /// The map holding only `dot ↦ value`.
    pub fn single(dot: Dot, value: T) -> Self {
        Self { entries: vec![(dot, value)] }
    }

    /// The entries, by ascending dot.
    pub fn iter(&self) -> impl Iterator<Item = (Dot, &T)> + '_ {
        self.entries.iter().map(|(dot, value)| (*dot, value))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn contains(&self, dot: Dot) -> bool {
        self.entries.binary_search_by_key(&dot, |(d, _)| *d).is_ok()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for DotFun<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut entries = Vec::<(Dot, T)>::deserialize(deserializer)?;
        entries.retain(|(dot, _)| dot.counter > 0);
        // Stable, so of two values a sloppy peer sent under one dot the first is kept.
        entries.sort_by_key(|(dot, _)| *dot);
        entries.dedup_by_key(|(dot, _)| *dot);
        Ok(Self { entries })
    }
}

impl<T: Clone + PartialEq> DotStore for DotFun<T> {
    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn for_each_dot(&self, f: &mut dyn FnMut(Dot)) {
        self.entries.iter().for_each(|(dot, _)| f(*dot));
    }

    fn join(&mut self, context: &CausalContext, other: &Self, other_context: &CausalContext) {
        join_sorted(&mut self.entries, context, &other.entries, other_context, |(dot, _)| *dot);
    }

    fn holds_seen(&self, context: &CausalContext, other: &Self) -> bool {
        other.entries.iter().all(|(dot, _)| !context.contains(*dot) || self.contains(*dot))
    }

    fn unseen_by(&self, context: &CausalContext) -> Self {
        Self { entries: self.entries.iter().filter(|(dot, _)| !context.contains(*dot)).cloned().collect() }
    }

    fn removals(&self, context: &CausalContext, other: &Self, out: &mut CausalContext) {
        for (dot, _) in &other.entries {
            if context.contains(*dot) && !self.contains(*dot) {
                out.insert(*dot);
            }
        }
    }
}

impl<T: Clone + PartialEq + Serialize + DeserializeOwned> EncodeStore for DotFun<T> {
    fn serialize_store<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.serialize(serializer)
    }

    fn deserialize_store<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::deserialize(deserializer)
    }
}

/// A map from keys to dot stores, joined key by key under the shared contexts: the store of
/// [`AwSet`](crate::AwSet) (element ↦ [`DotSet`]) and of [`OrMap`](crate::OrMap) (key ↦
/// causal value). Empty stores are never kept, so a key is present iff it holds a dot.
///
/// Encoded as a map, so in JSON the keys must be strings or integers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DotMap<K, S> {
    entries: BTreeMap<K, S>,
}

impl<K, S> Default for DotMap<K, S> {
    fn default() -> Self {
        Self { entries: BTreeMap::new() }
    }
}

impl<K: Ord, S: DotStore> DotMap<K, S> {
    /// `key`'s store, if it holds a dot.
    pub fn get(&self, key: &K) -> Option<&S> {
        self.entries.get(key)
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &S)> {
        self.entries.iter()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is present.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn entries_mut(&mut self) -> &mut BTreeMap<K, S> {
        &mut self.entries
    }

    pub(crate) fn from_entries(entries: BTreeMap<K, S>) -> Self {
        Self { entries }
    }
}

impl<K: Ord + Clone, S: DotStore> DotStore for DotMap<K, S> {
    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn for_each_dot(&self, f: &mut dyn FnMut(Dot)) {
        self.entries.values().for_each(|store| store.for_each_dot(f));
    }

    /// When `other` is a small delta whose context can only remove dots under its own keys,
    /// only those keys are touched (O(m log n)); otherwise one ordered walk like
    /// `sorted_join::join_maps`: shared keys and keys only `self` holds are joined in place
    /// (the latter lose the dots `other` has seen), keys only `other` holds are collected in
    /// order and appended in linear time.
    fn join(&mut self, context: &CausalContext, other: &Self, other_context: &CausalContext) {
        if self.confined_to_keys_of(Some(context), other, other_context) {
            self.join_keys_of(context, other, other_context);
            return;
        }
        let bottom = S::default();
        let mut missing = Vec::new();
        let mut emptied = false;
        let mut theirs = other.entries.iter().peekable();
        for (key, store) in self.entries.iter_mut() {
            while let Some((k, s)) = theirs.next_if(|(k, _)| *k < key) {
                push_unseen(&mut missing, k, s, context);
            }
            let their_store = theirs.next_if(|(k, _)| *k == key).map_or(&bottom, |(_, s)| s);
            store.join(context, their_store, other_context);
            emptied |= store.is_empty();
        }
        theirs.for_each(|(k, s)| push_unseen(&mut missing, k, s, context));
        if emptied {
            self.entries.retain(|_, store| !store.is_empty());
        }
        self.entries.append(&mut missing.into_iter().collect());
    }

    fn holds_seen(&self, context: &CausalContext, other: &Self) -> bool {
        let bottom = S::default();
        if other.confined_to_keys_of(None, self, context) {
            let mut keys = self.entries.iter();
            return keys
                .all(|(key, mine)| other.entries.get(key).is_none_or(|theirs| mine.holds_seen(context, theirs)));
        }
        other.entries.iter().all(|(key, theirs)| self.entries.get(key).unwrap_or(&bottom).holds_seen(context, theirs))
    }

    fn unseen_by(&self, context: &CausalContext) -> Self {
        let mut entries = Vec::new();
        for (key, store) in &self.entries {
            push_unseen(&mut entries, key, store, context);
        }
        Self { entries: entries.into_iter().collect() }
    }

    fn removals(&self, context: &CausalContext, other: &Self, out: &mut CausalContext) {
        if other.confined_to_keys_of(None, self, context) {
            for (key, mine) in &self.entries {
                if let Some(theirs) = other.entries.get(key) {
                    mine.removals(context, theirs, out);
                }
            }
            return;
        }
        let bottom = S::default();
        for (key, theirs) in &other.entries {
            self.entries.get(key).unwrap_or(&bottom).removals(context, theirs, out);
        }
    }
}

impl<K: Ord + Clone + Serialize + DeserializeOwned, S: EncodeStore> EncodeStore for DotMap<K, S> {
    fn serialize_store<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        serializer.collect_map(self.entries.iter().map(|(key, store)| (key, StoreRef(store))))
    }

    fn deserialize_store<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let decoded = BTreeMap::<K, StoreOwned<S>>::deserialize(deserializer)?;
        let entries = decoded.into_iter().filter(|(_, store)| !store.0.is_empty()).map(|(k, s)| (k, s.0)).collect();
        Ok(Self { entries })
    }
}

/// A small delta's context is enumerated instead of walking a large map when it has at most
/// `1 / SPARSE_RATIO` as many dots as the map has keys: enumerating a dot costs a few binary
/// searches, about what visiting one entry of the walk costs.
const SPARSE_RATIO: u64 = 8;

impl<K: Ord + Clone, S: DotStore> DotMap<K, S> {
    /// Whether the dots `small_context` may remove from `self` (those it covers, `small` does
    /// not hold, and `seen` has seen, when given) are all held by `self` under `small`'s keys,
    /// if at all, so that work on `small`'s keys alone is exact. Decided without walking `self`
    /// (false when `small_context` is too large to enumerate cheaply, or when a candidate dot
    /// is not found under `small`'s keys: it may sit anywhere else). Dots are unique, so a dot
    /// found under one key is nowhere else.
    fn confined_to_keys_of(&self, seen: Option<&CausalContext>, small: &Self, small_context: &CausalContext) -> bool {
        let limit = self.entries.len() as u64 / SPARSE_RATIO;
        if small_context.dot_count() > limit {
            return false;
        }
        let mut held = Vec::new();
        small.for_each_dot(&mut |dot| held.push(dot));
        for key in small.entries.keys() {
            if let Some(store) = self.entries.get(key) {
                store.for_each_dot(&mut |dot| held.push(dot));
            }
        }
        held.sort_unstable();
        small_context.dots().all(|dot| seen.is_some_and(|seen| !seen.contains(dot)) || held.binary_search(&dot).is_ok())
    }

    /// The join when only `other`'s keys can change (see [`DotMap::confined_to_keys_of`]).
    fn join_keys_of(&mut self, context: &CausalContext, other: &Self, other_context: &CausalContext) {
        for (key, theirs) in &other.entries {
            match self.entries.get_mut(key) {
                Some(mine) => {
                    mine.join(context, theirs, other_context);
                    if mine.is_empty() {
                        self.entries.remove(key);
                    }
                }
                None => {
                    let unseen = theirs.unseen_by(context);
                    if !unseen.is_empty() {
                        self.entries.insert(key.clone(), unseen);
                    }
                }
            }
        }
    }
}

/// Pushes `key ↦ (store minus what context has seen)` unless that is empty.
fn push_unseen<K: Clone, S: DotStore>(out: &mut Vec<(K, S)>, key: &K, store: &S, context: &CausalContext) {
    let unseen = store.unseen_by(context);
    if !unseen.is_empty() {
        out.push((key.clone(), unseen));
    }
}

/// A store encoded through [`DotStore::serialize_store`].
pub(crate) struct StoreRef<'a, S>(pub(crate) &'a S);

impl<S: EncodeStore> Serialize for StoreRef<'_, S> {
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        self.0.serialize_store(serializer)
    }
}

/// A store decoded through [`DotStore::deserialize_store`].
pub(crate) struct StoreOwned<S>(pub(crate) S);

impl<'de, S: EncodeStore> Deserialize<'de> for StoreOwned<S> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        S::deserialize_store(deserializer).map(StoreOwned)
    }
}

/// A causal value nested in a [`DotMap`] is a store: its own context stays empty (the map's
/// context covers its dots), and only its store is encoded.
impl<V: Causal> DotStore for V {
    fn is_empty(&self) -> bool {
        self.state().store().is_empty()
    }

    fn for_each_dot(&self, f: &mut dyn FnMut(Dot)) {
        self.state().store().for_each_dot(f);
    }

    fn join(&mut self, context: &CausalContext, other: &Self, other_context: &CausalContext) {
        self.state_mut().store.join(context, other.state().store(), other_context);
    }

    fn holds_seen(&self, context: &CausalContext, other: &Self) -> bool {
        self.state().store().holds_seen(context, other.state().store())
    }

    fn unseen_by(&self, context: &CausalContext) -> Self {
        Self::from_state(CausalState::from_store(self.state().store().unseen_by(context)))
    }

    fn removals(&self, context: &CausalContext, other: &Self, out: &mut CausalContext) {
        self.state().store().removals(context, other.state().store(), out);
    }
}

impl<V: Causal> EncodeStore for V
where
    V::Store: EncodeStore,
{
    fn serialize_store<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.state().store().serialize_store(serializer)
    }

    fn deserialize_store<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        V::Store::deserialize_store(deserializer).map(|store| Self::from_state(CausalState::from_store(store)))
    }
}
