//! An ordered map stored as a sorted vector of short sorted vectors (chunks), the
//! representation of [`GSet`](crate::GSet), [`LwwMap`](crate::LwwMap) and
//! [`MaxMap`](crate::MaxMap) (so of [`GCounter`](crate::GCounter) and
//! [`PNCounter`](crate::PNCounter)). A map of no entry or one, the delta of one mutation, is
//! held inline without a heap allocation.
//!
//! Why not `std`'s B-tree: a join of two whole replicas is a linear merge either way, but a
//! B-tree pays one allocation per 11 entries to build the result and a node-by-node walk to
//! free the old one; measured on the machine of docs/benchmarks.md that is most of the cost
//! of a join at 10^3 entries. Chunks of up to [`CHUNK_LEN_MAX`] entries make a merge a
//! sequential copy with one allocation per [`CHUNK_LEN_BUILT`] entries, and freeing a map a
//! few large frees, while an insert still shifts at most one chunk (the layout of Python's
//! `sortedcontainers`).
//!
//! Invariants: every chunk is non-empty and sorted by key without duplicates, and every key of
//! a chunk is smaller than every key of the next chunk. The inline store is only a shortcut:
//! a map of no entry or one may also be chunked, and equality, hashing and the wire form never
//! show which store holds the entries.

use std::fmt;
use std::hash::{Hash, Hasher};

/// Most entries in one chunk. An insert shifts half a chunk on average: 64 entries of the
/// 40-byte entries of an `LwwMap<u64, u64>` are 2.5 KiB, about the cost of a B-tree insert's
/// search, while longer chunks would make an insert cost more than the `std` B-tree's.
const CHUNK_LEN_MAX: usize = 128;

/// Entries per chunk built by a join or a collect: half full, so that inserts after a join
/// shift and split little before a chunk is full.
const CHUNK_LEN_BUILT: usize = CHUNK_LEN_MAX / 2;

/// `other` is joined by one ordered walk when it has at least `1 / BULK_JOIN_RATIO` as many
/// entries as `self`: below that (a delta), m searches of log n steps each are cheaper than
/// walking n + m entries.
const BULK_JOIN_RATIO: usize = 16;

/// An ordered map from `K` to `V` in sorted chunks (see the module documentation).
#[derive(Clone)]
pub(crate) struct SortedChunks<K, V> {
    store: Store<K, V>,
}

/// Where the entries live.
#[derive(Clone)]
enum Store<K, V> {
    /// No entry or one, without a heap allocation: the delta a delta-mutator returns holds one
    /// entry, and allocating a chunk for it (and freeing it) cost more than the mutation's
    /// search (measured in docs/benchmarks.md, "Join and mutation speed against crdts").
    Inline(Option<(K, V)>),
    /// Any number of entries.
    Chunked(Chunks<K, V>),
}

/// The chunks proper: a sorted vector of sorted vectors of entries.
#[derive(Clone)]
struct Chunks<K, V> {
    chunks: Vec<Vec<(K, V)>>,
    len: usize,
    /// Chunk index and position of the entry the last write found. A counter's replica
    /// writes its own entry over and over (Shapiro et al. 2011, specification 6), and so do
    /// the joins of its deltas, so checking this slot first saves the search. Checked before
    /// use, so a slot that inserts and splits have moved costs one comparison.
    last_found: (usize, usize),
}

/// Where a key is or would go: chunk index and position in that chunk.
enum Slot {
    Found(usize, usize),
    Vacant(usize, usize),
}

impl<K, V> Default for SortedChunks<K, V> {
    fn default() -> Self {
        Self { store: Store::Inline(None) }
    }
}

impl<K, V> SortedChunks<K, V> {
    /// The map `{key: value}`, without a heap allocation.
    pub(crate) fn one(key: K, value: V) -> Self {
        Self { store: Store::Inline(Some((key, value))) }
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        match &self.store {
            Store::Inline(entry) => usize::from(entry.is_some()),
            Store::Chunked(chunks) => chunks.len,
        }
    }

    /// Whether there is no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &(K, V)> {
        let (inline, chunks) = match &self.store {
            Store::Inline(entry) => (entry.as_slice(), [].as_slice()),
            Store::Chunked(chunks) => ([].as_slice(), chunks.chunks.as_slice()),
        };
        inline.iter().chain(chunks.iter().flatten())
    }

    /// Keys in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(k, _)| k)
    }
}

impl<K: Ord, V> SortedChunks<K, V> {
    /// The value of `key`.
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        match &self.store {
            Store::Inline(entry) => entry.as_ref().filter(|(k, _)| k == key).map(|(_, v)| v),
            Store::Chunked(chunks) => match chunks.find(key) {
                Slot::Found(c, i) => Some(&chunks.chunks[c][i].1),
                Slot::Vacant(..) => None,
            },
        }
    }

    /// The chunks, moving an inline entry into the first one.
    fn chunked(&mut self) -> &mut Chunks<K, V> {
        if let Store::Inline(entry) = &mut self.store {
            let chunks: Vec<_> = entry.take().map(|entry| vec![entry]).into_iter().collect();
            let len = chunks.len();
            self.store = Store::Chunked(Chunks { chunks, len, last_found: (0, 0) });
        }
        match &mut self.store {
            Store::Chunked(chunks) => chunks,
            Store::Inline(_) => unreachable!("moved to chunks above"),
        }
    }

    /// Writes `key` in one search: `write(&key, current value)` updates an existing value in
    /// place, or returns the value of a new key (`None` leaves it out), and what the call
    /// returns.
    pub(crate) fn upsert<R>(&mut self, key: K, write: impl FnOnce(&K, Option<&mut V>) -> (Option<V>, R)) -> R {
        let chunks = match &mut self.store {
            Store::Chunked(chunks) => chunks,
            Store::Inline(None) => {
                let (value, result) = write(&key, None);
                if let Some(value) = value {
                    self.store = Store::Inline(Some((key, value)));
                }
                return result;
            }
            Store::Inline(Some((k, v))) if *k == key => return write(k, Some(v)).1,
            Store::Inline(Some(_)) => self.chunked(),
        };
        match chunks.find_for_write(&key) {
            Slot::Found(c, i) => {
                let (key, value) = &mut chunks.chunks[c][i];
                write(key, Some(value)).1
            }
            Slot::Vacant(c, i) => {
                let (value, result) = write(&key, None);
                if let Some(value) = value {
                    chunks.insert_at(c, i, key, value);
                }
                result
            }
        }
    }

    /// Whether `f(key, value, other's value of key)` holds for every entry: by one ordered walk
    /// when `other` is not much larger, else by a search of `other` per entry.
    pub(crate) fn all_against(&self, other: &Self, mut f: impl FnMut(&K, &V, Option<&V>) -> bool) -> bool {
        if self.len().saturating_mul(BULK_JOIN_RATIO) < other.len() {
            return self.iter().all(|(k, v)| f(k, v, other.get(k)));
        }
        let mut theirs = other.iter().peekable();
        self.iter().all(|(k, v)| {
            while theirs.next_if(|(theirs, _)| theirs < k).is_some() {}
            let matched = theirs.next_if(|(theirs, _)| theirs == k).map(|(_, v)| v);
            f(k, v, matched)
        })
    }
}

impl<K: Ord, V> Chunks<K, V> {
    /// The first chunk whose last key is at least `key`, then the position in it.
    ///
    /// The chunks' last keys are read through each chunk's pointer rather than kept side by
    /// side in one array: the side array measured slower (docs/benchmarks.md, "Join and
    /// mutation speed against crdts"), its branch-free search waiting on every load.
    fn find(&self, key: &K) -> Slot {
        let c = self.chunks.partition_point(|chunk| chunk.last().is_some_and(|(last, _)| last < key));
        let Some(chunk) = self.chunks.get(c) else {
            return Slot::Vacant(c.saturating_sub(1), self.chunks.last().map_or(0, Vec::len));
        };
        match chunk.binary_search_by(|(k, _)| k.cmp(key)) {
            Ok(i) => Slot::Found(c, i),
            Err(i) => Slot::Vacant(c, i),
        }
    }

    /// [`Chunks::find`], trying the slot the last write found first.
    fn find_for_write(&mut self, key: &K) -> Slot {
        let (c, i) = self.last_found;
        if self.chunks.get(c).and_then(|chunk| chunk.get(i)).is_some_and(|(k, _)| k == key) {
            return Slot::Found(c, i);
        }
        let slot = self.find(key);
        if let Slot::Found(c, i) = slot {
            self.last_found = (c, i);
        }
        slot
    }

    /// Inserts `(key, value)` at a vacant slot, splitting a full chunk in halves.
    fn insert_at(&mut self, c: usize, i: usize, key: K, value: V) {
        self.len += 1;
        let Some(chunk) = self.chunks.get_mut(c) else {
            self.chunks.push(vec![(key, value)]);
            return;
        };
        if chunk.len() < CHUNK_LEN_MAX {
            if chunk.len() == chunk.capacity() {
                // Doubling, but never past the maximum (a clone has any capacity).
                chunk.reserve_exact(chunk.len().min(CHUNK_LEN_MAX - chunk.len()));
            }
            chunk.insert(i, (key, value));
            return;
        }
        // Split before inserting, so that a chunk never grows past its maximum and never holds
        // more than [`CHUNK_LEN_MAX`] entries' worth of memory.
        let half = CHUNK_LEN_MAX / 2;
        let mut upper = chunk.split_off(half);
        match i.checked_sub(half) {
            Some(j) if j > 0 => upper.insert(j, (key, value)),
            _ => chunk.insert(i, (key, value)),
        }
        self.chunks.insert(c + 1, upper);
    }
}

impl<K: Ord + Clone, V: Clone> SortedChunks<K, V> {
    /// The entries for which `keep(key, value, other's value of key)` holds, cloned.
    pub(crate) fn filter_against(&self, other: &Self, mut keep: impl FnMut(&K, &V, Option<&V>) -> bool) -> Self {
        let mut kept = Builder::new(0);
        self.all_against(other, |k, v, theirs| {
            if keep(k, v, theirs) {
                kept.push((k.clone(), v.clone()));
            }
            true
        });
        kept.finish()
    }

    /// Builds from entries sorted by key without duplicates.
    pub(crate) fn from_sorted(entries: impl Iterator<Item = (K, V)>, len_hint: usize) -> Self {
        let mut builder = Builder::new(len_hint);
        entries.for_each(|entry| builder.push(entry));
        builder.finish()
    }

    /// Joins `other` in: keys only in `other` are cloned in, and for keys in both
    /// `join_value(mine, theirs)` updates the value in place. A small `other` (a delta) is
    /// inserted entry by entry; a large one is merged in one ordered walk that moves `self`'s
    /// entries and clones only what `self` lacks.
    pub(crate) fn join_with(&mut self, other: &Self, mut join_value: impl FnMut(&mut V, &V)) {
        match (&mut self.store, &other.store) {
            (_, Store::Inline(None)) => {}
            (Store::Inline(None), _) => self.clone_from(other),
            (Store::Inline(Some((k, v))), Store::Inline(Some((key, value)))) if k == key => join_value(v, value),
            (_, Store::Inline(Some((key, value)))) => self.chunked().join_entry(key, value, &mut join_value),
            (_, Store::Chunked(theirs)) => self.chunked().join_with(theirs, join_value),
        }
    }
}

impl<K: Ord + Clone, V: Clone> Chunks<K, V> {
    /// Joins one entry of `other` in with one search.
    #[inline]
    fn join_entry(&mut self, key: &K, value: &V, join_value: &mut impl FnMut(&mut V, &V)) {
        match self.find_for_write(key) {
            Slot::Found(c, i) => join_value(&mut self.chunks[c][i].1, value),
            Slot::Vacant(c, i) => self.insert_at(c, i, key.clone(), value.clone()),
        }
    }

    /// [`SortedChunks::join_with`] of two chunked maps.
    #[inline]
    fn join_with(&mut self, other: &Self, mut join_value: impl FnMut(&mut V, &V)) {
        if other.len.saturating_mul(BULK_JOIN_RATIO) < self.len {
            for (key, value) in other.chunks.iter().flatten() {
                self.join_entry(key, value, &mut join_value);
            }
            return;
        }
        let mut merged = Builder::new(self.len + other.len);
        let mut theirs = other.chunks.iter().flatten().peekable();
        for mut chunk in std::mem::take(&mut self.chunks) {
            for (key, mut value) in chunk.drain(..) {
                while let Some(entry) = theirs.next_if(|(k, _)| *k < key) {
                    merged.push(entry.clone());
                }
                if let Some((_, v)) = theirs.next_if(|(k, _)| *k == key) {
                    join_value(&mut value, v);
                }
                merged.push((key, value));
            }
            merged.spare = Some(chunk);
        }
        for entry in theirs {
            merged.push(entry.clone());
        }
        *self = merged.finish_chunks();
    }
}

/// Fills chunks of [`CHUNK_LEN_BUILT`] entries from entries pushed in key order.
struct Builder<K, V> {
    built: Chunks<K, V>,
    chunk: Vec<(K, V)>,
    /// An emptied chunk of the map being rebuilt, taken for the next chunk instead of a fresh
    /// allocation: a join then writes most of its result into memory it already holds, where
    /// fresh memory costs page faults (about a sixth of a join of 10^5 entries, profiled).
    spare: Option<Vec<(K, V)>>,
}

impl<K, V> Builder<K, V> {
    fn new(len_hint: usize) -> Self {
        let chunks = Vec::with_capacity(len_hint.div_ceil(CHUNK_LEN_BUILT));
        let built = Chunks { chunks, len: 0, last_found: (0, 0) };
        Self { built, chunk: Vec::with_capacity(CHUNK_LEN_BUILT.min(len_hint)), spare: None }
    }

    // Once per entry of a join: the compiler stopped inlining it once several types shared
    // this module, and the call was a sixth of a join of 10^3 entries (profiled).
    #[inline(always)]
    fn push(&mut self, entry: (K, V)) {
        if self.chunk.len() == CHUNK_LEN_BUILT {
            let mut next = self.spare.take().unwrap_or_default();
            next.reserve_exact(CHUNK_LEN_BUILT);
            let full = std::mem::replace(&mut self.chunk, next);
            self.built.len += full.len();
            self.built.chunks.push(full);
        }
        self.chunk.push(entry);
    }

    fn finish_chunks(mut self) -> Chunks<K, V> {
        if !self.chunk.is_empty() {
            self.built.len += self.chunk.len();
            self.built.chunks.push(self.chunk);
        }
        self.built
    }

    fn finish(self) -> SortedChunks<K, V> {
        SortedChunks { store: Store::Chunked(self.finish_chunks()) }
    }
}

impl<K: Ord + Clone, V: Clone> FromIterator<(K, V)> for SortedChunks<K, V> {
    /// Sorts and keeps the last value of a repeated key, as `BTreeMap`'s `collect` does.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let sorted: std::collections::BTreeMap<K, V> = iter.into_iter().collect();
        let len = sorted.len();
        Self::from_sorted(sorted.into_iter(), len)
    }
}

impl<K: PartialEq, V: PartialEq> PartialEq for SortedChunks<K, V> {
    /// Equal entries, however they are chunked.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<K: Eq, V: Eq> Eq for SortedChunks<K, V> {}

impl<K: Hash, V: Hash> Hash for SortedChunks<K, V> {
    /// The length and the entries in order, as `BTreeMap` hashes, so chunking never shows.
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        self.iter().for_each(|entry| entry.hash(state));
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedChunks<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter().map(|(k, v)| (k, v))).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn holds_invariants<K: Ord, V>(map: &SortedChunks<K, V>) -> bool {
        let keys: Vec<&K> = map.keys().collect();
        let chunks_hold = match &map.store {
            Store::Inline(_) => true,
            Store::Chunked(chunks) => {
                chunks.len == keys.len() && chunks.chunks.iter().all(|c| !c.is_empty() && c.capacity() <= CHUNK_LEN_MAX)
            }
        };
        chunks_hold && keys.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn inserts_and_joins_agree_with_a_btree_map() {
        // Sizes on both sides of the bulk threshold and of a chunk, overlapping and disjoint,
        // keys inserted out of order so that chunks split.
        let cases = [(1000, 10, 5), (1000, 900, 500), (10, 1000, 3), (500, 500, 500), (5000, 4000, 1), (300, 2, 1)];
        for (a_len, b_len, offset) in cases {
            let mut a: SortedChunks<u32, u32> = SortedChunks::default();
            let mut expected_a = BTreeMap::new();
            for k in (0..a_len).rev().chain(0..a_len / 3) {
                let key = (k * 7919) % (a_len * 2);
                a.upsert(key, |_, v| match v {
                    Some(v) => (None, *v = (*v).max(k)),
                    None => (Some(k), ()),
                });
                let e = expected_a.entry(key).or_insert(k);
                *e = (*e).max(k);
            }
            assert!(holds_invariants(&a), "inserts {a_len}");
            assert!(a.iter().map(|(k, v)| (*k, *v)).eq(expected_a.clone()), "inserts {a_len}");
            let b: SortedChunks<u32, u32> = (0..b_len).map(|k| (k * 3 + offset, k + 7)).collect();
            let mut joined = a.clone();
            joined.join_with(&b, |mine, theirs| *mine = (*mine).max(*theirs));
            let mut expected = expected_a;
            for (k, v) in b.iter() {
                let e = expected.entry(*k).or_insert(*v);
                *e = (*e).max(*v);
            }
            assert!(holds_invariants(&joined), "join {a_len} {b_len} {offset}");
            assert!(joined.iter().map(|(k, v)| (*k, *v)).eq(expected), "join {a_len} {b_len} {offset}");
            assert!(b.all_against(&joined, |_, v, theirs| theirs.is_some_and(|t| t >= v)));
            assert!(a.all_against(&joined, |_, v, theirs| theirs.is_some_and(|t| t >= v)));
        }
    }

    #[test]
    fn one_entry_deltas_join_like_a_btree_map_at_every_size() {
        // Maps of 0, 1, 2 and many entries (inline and chunked), each joined with one-entry
        // deltas that hit a present key, fall before, between and after the keys.
        for a_len in [0u32, 1, 2, 20, 300] {
            let a: SortedChunks<u32, u32> = (0..a_len).map(|k| (k * 2 + 1, k)).collect();
            let mut inline = SortedChunks::default();
            (0..a_len).for_each(|k| inline.upsert(k * 2 + 1, |_, _| (Some(k), ())));
            for (key, value) in [(0, 9), (1, 9), (2, 9), (a_len * 2, 9), (a_len * 2 + 1, 9), (3, 0)] {
                let expected: BTreeMap<u32, u32> =
                    a.iter().copied().chain([(key, value)]).fold(BTreeMap::new(), |mut map, (k, v)| {
                        let e = map.entry(k).or_insert(v);
                        *e = (*e).max(v);
                        map
                    });
                for start in [&a, &inline] {
                    let mut joined = start.clone();
                    joined.join_with(&SortedChunks::one(key, value), |mine, theirs| *mine = (*mine).max(*theirs));
                    assert!(holds_invariants(&joined), "{a_len} {key}");
                    assert!(joined.iter().copied().eq(expected.clone()), "{a_len} {key}: {joined:?}");
                    assert_eq!(joined.get(&key), expected.get(&key), "{a_len} {key}");
                }
            }
            assert!(a == inline, "{a_len}: equal whatever the store");
        }
    }
}
