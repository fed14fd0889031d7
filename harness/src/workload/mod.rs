//! Workloads as the test sees them: a generator, a client and a checker per Maelstrom workload
//! (spec 4). Adding a workload is one module here plus one arm in [`build`].

pub mod broadcast;
pub mod counter;
pub mod echo;
pub mod g_set;
pub mod kafka;
pub mod keys;
pub mod lin_kv;
pub mod list_append;
pub mod topology;
pub mod txn_rw;
pub mod unique_ids;

use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::checker::Checked;
use crate::client::{Client, Completion};
use crate::config::TestConfig;
use crate::history::Op;

/// One op the generator hands to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct OpSpec {
    /// Maelstrom's `:f`.
    pub f: String,
    /// The invocation's value.
    pub value: Value,
    /// Whether the op is marked `:final? true`.
    pub is_final: bool,
    /// Jepsen's `:seek-to-beginning?` flag of a kafka `assign` (not recorded in the history).
    pub seek_to_beginning: bool,
}

impl OpSpec {
    /// A main-phase op.
    pub fn new(f: &str, value: Value) -> Self {
        OpSpec { f: f.to_owned(), value, is_final: false, seek_to_beginning: false }
    }
}

/// A Maelstrom workload: generator, client factory and checker.
///
/// Multi-RPC ops (kafka's poll-then-commit) live in the [`Client`]; generators that depend on
/// what completed (kafka's unpolled keys) use [`TestWorkload::observe`]; a final phase of
/// several ops per worker (kafka) answers [`TestWorkload::final_op`] until it returns `None`.
pub trait TestWorkload: Send {
    /// The request sent to node `node` (index into `node_ids`) during setup, from its setup
    /// client, with the reply type it requires (spec 1.4 step 3); broadcast's topology.
    fn setup_request(&self, node_ids: &[String], node: usize) -> Option<(Value, &'static str)> {
        let _ = (node_ids, node);
        None
    }

    /// The next main-phase op, for worker `worker` (`None`: the generator is exhausted).
    fn next_op(&mut self, worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec>;

    /// Whether the workload has a final phase (heal, wait 10 s, final ops; spec 3.2).
    fn has_final_phase(&self) -> bool {
        false
    }

    /// The `done`-th final op (from 0) of worker `worker`, or `None` when it has no more.
    fn final_op(&mut self, worker: usize, done: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        let _ = (worker, done, rng);
        None
    }

    /// Longest gap of an independent second stream of ops (kafka's `crash`: gaps U[0, 60 s /
    /// concurrency)), which go to whichever worker is free; `None`: no such stream.
    fn side_op_max_gap_ns(&self, concurrency: usize) -> Option<u64> {
        let _ = concurrency;
        None
    }

    /// The next op of the side stream.
    fn side_op(&mut self, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        let _ = rng;
        None
    }

    /// How long the final ops may go on before they are cut (kafka: 10 s); `None`: no limit.
    fn final_phase_limit_ns(&self) -> Option<u64> {
        None
    }

    /// Pause before a worker's next final op (kafka polls every U[0, 0.4) s).
    fn final_op_delay_ns(&self, rng: &mut ChaCha8Rng) -> u64 {
        let _ = rng;
        0
    }

    /// Sees every completion (of worker `worker`), for generators that adapt to the history.
    fn observe(&mut self, worker: usize, op: &OpSpec, completion: &Completion) {
        let _ = (worker, op, completion);
    }

    /// A fresh client (one per `c` id).
    fn client(&self) -> Box<dyn Client>;

    /// Whether a client stays in use after an op ended `:info` (spec 2.4).
    fn client_reusable(&self) -> bool;

    /// How long a client waits for a reply (spec 1.5: 5 s by default).
    fn timeout_ms(&self) -> u64 {
        DEFAULT_TIMEOUT_MS
    }

    /// The workload's checker over the whole history.
    fn check(&self, history: &[Op]) -> Checked;
}

/// The final phase of broadcast, g-set and the counters: one `read` per worker, marked
/// `:final? true` when `marked` (broadcast and counters; not g-set, spec 4.4).
pub fn one_final_read(done: usize, marked: bool) -> Option<OpSpec> {
    (done == 0).then(|| OpSpec { is_final: marked, ..OpSpec::new("read", Value::Null) })
}

/// Maelstrom's default client RPC timeout (maelstrom/client.clj).
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;

/// Every workload name `glomer test` can run.
pub const NAMES: &[&str] = &[
    "echo",
    "unique-ids",
    "broadcast",
    "g-set",
    "g-counter",
    "pn-counter",
    "kafka",
    "txn-rw-register",
    "lin-kv",
    "txn-list-append",
];

/// The workload `config.workload` names, configured from `config`; `Err` with the reason when
/// the name or its options are not accepted.
pub fn build(config: &TestConfig) -> Result<Box<dyn TestWorkload>, String> {
    match config.workload.as_str() {
        "echo" => Ok(Box::new(echo::Echo)),
        "unique-ids" => Ok(Box::new(unique_ids::UniqueIds)),
        "broadcast" => Ok(Box::new(broadcast::Broadcast::new(&config.topology)?)),
        "g-set" => Ok(Box::new(g_set::GSet::default())),
        "g-counter" => Ok(Box::new(counter::Counter::new(false))),
        "pn-counter" => Ok(Box::new(counter::Counter::new(true))),
        "kafka" => Ok(Box::new(kafka::Kafka::new(config))),
        "txn-rw-register" => Ok(Box::new(txn_rw::TxnRw::new(config))),
        "lin-kv" => Ok(Box::new(lin_kv::LinKv::new(config)?)),
        "txn-list-append" => Ok(Box::new(list_append::ListAppend::new(config))),
        other => Err(format!("unknown workload {other:?}; glomer test runs: {}", NAMES.join(", "))),
    }
}
