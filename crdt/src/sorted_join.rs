//! Joins of ordered maps and sets by a linear merge, for joins of large states.
//!
//! Joining by inserting `other`'s entries one by one costs O(m log n) and touches the tree at
//! random; when `other` is about as large as `self` (two replicas merging whole states, a
//! full-state message) walking both in key order and merging the trees with `append` (which
//! bulk-builds from two sorted iterators) is O(n + m).

use std::collections::{BTreeMap, BTreeSet};

/// `other` is joined by a linear merge when it has at least `1 / BULK_JOIN_RATIO` as many
/// entries as `self`: below that, m log n inserts are cheaper than rebuilding n + m entries
/// (log2 of a 10^5-entry tree is 17, and one insert costs a few times a sequential step).
pub(crate) const BULK_JOIN_RATIO: usize = 16;

/// Whether a join of `other_len` entries into `self_len` entries should rebuild by merging.
fn bulk(self_len: usize, other_len: usize) -> bool {
    other_len.saturating_mul(BULK_JOIN_RATIO) >= self_len
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
    // One ordered walk: shared keys are joined in place, missing ones collected in key order
    // (`collect` of sorted entries bulk-builds a tree), then `append` merges the two trees in
    // linear time.
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
    mine.append(&mut missing.into_iter().collect());
}

/// `mine ∪= other`.
pub(crate) fn join_sets<T: Ord + Clone>(mine: &mut BTreeSet<T>, other: &BTreeSet<T>) {
    if mine.is_empty() {
        mine.clone_from(other);
        return;
    }
    if !bulk(mine.len(), other.len()) {
        mine.extend(other.iter().cloned());
        return;
    }
    // `difference` walks both sets in order; `append` merges the trees in linear time.
    let mut missing: BTreeSet<T> = other.difference(mine).cloned().collect();
    mine.append(&mut missing);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_and_insert_joins_agree_with_a_plain_union() {
        // Sizes on both sides of the bulk threshold, overlapping and disjoint.
        for (a_len, b_len, offset) in [(1000, 10, 5), (1000, 900, 500), (10, 1000, 3), (500, 500, 500)] {
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

            let set_a: BTreeSet<u32> = a.keys().copied().collect();
            let set_b: BTreeSet<u32> = b.keys().copied().collect();
            let mut union = set_a.clone();
            join_sets(&mut union, &set_b);
            assert_eq!(union, set_a.union(&set_b).copied().collect(), "sets {a_len} {b_len} {offset}");
        }
    }
}
