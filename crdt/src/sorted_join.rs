//! Joins of ordered maps for large states.
//!
//! Joining by inserting `other`'s entries one by one costs a tree search per entry (O(m log n));
//! that is what a small delta needs. A join of two whole replicas (two replicas that diverged,
//! a full-state message) is better served by walking both trees in key order, O(n + m): shared
//! entries are joined in place and only the entries `self` lacks are cloned, which is all a
//! join that borrows `other` must clone. Past [`REBUILD_LEN_MIN`] entries, when `other` is
//! large, the walk moves `self`'s entries into a sorted vector together with the clones and
//! bulk-builds a new tree from it; otherwise it collects the missing entries and inserts them.

use std::collections::BTreeMap;

/// `other` is joined by one ordered walk when it has at least `1 / BULK_JOIN_RATIO` as many
/// entries as `self`: below that, m log n searches are cheaper than walking n + m entries
/// (log2 of a 10^5-entry tree is 17, and one search costs a few times a sequential step).
pub(crate) const BULK_JOIN_RATIO: usize = 16;

/// Trees with fewer entries than this take the missing entries by insertion, however many:
/// such a tree stays in the L1 and L2 caches, where an insert costs about 25 ns, while a
/// rebuild costs about 15 ns per entry of the whole tree (freeing the old nodes alone is about
/// 10 ns per entry with `std`'s B-tree). Measured on the machine of docs/benchmarks.md.
const REBUILD_LEN_MIN: usize = 2_048;

/// A tree of at least [`REBUILD_LEN_MIN`] entries is rebuilt when `other` has at least
/// `1 / REBUILD_RATIO` as many entries: past the caches an insert costs 40 ns or more (misses on
/// the search path) and a rebuild about 15 ns per entry, so a third of the tree missing is
/// where rebuilding starts to win. `other`'s size bounds what is missing from above; when most
/// of `other` is already held (a full state from a neighbour that is behind) the rebuild is
/// wasted, but the join stays linear.
const REBUILD_RATIO: usize = 3;

/// Whether a join of `other_len` entries into `self_len` entries should walk both in order.
fn bulk(self_len: usize, other_len: usize) -> bool {
    other_len.saturating_mul(BULK_JOIN_RATIO) >= self_len
}

/// Whether a join of `other_len` entries into `self_len` entries should rebuild the tree.
fn rebuild(self_len: usize, other_len: usize) -> bool {
    self_len >= REBUILD_LEN_MIN && other_len.saturating_mul(REBUILD_RATIO) >= self_len
}

/// Joins `other` into `mine`: keys only in `other` are cloned in, and for keys in both
/// `join_value(mine, theirs)` updates the value in place.
pub(crate) fn join_maps<K: Ord + Clone, V: Clone>(
    mine: &mut BTreeMap<K, V>,
    other: &BTreeMap<K, V>,
    mut join_value: impl FnMut(&mut V, &V),
) {
    if mine.is_empty() {
        mine.clone_from(other);
        return;
    }
    if !bulk(mine.len(), other.len()) {
        for (key, value) in other {
            match mine.get_mut(key) {
                Some(current) => join_value(current, value),
                None => {
                    mine.insert(key.clone(), value.clone());
                }
            }
        }
        return;
    }
    if rebuild(mine.len(), other.len()) {
        let mut merged = Vec::with_capacity(mine.len() + other.len());
        let mut theirs = other.iter().peekable();
        for (key, mut value) in std::mem::take(mine) {
            while let Some((k, v)) = theirs.next_if(|(k, _)| **k < key) {
                merged.push((k.clone(), v.clone()));
            }
            if let Some((_, v)) = theirs.next_if(|(k, _)| **k == key) {
                join_value(&mut value, v);
            }
            merged.push((key, value));
        }
        merged.extend(theirs.map(|(k, v)| (k.clone(), v.clone())));
        // Sorted with distinct keys: `collect` reuses the vector, finds it sorted in one pass
        // and bulk-builds the tree leaf by leaf.
        *mine = merged.into_iter().collect();
        return;
    }
    let mut missing = Vec::new();
    let mut theirs = other.iter().peekable();
    for (key, value) in mine.iter_mut() {
        while let Some((k, v)) = theirs.next_if(|(k, _)| *k < key) {
            missing.push((k.clone(), v.clone()));
        }
        if let Some((_, v)) = theirs.next_if(|(k, _)| *k == key) {
            join_value(value, v);
        }
    }
    missing.extend(theirs.map(|(k, v)| (k.clone(), v.clone())));
    mine.extend(missing);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_and_insert_joins_agree_with_a_plain_union() {
        // Sizes on both sides of the bulk and the rebuild thresholds, overlapping and disjoint.
        let cases = [(1000, 10, 5), (1000, 900, 500), (10, 1000, 3), (500, 500, 500), (5000, 4000, 1), (5000, 1000, 7)];
        for (a_len, b_len, offset) in cases {
            let a: BTreeMap<u32, u32> = (0..a_len).map(|k| (k * 2, k)).collect();
            let b: BTreeMap<u32, u32> = (0..b_len).map(|k| (k * 3 + offset, k + 7)).collect();
            let mut joined = a.clone();
            join_maps(&mut joined, &b, |mine, theirs| *mine = (*mine).max(*theirs));
            let mut expected = a.clone();
            for (k, v) in &b {
                let entry = expected.entry(*k).or_insert(*v);
                *entry = (*entry).max(*v);
            }
            assert_eq!(joined, expected, "maps {a_len} {b_len} {offset}");
        }
    }
}
