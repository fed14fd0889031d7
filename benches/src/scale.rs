//! Scale by simulation: hundreds to thousands of replicas of a G-Set (Maelstrom's broadcast)
//! in the seeded simulator, with the cost model of docs/broadcast.md computed next to what the
//! run measured.
//!
//! Two regimes bracket the model. *Sparse*: one update per `round_ms` somewhere in the cluster,
//! rounds far apart, so every link is idle when an update reaches it and nothing batches: the
//! model predicts 2E − n + 1 data messages per update (each node forwards a new update once to
//! every neighbour but the one it came from). *Dense*: every node updates once per round of one
//! batch interval, so every link is busy and sends about once per round: 2E / n data messages
//! per update in the steady state.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use glomer_crdt::sim::{SimConfig, Simulation};
use glomer_crdt::{GSet, SyncConfig, Topology, TopologyError, DEFAULT_BATCH_INTERVAL_MS};
use thiserror::Error;

use crate::memory::live_bytes;

/// Virtual time allowed after the last update for the cluster to converge and go quiet: a
/// 1,000-node tree:4 has a diameter of about 10 hops of at most 250 ms each (150 ms delay plus
/// a batch wait); a minute only catches a run that never settles.
pub const QUIET_MS_MAX: u64 = 60_000;

/// Which update pattern a run replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regime {
    /// One update per round, rounds of `SPARSE_ROUND_MS`: nothing batches.
    Sparse,
    /// Every node updates once per round of one batch interval: every link batches.
    Dense,
}

/// A sparse round: longer than a 1,000-node tree's diameter (about 10 hops × 150 ms) plus the
/// 1 s standalone-ack delay, so one update's wave and its acks are over before the next starts.
pub const SPARSE_ROUND_MS: u64 = 3_000;

/// The shape of the neighbour graph a run used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Undirected edges.
    pub edges: usize,
    /// Longest shortest path, in hops.
    pub diameter: usize,
    /// Largest neighbour count of any node.
    pub degree_max: usize,
}

impl Shape {
    /// Edges, diameter and maximum degree of `topology` over `nodes` nodes with `seed`.
    pub fn of(topology: &Topology, nodes: usize, seed: u64) -> Self {
        let lists = topology.neighbours(nodes, seed);
        let edges = lists.iter().map(Vec::len).sum::<usize>() / 2;
        let degree_max = lists.iter().map(Vec::len).max().unwrap_or(0);
        // A breadth-first search from every node: 10^6 steps for 1,000 nodes of degree 4.
        let diameter = (0..nodes).map(|start| eccentricity(&lists, start)).max();
        Self { edges, diameter: diameter.unwrap_or(0), degree_max }
    }

    /// Data messages per update that the cost model predicts for `regime` over `nodes` nodes.
    pub fn predicted_data_per_update(&self, regime: Regime, nodes: usize) -> f64 {
        match regime {
            Regime::Sparse => (2 * self.edges + 1).saturating_sub(nodes) as f64,
            Regime::Dense => 2.0 * self.edges as f64 / nodes.max(1) as f64,
        }
    }
}

/// Hops from `start` to the farthest node.
fn eccentricity(lists: &[Vec<usize>], start: usize) -> usize {
    let mut hops = vec![usize::MAX; lists.len()];
    let mut queue = VecDeque::from([start]);
    hops[start] = 0;
    let mut farthest = 0;
    while let Some(a) = queue.pop_front() {
        farthest = farthest.max(hops[a]);
        for &b in &lists[a] {
            if hops[b] == usize::MAX {
                hops[b] = hops[a] + 1;
                queue.push_back(b);
            }
        }
    }
    farthest
}

/// What one scale run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleRun {
    /// Updates made.
    pub updates: u64,
    /// Data messages sent (deltas and full states).
    pub data_messages: u64,
    /// Standalone acks sent.
    pub acks: u64,
    /// Postcard bytes of every message.
    pub bytes_sent: u64,
    /// Virtual time from the last update until every replica held every update.
    pub converged_after_ms: u64,
    /// The most delta-groups any engine held at a round boundary.
    pub buffered_groups_max: usize,
    /// Heap bytes of the whole simulation at the end, per replica (engine, state, buffers).
    pub heap_bytes_per_replica: usize,
    /// Wall time the simulator took.
    pub wall: Duration,
}

/// Runs `rounds` rounds of `regime` updates over `nodes` replicas of a G-Set wired by
/// `topology`, with the engine's default configuration (BP+RR, piggybacked acks, 100 ms
/// batches) and the simulator's default network (50–150 ms delays, no loss). `None` when the
/// cluster did not converge within [`QUIET_MS_MAX`].
pub fn measure(topology: &Topology, nodes: usize, regime: Regime, rounds: u64, seed: u64) -> Option<ScaleRun> {
    let started = Instant::now();
    let heap_before = live_bytes();
    let config = SimConfig { nodes, topology: topology.clone(), seed, ..SimConfig::default() };
    let mut sim: Simulation<GSet<u64>> = Simulation::new(config, SyncConfig::default());
    let (round_ms, per_round) = match regime {
        Regime::Sparse => (SPARSE_ROUND_MS, 1),
        Regime::Dense => (DEFAULT_BATCH_INTERVAL_MS, nodes as u64),
    };
    let mut updates = 0;
    let mut buffered_groups_max = 0;
    for round in 0..rounds {
        for i in 0..per_round {
            // Sparse rounds move the single update around the cluster.
            let node = ((round * 7919 + i) % nodes as u64) as usize;
            sim.update(node, |set| set.insert(updates));
            updates += 1;
        }
        if round + 1 < rounds {
            sim.run_for(round_ms);
            buffered_groups_max = buffered_groups_max.max(most_buffered(&sim));
        }
    }
    let last_update_ms = sim.now_ms();
    while !sim.converged() {
        if sim.now_ms() - last_update_ms > QUIET_MS_MAX {
            return None;
        }
        sim.run_for(10);
    }
    let converged_after_ms = sim.now_ms() - last_update_ms;
    buffered_groups_max = buffered_groups_max.max(most_buffered(&sim));
    if !sim.run_until_quiet(QUIET_MS_MAX) {
        return None;
    }
    let stats = sim.stats().sync;
    let heap_bytes_per_replica = live_bytes().saturating_sub(heap_before) / nodes.max(1);
    Some(ScaleRun {
        updates,
        data_messages: stats.data_messages,
        acks: stats.acks_sent,
        bytes_sent: stats.bytes_sent,
        converged_after_ms,
        buffered_groups_max,
        heap_bytes_per_replica,
        wall: started.elapsed(),
    })
}

/// The most delta-groups any engine of `sim` holds now.
fn most_buffered(sim: &Simulation<GSet<u64>>) -> usize {
    (0..sim.nodes()).map(|i| sim.engine(i).buffered_groups()).max().unwrap_or(0)
}

/// Why a scale table could not be made.
#[derive(Debug, Error)]
pub enum ScaleError {
    /// A topology name did not parse.
    #[error(transparent)]
    Topology(#[from] TopologyError),
    /// A run did not converge within [`QUIET_MS_MAX`].
    #[error("{nodes} nodes, {topology}, {regime:?}: not converged {QUIET_MS_MAX} ms after the last update")]
    NotConverged {
        /// Replicas.
        nodes: usize,
        /// The topology's name.
        topology: String,
        /// The update pattern.
        regime: Regime,
    },
}

/// The scale table of docs/benchmarks.md: every topology at `nodes` replicas, sparse and dense,
/// `rounds` rounds each, measured against the model. Progress goes to stderr.
pub fn scale_table(nodes: usize, topologies: &[String], rounds: u64, seed: u64) -> Result<String, ScaleError> {
    let mut out = String::from(
        "| nodes | topology | regime | edges | diameter | max degree | updates | data msgs / update | model \
         | acks / update | bytes / update | rounds to converge | max buffered groups | heap bytes / replica \
         | sim wall time |\n|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for name in topologies {
        let topology: Topology = name.parse()?;
        let shape = Shape::of(&topology, nodes, seed);
        for regime in [Regime::Sparse, Regime::Dense] {
            let not_converged = || ScaleError::NotConverged { nodes, topology: name.clone(), regime };
            let run = measure(&topology, nodes, regime, rounds, seed).ok_or_else(not_converged)?;
            eprintln!("scale {nodes} {name} {regime:?}: {:.1?}", run.wall);
            let per_update = |count: u64| count as f64 / run.updates.max(1) as f64;
            let _ = writeln!(
                out,
                "| {nodes} | {name} | {regime:?} | {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.0} | {:.1} | {} | {} | {:.2?} |",
                shape.edges,
                shape.diameter,
                shape.degree_max,
                run.updates,
                per_update(run.data_messages),
                shape.predicted_data_per_update(regime, nodes),
                per_update(run.acks),
                per_update(run.bytes_sent),
                run.converged_after_ms as f64 / DEFAULT_BATCH_INTERVAL_MS as f64,
                run.buffered_groups_max,
                run.heap_bytes_per_replica,
                run.wall,
            );
        }
    }
    Ok(out)
}
