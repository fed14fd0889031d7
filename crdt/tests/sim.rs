//! Convergence under loss, duplication, reordering and partitions, for every CRDT type: after
//! the partitions heal and the network goes quiet, every replica equals the join of every
//! update ever made. A failure prints the type, topology, node count and seed; every case is
//! deterministic, so rerunning the test replays it. `GLOMER_SIM_SEEDS=200 cargo test -p
//! glomer-crdt --test sim` soaks with more seeds.

use glomer_crdt::sim::{Partition, SimConfig, SimStats, Simulation};
use glomer_crdt::{
    AwSet, EwFlag, GCounter, GSet, Hlc, Lattice, LatticeMap, LwwMap, MaxMap, MvRegister, OpLog, OrMap, PNCounter,
    ReplicaId, SyncConfig, SyncMode, Topology,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

const TOPOLOGIES: [&str; 7] = ["line", "ring", "grid", "star", "tree:3", "random:3", "total"];
/// Seeds per topology unless `GLOMER_SIM_SEEDS` says otherwise: 20 keeps the file near 10 s in
/// debug builds on two cores.
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
        tick_interval_ms: 20,
        partitions,
    }
}

fn seeds() -> u64 {
    std::env::var("GLOMER_SIM_SEEDS").ok().and_then(|n| n.parse().ok()).unwrap_or(SEEDS)
}

/// Runs one case and returns a description of what went wrong, if anything.
fn run_case<L, F>(topology: &Topology, nodes: usize, seed: u64, update: &mut F) -> Result<SimStats, String>
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
        None => Ok(sim.stats()),
    }
}

/// Every topology, node counts spread over 2..=25, `SEEDS` seeds each.
fn converges_everywhere<L, F>(type_name: &str, mut update: F)
where
    L: Lattice + Serialize + std::fmt::Debug,
    F: FnMut(&mut ChaCha8Rng, usize, &mut L) -> L,
{
    let mut totals = SimStats::default();
    for (index, name) in TOPOLOGIES.iter().enumerate() {
        let topology: Topology = name.parse().expect("test topology names parse");
        for seed in 0..seeds() {
            let nodes = 2 + (seed as usize * 7 + index * 3) % 24;
            match run_case(&topology, nodes, seed, &mut update) {
                Ok(stats) => {
                    totals.sync.add(&stats.sync);
                    totals.dropped += stats.dropped;
                    totals.duplicated += stats.duplicated;
                }
                Err(problem) => panic!("{type_name} on {name} with {nodes} nodes, seed {seed}: {problem}"),
            }
        }
    }
    // The faults and the protocol's recovery paths were exercised, not just the happy path.
    assert!(totals.dropped > 0 && totals.duplicated > 0, "{type_name}: {totals:?}");
    assert!(totals.sync.retransmissions > 0 && totals.sync.full_states > 0, "{type_name}: {totals:?}");
    assert!(totals.sync.groups_evicted > 0 && totals.sync.redundant_received > 0, "{type_name}: {totals:?}");
}

#[test]
fn gset_replicas_converge_to_the_join_of_all_updates() {
    converges_everywhere::<GSet<u32>, _>("GSet", |rng, _node, set| set.insert(rng.gen_range(0..1_000)));
}

#[test]
fn gcounter_replicas_converge_to_the_join_of_all_updates() {
    converges_everywhere::<GCounter, _>("GCounter", |rng, node, counter| {
        counter.increment(ReplicaId(node as u32), rng.gen_range(0..5))
    });
}

#[test]
fn pncounter_replicas_converge_to_the_join_of_all_updates() {
    converges_everywhere::<PNCounter, _>("PNCounter", |rng, node, counter| {
        counter.add(ReplicaId(node as u32), rng.gen_range(-5..=5))
    });
}

#[test]
fn lww_map_replicas_converge_to_the_join_of_all_updates() {
    // One hybrid logical clock per node id, kept across cases (still strictly increasing, so
    // timestamps stay unique); the wall clock creeps forward by 0 or 1 ms per update, so
    // timestamps often share a millisecond and the (hlc, replica) order must decide.
    let mut clocks: Vec<Hlc> = Vec::new();
    let mut wall_ms = 0;
    converges_everywhere::<LwwMap<u8, u32>, _>("LwwMap", |rng, node, map| {
        while clocks.len() <= node {
            clocks.push(Hlc::new(ReplicaId(clocks.len() as u32)));
        }
        wall_ms += rng.gen_range(0..2);
        let ts = clocks[node].now(wall_ms);
        let key = rng.gen_range(0..8);
        if rng.gen_bool(0.2) {
            map.remove(key, ts)
        } else {
            map.insert(key, rng.gen_range(0..100), ts)
        }
    });
}

#[test]
fn oplogs_in_a_lattice_map_converge_to_the_join_of_all_updates() {
    // Kafka-style: one log per key, each log written only by its owner: node `i` owns key `i`.
    converges_everywhere::<LatticeMap<u32, OpLog<u32>>, _>("LatticeMap<OpLog>", |rng, node, logs| {
        let value = rng.gen_range(0..1_000);
        logs.update(node as u32, |log| log.append(value).1)
    });
}

#[test]
fn maxmap_replicas_converge_to_the_join_of_all_updates() {
    converges_everywhere::<MaxMap<u8>, _>("MaxMap", |rng, _node, map| {
        map.raise(rng.gen_range(0..6), rng.gen_range(0..1_000))
    });
}

#[test]
fn product_replicas_converge_to_the_join_of_all_updates() {
    converges_everywhere::<(GSet<u16>, GCounter), _>("(GSet, GCounter)", |rng, node, pair| {
        (pair.0.insert(rng.gen_range(0..500)), pair.1.increment(ReplicaId(node as u32), 1))
    });
}

#[test]
fn replicas_converge_when_the_topology_changes_at_run_time() {
    for seed in 0..SEEDS {
        let config = SimConfig { nodes: 12, ..sim_config(&Topology::Line, 12, seed) };
        let mut sim: Simulation<GSet<u32>> = Simulation::new(config, sync_config(seed));
        let mut expected = GSet::new();
        for i in 0..40u32 {
            expected.join(&sim.update(i as usize % 12, |set| set.insert(i)));
            sim.run_for(30);
            if i == 20 {
                sim.set_topology(if seed % 2 == 0 { Topology::Star } else { Topology::Random(3) });
            }
        }
        assert!(sim.run_until_quiet(QUIET_MS_MAX), "seed {seed}: not quiet");
        assert!((0..12).all(|node| *sim.state(node) == expected), "seed {seed}: diverged");
    }
}

/// Bytes sent until quiet for `UPDATES_FOR_OVERHEAD` inserts spread over a 10-node ring.
fn bytes_until_quiet(sync: SyncConfig) -> u64 {
    const UPDATES_FOR_OVERHEAD: u32 = 200;
    let config = SimConfig { nodes: 10, topology: Topology::Random(3), seed: 3, ..SimConfig::default() };
    let mut sim: Simulation<GSet<u32>> = Simulation::new(config, sync);
    for i in 0..UPDATES_FOR_OVERHEAD {
        sim.update(i as usize % 10, |set| set.insert(i));
        sim.run_for(20);
    }
    assert!(sim.run_until_quiet(QUIET_MS_MAX) && sim.converged());
    sim.stats().sync.bytes_sent
}

#[test]
fn delta_sync_sends_fewer_bytes_than_full_state_and_the_optimisations_help() {
    let optimised = bytes_until_quiet(SyncConfig::default());
    let classic =
        bytes_until_quiet(SyncConfig { remove_redundancy: false, no_back_propagation: false, ..SyncConfig::default() });
    let full = bytes_until_quiet(SyncConfig { mode: SyncMode::FullState, ..SyncConfig::default() });
    assert!(optimised < classic, "optimised {optimised} bytes, classic delta {classic} bytes");
    assert!(classic < full, "classic delta {classic} bytes, full state {full} bytes");
}

/// The replica id of simulated node `node` (the simulator names node `i` `ReplicaId(i)`).
fn replica_of(node: usize) -> ReplicaId {
    ReplicaId(node as u32)
}

#[test]
fn aw_set_replicas_converge_under_random_adds_removes_and_clears() {
    converges_everywhere::<AwSet<u16>, _>("AwSet", |rng, node, set| match rng.gen_range(0..20) {
        0 => set.clear(),
        1..=8 => set.remove(&rng.gen_range(0..40)),
        _ => set.add(replica_of(node), rng.gen_range(0..40)),
    });
}

#[test]
fn mv_register_and_ew_flag_replicas_converge_under_random_writes() {
    converges_everywhere::<(MvRegister<u32>, EwFlag), _>(
        "(MvRegister, EwFlag)",
        |rng, node, (register, flag)| match rng.gen_range(0..3) {
            0 => (MvRegister::new(), flag.disable()),
            1 => (MvRegister::new(), flag.enable(replica_of(node))),
            _ => (register.write(replica_of(node), rng.gen_range(0..1_000)), EwFlag::new()),
        },
    );
}

#[test]
fn or_map_of_registers_replicas_converge_under_random_writes_and_removes() {
    converges_everywhere::<OrMap<String, MvRegister<u32>>, _>("OrMap<MvRegister>", |rng, node, map| {
        let key = rng.gen_range(0..8).to_string();
        if rng.gen_bool(0.3) {
            map.remove(&key)
        } else {
            let value = rng.gen_range(0..1_000);
            map.update(replica_of(node), key, |register| register.write(replica_of(node), value))
        }
    });
}

#[test]
fn nested_or_map_replicas_converge_under_random_nested_updates_and_removes() {
    type Nested = OrMap<String, OrMap<String, AwSet<u8>>>;
    converges_everywhere::<Nested, _>("OrMap<OrMap<AwSet>>", |rng, node, map| {
        let (outer, inner) = (rng.gen_range(0..4).to_string(), rng.gen_range(0..4).to_string());
        let element: u8 = rng.gen_range(0..8);
        let me = replica_of(node);
        match rng.gen_range(0..10) {
            0 => map.remove(&outer),
            1 => map.update(me, outer, |sets| sets.remove(&inner)),
            2..=4 => map.update(me, outer, |sets| sets.update(me, inner, |set| set.remove(&element))),
            _ => map.update(me, outer, |sets| sets.update(me, inner, |set| set.add(me, element))),
        }
    });
}
