//! Encoded size of a delta-group against the encoded size of the whole state.

use glomer_crdt::Lattice;
use serde::Serialize;

use crate::overhead::NODES;

/// Mutations joined into the delta-group that is measured: one round of the overhead runs (one
/// update per node), i.e. what a node that relays everything it heard sends per interval.
pub const GROUP_MUTATIONS: u64 = NODES as u64;

/// Sizes of one state and one delta-group of it, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeltaSize {
    /// Elements (set elements, map keys, counter replicas) of the state.
    pub elements: u64,
    /// The whole state, postcard-encoded (what `SyncStats::bytes_sent` counts).
    pub state_bytes: usize,
    /// The delta-group of the next [`GROUP_MUTATIONS`] mutations, postcard-encoded.
    pub group_bytes: usize,
    /// The whole state as JSON (what a Maelstrom node puts in a message body).
    pub state_json_bytes: usize,
    /// The delta-group as JSON.
    pub group_json_bytes: usize,
}

impl DeltaSize {
    /// Delta-group bytes over state bytes (postcard).
    pub fn ratio(&self) -> f64 {
        self.group_bytes as f64 / self.state_bytes.max(1) as f64
    }
}

/// Builds a state of `elements` elements with mutations `0..elements` (`mutate(state, k)`
/// applies mutation `k` and returns its delta), joins the deltas of the next
/// [`GROUP_MUTATIONS`] mutations into one group, and measures both.
pub fn measure<L: Lattice + Serialize>(elements: u64, mut mutate: impl FnMut(&mut L, u64) -> L) -> DeltaSize {
    let mut state = L::default();
    for k in 0..elements {
        mutate(&mut state, k);
    }
    let mut group = L::default();
    for k in elements..elements + GROUP_MUTATIONS {
        group.join(&mutate(&mut state, k));
    }
    DeltaSize {
        elements,
        state_bytes: postcard_bytes(&state),
        group_bytes: postcard_bytes(&group),
        state_json_bytes: json_bytes(&state),
        group_json_bytes: json_bytes(&group),
    }
}

fn postcard_bytes<T: Serialize>(value: &T) -> usize {
    postcard::to_allocvec(value).map_or(0, |bytes| bytes.len())
}

fn json_bytes<T: Serialize>(value: &T) -> usize {
    serde_json::to_vec(value).map_or(0, |bytes| bytes.len())
}

#[cfg(test)]
mod tests {
    use glomer_crdt::GSet;

    use super::*;

    #[test]
    fn delta_to_state_ratio_falls_as_the_state_grows() {
        let ratios: Vec<f64> =
            [100, 1_000, 10_000].iter().map(|&n| measure(n, |set: &mut GSet<u64>, k| set.insert(k)).ratio()).collect();
        assert!(ratios.windows(2).all(|pair| pair[1] < pair[0]), "{ratios:?}");
    }
}
