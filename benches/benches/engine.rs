//! The engine's cost per message: one replica absorbing a data message from a neighbour and
//! producing the next data message for its other neighbours, through the public `Engine` API.
//!
//! The replica holds a G-Set of [`STATE_LEN`] elements (a broadcast node some way into a run).
//! One step: neighbour 1 sends a delta of one new element (acknowledging everything it was
//! sent), the replica joins it (`receive`), the batch interval passes and `tick` sends the new
//! element to every other neighbour, and those acknowledge it, so the buffer does not grow
//! and every step costs the same (the setup asserts the buffer holds at most one group). The
//! figure is per step; per forwarded message it is the step divided by the neighbour count
//! minus one. Measured in thread CPU time (see `support/cpu_time.rs`).
//!
//! `cargo bench -p glomer-benches --bench engine`

#[path = "support/cpu_time.rs"]
mod cpu_time;

use cpu_time::ThreadCpuTime;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use glomer_crdt::{Engine, GSet, ReplicaId, SyncConfig, SyncMessage, DEFAULT_BATCH_INTERVAL_MS};

/// Elements of the replica's state.
const STATE_LEN: u64 = 10_000;

/// Neighbour counts: a line's inner node, a tree:4 inner node with its parent and a star hub
/// of Maelstrom's 25-node broadcast.
const NEIGHBOURS: [u32; 3] = [2, 5, 24];

/// Steps run before timing, after which the buffer must be back to its steady size.
const SETTLE_STEPS: u64 = 100;

/// One replica and the neighbours that talk to it.
struct Relay {
    engine: Engine<GSet<u64>>,
    neighbours: u32,
    /// The sending neighbour's group number.
    seq: u64,
    now_ms: u64,
}

impl Relay {
    fn new(neighbours: u32) -> Self {
        let ids = (1..=neighbours).map(ReplicaId);
        let state: GSet<u64> = (0..STATE_LEN).collect();
        let engine = Engine::with_state(ReplicaId(0), ids, state, SyncConfig::default());
        let mut relay = Self { engine, neighbours, seq: 0, now_ms: 0 };
        for _ in 0..SETTLE_STEPS {
            relay.step();
        }
        // Every group but the newest was acknowledged by every neighbour (the sender acks the
        // newest on its next message): the buffer does not grow with the steps.
        assert!(relay.engine.buffered_groups() <= 1, "{neighbours} neighbours: the buffer grows");
        relay
    }

    /// One data message in, one data message out to each other neighbour, their acks in;
    /// returns how many messages the engine sent.
    fn step(&mut self) -> usize {
        self.seq += 1;
        self.now_ms += DEFAULT_BATCH_INTERVAL_MS;
        let delta: GSet<u64> = [STATE_LEN + self.seq].into_iter().collect();
        let ack = Some(self.engine.latest_seq());
        let message = SyncMessage::Delta { from_seq: self.seq - 1, to_seq: self.seq, delta, ack, full: false };
        let mut sent = self.engine.receive(ReplicaId(1), message, self.now_ms).len();
        let out = self.engine.tick(self.now_ms);
        sent += out.len();
        let seq = self.engine.latest_seq();
        for outgoing in out {
            if outgoing.to != ReplicaId(1) {
                drop(self.engine.receive(outgoing.to, SyncMessage::Ack { seq }, self.now_ms));
            }
        }
        debug_assert!(self.neighbours < 2 || sent >= 1);
        sent
    }
}

fn absorb_and_forward(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("engine");
    group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    for neighbours in NEIGHBOURS {
        let mut relay = Relay::new(neighbours);
        group.bench_function(BenchmarkId::new("absorb_and_forward", neighbours), |bench| {
            bench.iter(|| black_box(relay.step()))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = cpu_time::criterion();
    targets = absorb_and_forward
}
criterion_main!(benches);
