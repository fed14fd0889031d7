//! Convergence under loss, duplication, reordering and partitions, for every CRDT type: after
//! the partitions heal and the network goes quiet, every replica equals the join of every
//! update ever made. A failure prints the case and seed; `replay` reruns one case.

use glomer_crdt::sim::{Partition, SimConfig, Simulation};
use glomer_crdt::{GSet, Lattice, SyncConfig, SyncMode, Topology};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

const TOPOLOGIES: [&str; 7] = ["line", "ring", "grid", "star", "tree:3", "random:3", "total"];
const SEEDS: u64 = 20;
const UPDATES: usize = 25;
/// Virtual time allowed to converge after the last update: generous, since partitions last at
/// most `PARTITION_MS_MAX` and retransmissions back off nothing.
const QUIET_MS_MAX: u64 = 120_000;
const PARTITION_MS_MAX: u64 = 1_500;

/// Fast timers so a case takes little virtual time; `variant` rotates through the protocol's
/// options so every one is exercised, including a tiny buffer that forces full states.
fn sync_config(variant: u64) -> SyncConfig {
    let fast =
        SyncConfig { batch_interval_ms: 20, retransmit_after_ms: 150, ack_delay_ms: 20, ..SyncConfig::default() };
    match variant % 5 {
        0 => fast,
        1 => SyncConfig { remove_redundancy: false, no_back_propagation: false, ..fast },
        2 => SyncConfig { mode: SyncMode::FullState, ..fast },
        3 => SyncConfig { piggyback_acks: false, batch_interval_ms: 0, ..fast },
        _ => SyncConfig { max_buffered_groups: 2, ..fast },
    }
}

fn sim_config(topology: &Topology, nodes: usize, seed: u64) -> SimConfig {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let partitions = (0..rng.gen_range(0..=2))
        .map(|_| {
            let start_ms = rng.gen_range(0..2_000);
            Partition { start_ms, end_ms: start_ms + rng.gen_range(1..PARTITION_MS_MAX) }
        })
        .collect();
    SimConfig {
        nodes,
        topology: topology.clone(),
        seed,
        loss: 0.1,
        duplicate: 0.1,
        delay_ms_range: (1, 40),
        tick_interval_ms: 10,
        partitions,
    }
}

/// Runs one case and returns a description of what went wrong, if anything.
fn run_case<L, F>(topology: &Topology, nodes: usize, seed: u64, update: &mut F) -> Result<(), String>
where
    L: Lattice + Serialize + std::fmt::Debug,
    F: FnMut(&mut ChaCha8Rng, usize, &mut L) -> L,
{
    let mut sim: Simulation<L> = Simulation::new(sim_config(topology, nodes, seed), sync_config(seed));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut expected = L::default();
    for _ in 0..UPDATES {
        let node = rng.gen_range(0..nodes);
        let delta = sim.update(node, |state| update(&mut rng, node, state));
        expected.join(&delta);
        sim.run_for(rng.gen_range(0..100));
    }
    if !sim.run_until_quiet(QUIET_MS_MAX) {
        return Err(format!("not quiet after {QUIET_MS_MAX} ms"));
    }
    match (0..nodes).find(|&node| *sim.state(node) != expected) {
        Some(node) => Err(format!("node {node} has {:?}, expected {:?}", sim.state(node), expected)),
        None => Ok(()),
    }
}

/// Every topology, node counts spread over 2..=25, `SEEDS` seeds each.
fn converges_everywhere<L, F>(type_name: &str, mut update: F)
where
    L: Lattice + Serialize + std::fmt::Debug,
    F: FnMut(&mut ChaCha8Rng, usize, &mut L) -> L,
{
    for (index, name) in TOPOLOGIES.iter().enumerate() {
        let topology: Topology = name.parse().expect("test topology names parse");
        for seed in 0..SEEDS {
            let nodes = 2 + (seed as usize * 7 + index * 3) % 24;
            if let Err(problem) = run_case(&topology, nodes, seed, &mut update) {
                panic!("{type_name} on {name} with {nodes} nodes, seed {seed}: {problem}");
            }
        }
    }
}

#[test]
fn gset_replicas_converge_to_the_join_of_all_updates() {
    converges_everywhere::<GSet<u32>, _>("GSet", |rng, _node, set| set.insert(rng.gen_range(0..1_000)));
}
