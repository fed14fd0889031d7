//! The update streams the overhead and size figures replay: one per replicated type.

use glomer_crdt::{GSet, Hlc, Lattice, LwwMap, PNCounter, ReplicaId};
use serde::Serialize;

/// Keys an [`LwwMapWrites`] stream writes to. A thousand keys is a small hot map (a cache, a
/// config, Maelstrom's txn workloads use far fewer): after the first thousand updates most
/// writes overwrite a key, so the full state stops growing while deltas stay one entry each.
pub const LWW_KEYS: u64 = 1_000;

/// A deterministic stream of delta-mutations for one replicated type.
pub trait Workload {
    /// The replicated state.
    type State: Lattice + Serialize;

    /// Short name used in tables.
    const NAME: &'static str;

    /// A stream for a cluster of `nodes` replicas.
    fn new(nodes: usize) -> Self;

    /// Applies update number `k` (counted over the whole cluster) at `node`, whose wall clock
    /// reads `now_ms`, and returns its delta.
    fn update(&mut self, node: usize, k: u64, now_ms: u64, state: &mut Self::State) -> Self::State;
}

/// Inserts of distinct integers into a [`GSet`], as in Maelstrom's broadcast and g-set workloads.
#[derive(Debug)]
pub struct GSetInserts;

impl Workload for GSetInserts {
    type State = GSet<u64>;
    const NAME: &'static str = "GSet";

    fn new(_nodes: usize) -> Self {
        Self
    }

    fn update(&mut self, _node: usize, k: u64, _now_ms: u64, state: &mut GSet<u64>) -> GSet<u64> {
        state.insert(k)
    }
}

/// Increments and decrements by one, alternating, into a [`PNCounter`] (pn-counter workload).
#[derive(Debug)]
pub struct PNCounterAdds;

impl Workload for PNCounterAdds {
    type State = PNCounter;
    const NAME: &'static str = "PNCounter";

    fn new(_nodes: usize) -> Self {
        Self
    }

    fn update(&mut self, node: usize, k: u64, _now_ms: u64, state: &mut PNCounter) -> PNCounter {
        let by = if k.is_multiple_of(2) { 1 } else { -1 };
        state.add(replica(node), by)
    }
}

/// Writes of key `k mod LWW_KEYS` (value `k`) into an [`LwwMap`], stamped by each node's
/// hybrid logical clock.
#[derive(Debug)]
pub struct LwwMapWrites {
    clocks: Vec<Hlc>,
}

impl Workload for LwwMapWrites {
    type State = LwwMap<u64, u64>;
    const NAME: &'static str = "LwwMap";

    fn new(nodes: usize) -> Self {
        Self { clocks: (0..nodes).map(|node| Hlc::new(replica(node))).collect() }
    }

    fn update(&mut self, node: usize, k: u64, now_ms: u64, state: &mut LwwMap<u64, u64>) -> LwwMap<u64, u64> {
        let ts = self.clocks[node].now(now_ms);
        state.insert(k % LWW_KEYS, k, ts)
    }
}

/// Node index to replica id, as the simulator numbers them.
pub fn replica(node: usize) -> ReplicaId {
    // Clusters here have a few dozen nodes, far below u32::MAX.
    ReplicaId(node as u32)
}
