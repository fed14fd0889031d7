//! Workloads as the test sees them: setup, a generator, a client and a checker per Maelstrom
//! workload ([Maelstrom's workloads](https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md)).
//! Adding a workload is one module here plus one arm in [`build`].
//!
//! A workload's state during a run lives in two places: its [`Generator`] (what to ask next,
//! possibly depending on what completed) and one [`Client`] per `c` id (the RPCs behind one op).

pub mod broadcast;
pub mod counter;
pub mod echo;
pub mod g_set;
pub mod kafka;
pub mod keys;
pub mod lin_kv;
pub mod topology;
pub mod txn;
pub mod unique_ids;

use glomer_adapters::Body;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::checker::Checked;
use crate::client::Client;
use crate::config::TestConfig;
use crate::history::Op;
use crate::op::{Completion, OpSpec};

/// A Maelstrom workload: setup, generator, client factory and checker.
pub trait TestWorkload: Send {
    /// The request sent to node `node` (index into `node_ids`) during setup, from its setup
    /// client, with the reply type it requires (maelstrom/core.clj runs the workload's setup
    /// after `init`); broadcast's topology.
    fn setup_request(&self, node_ids: &[String], node: usize) -> Option<(Body, &'static str)> {
        let _ = (node_ids, node);
        None
    }

    /// A fresh generator for one run.
    fn generator(&self) -> Box<dyn Generator>;

    /// A fresh client (one per `c` id).
    fn client(&self) -> Box<dyn Client>;

    /// Whether a client stays in use after an op ended `:info` (a non-reusable client is closed
    /// and replaced, as Jepsen's interpreter does).
    fn client_reusable(&self) -> bool;

    /// How long a client waits for a reply (maelstrom/client.clj: 5 s by default).
    fn timeout_ms(&self) -> u64 {
        DEFAULT_TIMEOUT_MS
    }

    /// The workload's checker over the whole history.
    fn check(&self, history: &[Op]) -> Checked;
}

/// What a generator answers when an idle worker asks for its next final op.
#[derive(Debug, Clone, PartialEq)]
pub enum FinalStep {
    /// Perform this op now.
    Op(OpSpec),
    /// Ask again at this time.
    Wait(u64),
    /// This worker has no more final ops.
    Done,
}

/// A second stream of ops beside the rate-paced one, interleaved with it as Jepsen's `gen/any`
/// does: the same op again and again, after gaps drawn uniformly from `[0, max_gap_ns)`, taken
/// by whichever worker is free (kafka's `crash`).
#[derive(Debug, Clone, PartialEq)]
pub struct SideStream {
    /// Longest gap between two ops of the stream.
    pub max_gap_ns: u64,
    /// The op.
    pub op: OpSpec,
}

/// A workload's op generator, after Jepsen's generators: the test paces the main stream at
/// `--rate` and asks for ops; the generator sees every completion (Jepsen's `update`).
pub trait Generator: Send {
    /// The next main-phase op, for worker `worker` (`None`: the generator is exhausted).
    fn next_op(&mut self, worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec>;

    /// The stream interleaved with the main one, for `concurrency` workers; `None`: none.
    fn side_stream(&self, concurrency: usize) -> Option<SideStream> {
        let _ = concurrency;
        None
    }

    /// Whether the workload has a final phase (heal, wait 10 s, final ops; maelstrom/core.clj).
    fn has_final_phase(&self) -> bool {
        false
    }

    /// What idle worker `worker` does next in the final phase, at `now_ns`.
    fn final_op(&mut self, worker: usize, now_ns: u64, rng: &mut ChaCha8Rng) -> FinalStep {
        let _ = (worker, now_ns, rng);
        FinalStep::Done
    }

    /// Sees every completion of worker `worker` at `now_ns`, for generators that adapt to the
    /// history.
    fn update(&mut self, worker: usize, op: &OpSpec, completion: &Completion, now_ns: u64, rng: &mut ChaCha8Rng) {
        let _ = (worker, op, completion, now_ns, rng);
    }
}

/// The final phase of broadcast, g-set and the counters: one `read` per worker, marked
/// `:final? true` when `marked` (broadcast and counters; not g-set, maelstrom/workload/g_set.clj).
#[derive(Debug, Clone, Default)]
pub struct OneFinalRead {
    marked: bool,
    read: std::collections::BTreeSet<usize>,
}

impl OneFinalRead {
    /// The final reads, marked `:final? true` when `marked`.
    pub fn new(marked: bool) -> Self {
        OneFinalRead { marked, read: Default::default() }
    }

    /// The read the first time `worker` asks, then [`FinalStep::Done`].
    pub fn next(&mut self, worker: usize) -> FinalStep {
        if self.read.insert(worker) {
            FinalStep::Op(OpSpec { is_final: self.marked, ..OpSpec::new("read", Value::Null) })
        } else {
            FinalStep::Done
        }
    }
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
        "g-set" => Ok(Box::new(g_set::GSet)),
        "g-counter" => Ok(Box::new(counter::Counter::new(false))),
        "pn-counter" => Ok(Box::new(counter::Counter::new(true))),
        "kafka" => Ok(Box::new(kafka::Kafka::new(config))),
        "txn-rw-register" => Ok(Box::new(txn::Txn::new(config, txn::Flavour::RwRegister))),
        "lin-kv" => Ok(Box::new(lin_kv::LinKv::new(config)?)),
        "txn-list-append" => Ok(Box::new(txn::Txn::new(config, txn::Flavour::ListAppend))),
        other => Err(format!("unknown workload {other:?}; glomer test runs: {}", NAMES.join(", "))),
    }
}
