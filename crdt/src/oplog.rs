//! Append-only log with one writer, replicated by union.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::Lattice;

/// An append-only log with dense positions from 0, written by one owner and joined by union.
///
/// The state maps each position to the set of entries seen there. With one owner that is
/// always one entry; two entries at one position mean the owner wrote the position twice (say
/// it restarted and lost its state), and keeping both makes join commutative instead of letting
/// delivery order pick a winner. Such a position is a conflict: [`OpLog::conflicts`] reports
/// it, and readers never see it.
///
/// Readers see only the visible prefix: positions `0..contiguous_len()`, each present with
/// exactly one entry. A position that has not arrived yet (a gap) or is in conflict ends the
/// prefix, so a reader never skips an entry it would later have to go back for.
///
/// ```
/// use glomer_crdt::{Lattice, OpLog};
/// let mut owner = OpLog::new();
/// let (offset0, d0) = owner.append("a");
/// let (offset1, d1) = owner.append("b");
/// assert_eq!((offset0, offset1), (0, 1));
/// let mut reader = OpLog::new();
/// reader.join(&d1);
/// assert_eq!(reader.contiguous_len(), 0, "position 0 has not arrived: a gap hides position 1");
/// reader.join(&d0);
/// assert_eq!(reader.read_from(0).collect::<Vec<_>>(), vec![(0, &"a"), (1, &"b")]);
///
/// let mut other = OpLog::new();
/// other.insert(1, "c"); // a second write of position 1
/// reader.join(&other);
/// assert_eq!(reader.conflicts().collect::<Vec<_>>(), vec![1]);
/// assert_eq!(reader.contiguous_len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct OpLog<T> {
    /// Invariant: every set is non-empty, sorted and free of duplicates.
    entries: BTreeMap<u64, Vec<T>>,
    /// Cache of the visible prefix's length; a function of `entries`, so the derived equality
    /// stays correct.
    #[serde(skip)]
    visible_len: u64,
}

impl<T> Default for OpLog<T> {
    fn default() -> Self {
        Self { entries: BTreeMap::new(), visible_len: 0 }
    }
}

impl<'de, T: Ord + Clone + Deserialize<'de>> Deserialize<'de> for OpLog<T> {
    /// Restores the invariants a peer's message may break (unsorted, repeated or empty sets)
    /// and recomputes the visible prefix.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut entries = BTreeMap::<u64, Vec<T>>::deserialize(deserializer)?;
        for values in entries.values_mut() {
            values.sort();
            values.dedup();
        }
        entries.retain(|_, values| !values.is_empty());
        Ok(Self::from_entries(entries))
    }
}

impl<T: Ord + Clone> OpLog<T> {
    /// The empty log.
    pub fn new() -> Self {
        Self::default()
    }

    fn from_entries(entries: BTreeMap<u64, Vec<T>>) -> Self {
        let mut log = Self { entries, visible_len: 0 };
        log.advance_visible();
        log
    }

    /// Extends the visible prefix over the positions that now follow it with one entry each.
    fn advance_visible(&mut self) {
        let mut next = self.visible_len;
        for (&pos, values) in self.entries.range(next..) {
            if pos != next || values.len() != 1 {
                break;
            }
            match next.checked_add(1) {
                Some(after) => next = after,
                None => break,
            }
        }
        self.visible_len = next;
    }

    /// Records that `pos` now holds a second entry: the prefix ends before it.
    fn note_conflict(&mut self, pos: u64) {
        self.visible_len = self.visible_len.min(pos);
    }

    /// The offset the owner writes next: one past the highest position present.
    ///
    /// Not the visible prefix's length: a position beyond a gap is already taken, and reusing
    /// a taken position would create a conflict. Only an owner that lost its log can do that.
    pub fn next_offset(&self) -> u64 {
        self.entries.last_key_value().map_or(0, |(&pos, _)| pos.saturating_add(1))
    }

    /// Owner side: writes `value` at [`OpLog::next_offset`]; returns the offset and the delta.
    pub fn append(&mut self, value: T) -> (u64, Self) {
        let offset = self.next_offset();
        (offset, self.insert(offset, value))
    }

    /// Adds `value` at `offset`; returns the delta `{offset: [value]}`, or bottom when that
    /// entry was already there. A different entry already at `offset` makes it a conflict.
    pub fn insert(&mut self, offset: u64, value: T) -> Self {
        let values = self.entries.entry(offset).or_default();
        let Err(index) = values.binary_search(&value) else {
            return Self::new();
        };
        values.insert(index, value.clone());
        if values.len() > 1 {
            self.note_conflict(offset);
        }
        self.advance_visible();
        Self::from_entries(BTreeMap::from([(offset, vec![value])]))
    }

    /// Length of the visible prefix: positions `0..contiguous_len()` are present, each with one
    /// entry.
    pub fn contiguous_len(&self) -> u64 {
        self.visible_len
    }

    /// The visible entries from `offset` on, in order.
    pub fn read_from(&self, offset: u64) -> impl Iterator<Item = (u64, &T)> {
        let start = offset.min(self.visible_len);
        self.entries.range(start..self.visible_len).filter_map(|(&pos, values)| values.first().map(|v| (pos, v)))
    }

    /// The entry at `offset` if it is visible.
    pub fn get(&self, offset: u64) -> Option<&T> {
        if offset >= self.visible_len {
            return None;
        }
        self.entries.get(&offset).and_then(|values| values.first())
    }

    /// Every entry seen at `offset`, in order: empty when none arrived, more than one when the
    /// position is in conflict.
    pub fn entries_at(&self, offset: u64) -> &[T] {
        self.entries.get(&offset).map_or(&[], |values| values.as_slice())
    }

    /// Positions holding more than one entry, ascending.
    pub fn conflicts(&self) -> impl Iterator<Item = u64> + '_ {
        self.entries.iter().filter(|(_, values)| values.len() > 1).map(|(&pos, _)| pos)
    }

    /// Whether no position holds an entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Adds to the sorted set `mine` the members of the sorted set `theirs`; returns whether it grew.
fn union_into<T: Ord + Clone>(mine: &mut Vec<T>, theirs: &[T]) -> bool {
    let mut grew = false;
    for value in theirs {
        if let Err(index) = mine.binary_search(value) {
            mine.insert(index, value.clone());
            grew = true;
        }
    }
    grew
}

fn is_subset<T: Ord>(mine: &[T], theirs: &[T]) -> bool {
    mine.len() <= theirs.len() && mine.iter().all(|value| theirs.binary_search(value).is_ok())
}

impl<T: Ord + Clone> Lattice for OpLog<T> {
    fn join(&mut self, other: &Self) {
        if self.entries.is_empty() {
            self.clone_from(other);
            return;
        }
        for (&pos, values) in &other.entries {
            match self.entries.get_mut(&pos) {
                Some(mine) => {
                    if union_into(mine, values) && mine.len() > 1 {
                        self.note_conflict(pos);
                    }
                }
                None => {
                    self.entries.insert(pos, values.clone());
                }
            }
        }
        self.advance_visible();
    }

    fn leq(&self, other: &Self) -> bool {
        self.entries.len() <= other.entries.len()
            && self.entries.iter().all(|(pos, values)| other.entries.get(pos).is_some_and(|o| is_subset(values, o)))
    }

    fn difference(&self, other: &Self) -> Self {
        let mut entries = BTreeMap::new();
        for (&pos, values) in &self.entries {
            let theirs = other.entries_at(pos);
            let missing: Vec<T> = values.iter().filter(|v| theirs.binary_search(v).is_err()).cloned().collect();
            if !missing.is_empty() {
                entries.insert(pos, missing);
            }
        }
        Self::from_entries(entries)
    }

    fn is_bottom(&self) -> bool {
        self.entries.is_empty()
    }
}
