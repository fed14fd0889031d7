//! An ordered map stored as a sorted vector of short sorted vectors (chunks), the
//! representation of [`GSet`](crate::GSet) and [`LwwMap`](crate::LwwMap).
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
//! a chunk is smaller than every key of the next chunk.

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
    chunks: Vec<Vec<(K, V)>>,
    len: usize,
}

/// Where a key is or would go: chunk index and position in that chunk.
enum Slot {
    Found(usize, usize),
    Vacant(usize, usize),
}

impl<K, V> Default for SortedChunks<K, V> {
    fn default() -> Self {
        Self { chunks: Vec::new(), len: 0 }
    }
}

impl<K: Ord, V> SortedChunks<K, V> {
    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &(K, V)> {
        self.chunks.iter().flatten()
    }

    /// Keys in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(k, _)| k)
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        match self.find(key) {
            Slot::Found(c, i) => Some(&self.chunks[c][i].1),
            Slot::Vacant(..) => None,
        }
    }

    /// The first chunk whose last key is at least `key`, then the position in it.
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

    /// Writes `key` in one search: `write(&key, current value)` updates an existing value in
    /// place, or returns the value of a new key (`None` leaves it out), and what the call
    /// returns.
    pub(crate) fn upsert<R>(&mut self, key: K, write: impl FnOnce(&K, Option<&mut V>) -> (Option<V>, R)) -> R {
        match self.find(&key) {
            Slot::Found(c, i) => {
                let (key, value) = &mut self.chunks[c][i];
                write(key, Some(value)).1
            }
            Slot::Vacant(c, i) => {
                let (value, result) = write(&key, None);
                if let Some(value) = value {
                    self.insert_at(c, i, key, value);
                }
                result
            }
        }
    }

    /// Whether `f(key, value, other's value of key)` holds for every entry: by one ordered walk
    /// when `other` is not much larger, else by a search of `other` per entry.
    pub(crate) fn all_against(&self, other: &Self, mut f: impl FnMut(&K, &V, Option<&V>) -> bool) -> bool {
        if self.len.saturating_mul(BULK_JOIN_RATIO) < other.len {
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
    fn from_sorted(entries: impl Iterator<Item = (K, V)>, len_hint: usize) -> Self {
        let mut builder = Builder::new(len_hint);
        entries.for_each(|entry| builder.push(entry));
        builder.finish()
    }

    /// Joins `other` in: keys only in `other` are cloned in, and for keys in both
    /// `join_value(mine, theirs)` updates the value in place. A small `other` (a delta) is
    /// inserted entry by entry; a large one is merged in one ordered walk that moves `self`'s
    /// entries and clones only what `self` lacks.
    pub(crate) fn join_with(&mut self, other: &Self, mut join_value: impl FnMut(&mut V, &V)) {
        if self.is_empty() {
            self.clone_from(other);
            return;
        }
        if other.len.saturating_mul(BULK_JOIN_RATIO) < self.len {
            for (key, value) in other.iter() {
                match self.find(key) {
                    Slot::Found(c, i) => join_value(&mut self.chunks[c][i].1, value),
                    Slot::Vacant(c, i) => self.insert_at(c, i, key.clone(), value.clone()),
                }
            }
            return;
        }
        let mut merged = Builder::new(self.len + other.len);
        let mut theirs = other.iter().peekable();
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
        theirs.for_each(|entry| merged.push(entry.clone()));
        *self = merged.finish();
    }
}

/// Fills chunks of [`CHUNK_LEN_BUILT`] entries from entries pushed in key order.
struct Builder<K, V> {
    built: SortedChunks<K, V>,
    chunk: Vec<(K, V)>,
    /// An emptied chunk of the map being rebuilt, taken for the next chunk instead of a fresh
    /// allocation: a join then writes most of its result into memory it already holds, where
    /// fresh memory costs page faults (about a sixth of a join of 10^5 entries, profiled).
    spare: Option<Vec<(K, V)>>,
}

impl<K, V> Builder<K, V> {
    fn new(len_hint: usize) -> Self {
        let built = SortedChunks { chunks: Vec::with_capacity(len_hint.div_ceil(CHUNK_LEN_BUILT)), len: 0 };
        Self { built, chunk: Vec::with_capacity(CHUNK_LEN_BUILT.min(len_hint)), spare: None }
    }

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

    fn finish(mut self) -> SortedChunks<K, V> {
        if !self.chunk.is_empty() {
            self.built.len += self.chunk.len();
            self.built.chunks.push(self.chunk);
        }
        self.built
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
        self.len == other.len && self.chunks.iter().flatten().eq(other.chunks.iter().flatten())
    }
}

impl<K: Eq, V: Eq> Eq for SortedChunks<K, V> {}

impl<K: Hash, V: Hash> Hash for SortedChunks<K, V> {
    /// The length and the entries in order, as `BTreeMap` hashes, so chunking never shows.
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len);
        self.chunks.iter().flatten().for_each(|entry| entry.hash(state));
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedChunks<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.chunks.iter().flatten().map(|(k, v)| (k, v))).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn holds_invariants<K: Ord, V>(map: &SortedChunks<K, V>) -> bool {
        let keys: Vec<&K> = map.keys().collect();
        map.chunks.iter().all(|c| !c.is_empty() && c.capacity() <= CHUNK_LEN_MAX)
            && keys.windows(2).all(|w| w[0] < w[1])
            && keys.len() == map.len
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
}
