//! One node's gossip path, end to end: decode a peer's gossip line, join what is new into the
//! replica, build the next data messages for the neighbours, and encode them as output lines.
//!
//! The node is the hub of a 25-node star running `glomer-broadcast`'s defaults (the balanced
//! preset: leaves send at once, the hub batches per 100 ms), the shape of Glomers challenge 3d.
//! Each line is one leaf's delta of two new values, and a leaf acknowledges everything the hub
//! sent it; lines arrive 4 ms apart, so every 25th line or so the hub's batch interval passes
//! and it relays what it gathered to the other 23 leaves. A batch of lines runs on a fresh
//! node, so the state grows the same way in every sample.
//!
//! `cargo bench -p glomer-benches --bench gossip_path`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use glomer_adapters::workloads::set::Broadcast;
use glomer_adapters::{FromFlags, Node};
use serde_json::json;

/// Nodes in the cluster: Maelstrom's 3d/3e node count.
const NODES: u64 = 25;
/// Gossip lines per sample: a hundred rounds from every leaf.
const LINES: u64 = 100 * (NODES - 1);
/// Virtual time between two lines.
const LINE_GAP_MS: u64 = 4;
/// New values in each leaf's delta.
const VALUES_PER_DELTA: u64 = 2;

/// Line `i`: leaf `1 + i % 24` sends its round `i / 24` as one delta-interval, acking all.
fn gossip_lines() -> Vec<String> {
    (0..LINES)
        .map(|i| {
            let (leaf, round) = (1 + i % (NODES - 1), i / (NODES - 1));
            let values: Vec<u64> = (0..VALUES_PER_DELTA).map(|v| i * VALUES_PER_DELTA + v).collect();
            let sync = json!({"Delta": {"from_seq": round, "to_seq": round + 1, "delta": values, "ack": u64::MAX, "full": false}});
            json!({"id": i, "src": format!("n{leaf}"), "dest": "n0", "body": {"type": "gossip", "sync": sync}}).to_string()
        })
        .collect()
}

fn hub() -> Node<Broadcast> {
    let mut node = Node::new(Broadcast::from_args(&[]));
    let ids: Vec<String> = (0..NODES).map(|i| format!("n{i}")).collect();
    let init =
        json!({"src": "c0", "dest": "n0", "body": {"type": "init", "msg_id": 1, "node_id": "n0", "node_ids": ids}});
    node.handle_line(&init.to_string(), 0);
    node.take_outbox();
    node
}

/// What the runtime's driver does with one line: handle it, fire due timers, encode the output
/// (as the runtime does, every line of the event into one buffer).
fn step(node: &mut Node<Broadcast>, line: &str, now_ms: u64, out: &mut Vec<u8>) -> usize {
    node.handle_line(line, now_ms);
    node.tick(now_ms);
    out.clear();
    node.write_outbox(out);
    black_box(out.len())
}

fn gossip_path(c: &mut Criterion) {
    let lines = gossip_lines();
    // The path under test must really relay: report what one sample sends.
    let mut node = hub();
    let (mut bytes, mut lines_out) = (0, 0);
    for (i, line) in lines.iter().enumerate() {
        let now_ms = 1 + i as u64 * LINE_GAP_MS;
        node.handle_line(line, now_ms);
        node.tick(now_ms);
        for msg in node.take_outbox() {
            lines_out += 1;
            bytes += serde_json::to_string(&msg).map_or(0, |line| line.len());
        }
    }
    // One relay per leaf per 100 ms batch: 9.6 s of lines make about 96 batches of 24.
    assert!(lines_out > LINES / 2, "the hub relayed only {lines_out} messages");
    eprintln!("one sample: {LINES} lines in, {lines_out} lines out, {bytes} bytes out");
    let mut group = c.benchmark_group("gossip_path");
    group.throughput(Throughput::Elements(LINES));
    group.sample_size(20);
    group.bench_function("star_hub_25_nodes", |b| {
        b.iter_batched(
            hub,
            |mut node| {
                let (mut bytes, mut out) = (0, Vec::new());
                for (i, line) in lines.iter().enumerate() {
                    bytes += step(&mut node, line, 1 + i as u64 * LINE_GAP_MS, &mut out);
                }
                black_box(bytes)
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, gossip_path);
criterion_main!(benches);
