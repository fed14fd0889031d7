//! One test's settings, after the command line has been parsed and checked (docs/harness.md).

use std::path::PathBuf;

use crate::checker::availability::Availability;
use crate::nemesis::Faults;
use crate::net::journal::MessageWindow;
use crate::net::latency::LatencyDist;

/// Which executor runs the nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorKind {
    /// Node binaries as child processes, in real time (what Maelstrom does).
    Process,
    /// In-process nodes under a virtual clock, deterministic for a seed.
    Sim,
}

/// Everything one test run needs to know.
#[derive(Debug, Clone)]
pub struct TestConfig {
    /// Maelstrom's workload name (`"broadcast"`).
    pub workload: String,
    /// The node binary (process executor).
    pub bin: PathBuf,
    /// Node ids, in the test's order.
    pub node_ids: Vec<String>,
    /// Length of the main phase, from its first op (docs/harness.md).
    pub time_limit_s: f64,
    /// Total client ops per second across all workers (docs/harness.md).
    pub rate: f64,
    /// Number of workers.
    pub concurrency: usize,
    /// The L of the latency distribution (docs/harness.md).
    pub latency_ms: u64,
    /// How per-message latency is drawn.
    pub latency_dist: LatencyDist,
    /// The faults the nemesis injects (`--nemesis partition,kill,pause`).
    pub nemesis: Faults,
    /// Mean gap between nemesis ops, in seconds.
    pub nemesis_interval_s: f64,
    /// Broadcast topology name.
    pub topology: String,
    /// What `--availability` asks for.
    pub availability: Option<Availability>,
    /// txn consistency models.
    pub consistency_models: Vec<String>,
    /// Active keys for kafka and txn generators (`None`: Elle's 10).
    pub key_count: Option<usize>,
    /// Longest transaction.
    pub max_txn_length: usize,
    /// Writes per key before a key is retired.
    pub max_writes_per_key: usize,
    /// How many times to run the test.
    pub test_count: usize,
    /// Seed of the run's RNG.
    pub seed: u64,
    /// Which executor runs the nodes.
    pub executor: ExecutorKind,
    /// Store directory for this run.
    pub out: PathBuf,
    /// Copy node stderr to ours.
    pub log_stderr: bool,
    /// Log every message as it is sent.
    pub log_net_send: bool,
    /// Log every message as it is delivered.
    pub log_net_recv: bool,
    /// Trailing arguments given to every node (docs/harness.md).
    pub node_args: Vec<String>,
    /// The messages drawn in messages.svg.
    pub message_window: MessageWindow,
}

impl TestConfig {
    /// A configuration with Maelstrom's defaults (docs/harness.md) for `workload` on `node_count` nodes
    /// `n0…`, run under the sim executor; tests change fields from here.
    pub fn new(workload: &str, node_count: usize) -> Self {
        TestConfig {
            workload: workload.to_owned(),
            bin: PathBuf::new(),
            node_ids: (0..node_count).map(|i| format!("n{i}")).collect(),
            time_limit_s: 60.0,
            rate: 5.0,
            concurrency: node_count,
            latency_ms: 0,
            latency_dist: LatencyDist::Constant,
            nemesis: Faults::default(),
            nemesis_interval_s: 10.0,
            topology: "grid".to_owned(),
            availability: None,
            consistency_models: vec!["strict-serializable".to_owned()],
            key_count: None,
            max_txn_length: 4,
            max_writes_per_key: 16,
            test_count: 1,
            seed: 0,
            executor: ExecutorKind::Sim,
            out: PathBuf::from("store").join(workload).join("latest"),
            log_stderr: false,
            log_net_send: false,
            log_net_recv: false,
            node_args: Vec::new(),
            message_window: MessageWindow::default(),
        }
    }
}
