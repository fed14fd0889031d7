//! What one engine holds on the heap per neighbour and per buffered delta-group.
//!
//! Both are read off [`crate::memory::live_bytes`], so the binary that prints them must
//! install [`crate::memory::CountingAllocator`]. Each figure is the difference between two
//! engines that differ only in the thing counted, divided by how many of it there are.

use std::fmt::Write as _;

use glomer_crdt::{Engine, GCounter, GSet, ReplicaId, SyncConfig, SyncMessage, DEFAULT_BATCH_INTERVAL_MS};

use crate::memory::held_by;

/// Heap bytes of an engine with `neighbours` neighbours that have each sent one data message
/// (so the engine tracks both what it sent them and what it received from them).
pub fn engine_with_neighbours(neighbours: u32) -> usize {
    let (bytes, engine) = held_by(|| {
        let ids = (1..=neighbours).map(ReplicaId);
        let mut engine: Engine<GSet<u64>> = Engine::new(ReplicaId(0), ids.clone(), SyncConfig::default());
        for id in ids {
            let delta = GSet::new();
            let message = SyncMessage::Delta { from_seq: 0, to_seq: 1, delta, ack: None, full: false };
            drop(engine.receive(id, message, 0));
        }
        engine
    });
    drop(engine);
    bytes
}

/// Heap bytes of an engine whose one neighbour never acknowledges, after `mutations` mutations
/// each made its own delta-group (a tick between two mutations sends the newest group, so the
/// next one cannot coalesce into it), and the number of groups it then holds. The state is a
/// counter of one entry, so it does not grow: what grows is the buffer, up to its bound.
pub fn engine_with_unacked_groups(mutations: u64) -> (usize, usize) {
    let (bytes, engine) = held_by(|| {
        let me = ReplicaId(0);
        let mut engine: Engine<GCounter> = Engine::new(me, [ReplicaId(1)], SyncConfig::default());
        for round in 0..mutations {
            engine.mutate(|counter| counter.increment(me, 1));
            drop(engine.tick(round * DEFAULT_BATCH_INTERVAL_MS));
        }
        engine
    });
    let groups = engine.buffered_groups();
    drop(engine);
    (bytes, groups)
}

/// Neighbour counts of the per-neighbour table.
const NEIGHBOUR_COUNTS: [u32; 5] = [1, 10, 100, 1_000, 10_000];

/// Mutation counts of the per-group table: below, at and beyond the buffer's bound
/// (`DEFAULT_MAX_BUFFERED_GROUPS`, 4,096).
const MUTATION_COUNTS: [u64; 6] = [10, 100, 1_000, 4_096, 10_000, 100_000];

/// The two Markdown tables of docs/benchmarks.md: bytes per neighbour, bytes per buffered
/// group. Meaningful only under [`crate::memory::CountingAllocator`].
pub fn memory_tables() -> String {
    let mut out = String::from("| neighbours | engine heap bytes | bytes per neighbour |\n|---:|---:|---:|\n");
    let empty = engine_with_neighbours(0);
    for neighbours in NEIGHBOUR_COUNTS {
        let bytes = engine_with_neighbours(neighbours);
        let per_neighbour = bytes.saturating_sub(empty) as f64 / f64::from(neighbours);
        let _ = writeln!(out, "| {neighbours} | {bytes} | {per_neighbour:.0} |");
    }
    out.push_str("\n| mutations | buffered groups | engine heap bytes | bytes per group |\n|---:|---:|---:|---:|\n");
    let (base, _) = engine_with_unacked_groups(0);
    for mutations in MUTATION_COUNTS {
        let (bytes, groups) = engine_with_unacked_groups(mutations);
        let per_group = bytes.saturating_sub(base) as f64 / groups.max(1) as f64;
        let _ = writeln!(out, "| {mutations} | {groups} | {bytes} | {per_group:.0} |");
    }
    out
}
