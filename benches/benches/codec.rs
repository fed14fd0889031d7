//! Decode -> dispatch -> encode of echo messages through the sans-IO node: the per-message
//! cost of the protocol layer, without pipes. Throughput is messages per second on one core
//! (the node is single-threaded by design).
//!
//! `cargo bench -p glomer-benches --bench codec`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use glomer_adapters::workloads::echo::Echo;
use glomer_adapters::Node;
use serde_json::json;

/// Messages per iteration: enough to amortise criterion's per-iteration overhead.
const BATCH: u64 = 1_000;

fn echo_lines(payload: &str) -> Vec<String> {
    (1..=BATCH)
        .map(|msg_id| {
            let body = json!({"type": "echo", "echo": payload, "msg_id": msg_id});
            json!({"id": msg_id, "src": format!("c{}", msg_id % 7), "dest": "n0", "body": body}).to_string()
        })
        .collect()
}

fn initialised_node() -> Node<Echo> {
    let mut node = Node::new(Echo);
    let init =
        json!({"src": "c0", "dest": "n0", "body": {"type": "init", "msg_id": 1, "node_id": "n0", "node_ids": ["n0"]}});
    node.handle_line(&init.to_string(), 0);
    node.take_outbox();
    node
}

fn codec(c: &mut Criterion) {
    let mut group = c.benchmark_group("echo_decode_dispatch_encode");
    group.throughput(Throughput::Elements(BATCH));
    // Maelstrom's own payload ("Please echo K", its echo workload) and a 1 KiB string.
    for (name, payload) in [("maelstrom_payload", "Please echo 35".to_owned()), ("payload_1KiB", "x".repeat(1024))] {
        let lines = echo_lines(&payload);
        let mut node = initialised_node();
        let mut out = Vec::new();
        group.bench_with_input(BenchmarkId::from_parameter(name), &lines, |b, lines| {
            b.iter(|| {
                for line in lines {
                    node.handle_line(line, 0);
                    // Encoded exactly as the runtime's driver encodes each event's output.
                    node.write_outbox(&mut out);
                    black_box(&out);
                    out.clear();
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
