//! Message overhead of replication, counted exactly in the deterministic simulator.
//!
//! The experiment follows Enes et al., "Efficient Synchronization of State-based CRDTs"
//! (ICDE 2019, §5): every node applies one update per synchronisation interval until the
//! cluster has made `updates` updates, then the network runs until every replica has
//! converged and every message is acknowledged. Messages and bytes are totals over all nodes,
//! acks included, divided by the number of updates.

use std::fmt;

use glomer_crdt::sim::{SimConfig, Simulation};
use glomer_crdt::{SyncConfig, SyncMode, Topology, DEFAULT_BATCH_INTERVAL_MS};
use thiserror::Error;

use crate::workload::Workload;

/// Replicas in every overhead run: Maelstrom's broadcast challenges 3d/3e use 25 nodes.
pub const NODES: usize = 25;

/// One round of updates per batch interval, so every data message of a round carries that
/// round's updates, as in Enes et al.'s one-update-per-sync-interval runs.
pub const ROUND_MS: u64 = DEFAULT_BATCH_INTERVAL_MS;

/// Virtual time allowed, after the last update, for the cluster to go quiet. Without faults a
/// line of 25 nodes converges in about 24 hops × (delay + batching) ≈ 6 s; ten minutes only
/// catches a protocol that never settles.
pub const QUIET_MS_MAX: u64 = 600_000;

/// The topologies of the figures, as `Topology` parses them.
pub const TOPOLOGIES: [&str; 6] = ["line", "ring", "tree:4", "star", "total", "random:4"];

/// Which synchronisation protocol the engines run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// (a) Classic state-based gossip: every data message is the whole state.
    FullState,
    /// (b) Delta-interval anti-entropy as in Almeida et al. 2018, Algorithm 2: both
    /// optimisations off.
    ClassicDelta,
    /// Delta-interval with no back-propagation only (Enes et al. §4.1, "BP"): a group is never
    /// sent back to the neighbour it came from.
    BackPropagationOnly,
    /// Delta-interval with redundancy removal only (Enes et al. §4.1, "RR"): only the part of a
    /// received delta that is new is buffered to travel on.
    RedundancyOnly,
    /// (c) Delta-interval with no back-propagation and redundancy removal (Enes et al. §4.1).
    OptimisedDelta,
}

impl Protocol {
    /// The three protocols of the overhead tables, in their column order.
    pub const ALL: [Protocol; 3] = [Protocol::FullState, Protocol::ClassicDelta, Protocol::OptimisedDelta];

    /// The delta protocols with the two optimisations apart, in the column order of the table
    /// that shows which optimisation helps on which topology (Enes et al. measure them apart).
    pub const APART: [Protocol; 4] =
        [Protocol::ClassicDelta, Protocol::BackPropagationOnly, Protocol::RedundancyOnly, Protocol::OptimisedDelta];

    /// The engine configuration that selects this protocol; everything else is the default.
    pub fn sync_config(self) -> SyncConfig {
        use Protocol::*;
        let mode = if self == FullState { SyncMode::FullState } else { SyncMode::Delta };
        let remove_redundancy = matches!(self, RedundancyOnly | OptimisedDelta);
        let no_back_propagation = matches!(self, BackPropagationOnly | OptimisedDelta);
        SyncConfig { mode, remove_redundancy, no_back_propagation, ..SyncConfig::default() }
    }

    /// Whether simulating it costs the square of the update count: without redundancy removal
    /// and back-propagation together, groups snowball towards the whole state.
    pub fn is_quadratic(self) -> bool {
        self != Protocol::OptimisedDelta
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::FullState => "full state",
            Protocol::ClassicDelta => "delta (classic)",
            Protocol::BackPropagationOnly => "delta (BP only)",
            Protocol::RedundancyOnly => "delta (RR only)",
            Protocol::OptimisedDelta => "delta (BP+RR)",
        })
    }
}

/// What one run sent until the cluster was quiet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overhead {
    /// Updates made across the cluster.
    pub updates: u64,
    /// Messages sent, data and standalone acks.
    pub messages: u64,
    /// Their postcard-encoded size.
    pub bytes_sent: u64,
    /// Virtual time from the first update until every replica converged and all was acked.
    pub quiet_ms: u64,
}

impl Overhead {
    /// Messages per update.
    pub fn messages_per_update(&self) -> f64 {
        self.messages as f64 / self.updates.max(1) as f64
    }

    /// Encoded bytes per update.
    pub fn bytes_per_update(&self) -> f64 {
        self.bytes_sent as f64 / self.updates.max(1) as f64
    }
}

/// Why a run produced no figure.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum OverheadError {
    /// The network still had work after `QUIET_MS_MAX`.
    #[error("{topology} / {protocol}: not quiet {QUIET_MS_MAX} ms after the last update")]
    NotQuiet {
        /// The topology run.
        topology: String,
        /// The protocol run.
        protocol: String,
    },
    /// The cluster went quiet with replicas that differ: a protocol bug.
    #[error("{topology} / {protocol}: quiet but replicas differ")]
    Diverged {
        /// The topology run.
        topology: String,
        /// The protocol run.
        protocol: String,
    },
}

/// Runs `updates` updates of workload `W` over [`NODES`] replicas wired by `topology`, one
/// update per node per [`ROUND_MS`], and counts what `protocol` sent until all converged.
pub fn measure<W: Workload>(
    topology: &Topology,
    protocol: Protocol,
    updates: u64,
    seed: u64,
) -> Result<Overhead, OverheadError> {
    let config = SimConfig { nodes: NODES, topology: topology.clone(), seed, ..SimConfig::default() };
    let mut sim: Simulation<W::State> = Simulation::new(config, protocol.sync_config());
    let mut workload = W::new(NODES);
    let mut k = 0;
    while k < updates {
        for node in 0..NODES {
            if k < updates {
                let now_ms = sim.now_ms();
                sim.update(node, |state| workload.update(node, k, now_ms, state));
                k += 1;
            }
        }
        sim.run_for(ROUND_MS);
    }
    let (topology, protocol) = (topology.to_string(), protocol.to_string());
    if !sim.run_until_quiet(QUIET_MS_MAX) {
        return Err(OverheadError::NotQuiet { topology, protocol });
    }
    if !sim.converged() {
        return Err(OverheadError::Diverged { topology, protocol });
    }
    let stats = sim.stats().sync;
    Ok(Overhead { updates, messages: stats.messages_sent, bytes_sent: stats.bytes_sent, quiet_ms: sim.now_ms() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{GSetInserts, LwwMapWrites, PNCounterAdds};

    fn ring_bytes<W: Workload>(protocol: Protocol) -> u64 {
        let ring = Topology::Ring;
        match measure::<W>(&ring, protocol, 200, 1) {
            Ok(run) => run.bytes_sent,
            Err(error) => panic!("{} seed 1: {error}", W::NAME),
        }
    }

    #[test]
    fn optimised_delta_sends_fewer_bytes_than_classic_delta_and_full_state_on_a_ring() {
        for (name, full, classic, optimised) in [
            (
                "GSet",
                ring_bytes::<GSetInserts>(Protocol::FullState),
                ring_bytes::<GSetInserts>(Protocol::ClassicDelta),
                ring_bytes::<GSetInserts>(Protocol::OptimisedDelta),
            ),
            (
                "PNCounter",
                ring_bytes::<PNCounterAdds>(Protocol::FullState),
                ring_bytes::<PNCounterAdds>(Protocol::ClassicDelta),
                ring_bytes::<PNCounterAdds>(Protocol::OptimisedDelta),
            ),
            (
                "LwwMap",
                ring_bytes::<LwwMapWrites>(Protocol::FullState),
                ring_bytes::<LwwMapWrites>(Protocol::ClassicDelta),
                ring_bytes::<LwwMapWrites>(Protocol::OptimisedDelta),
            ),
        ] {
            assert!(optimised < classic && classic <= full, "{name}: {optimised} / {classic} / {full} bytes");
        }
    }
}
