//! Durable nodes (`--data-dir`) under kill and pause, in the sim executor: every replicated
//! workload stays valid, because a restarted node recovers what it acknowledged and its peers
//! send it the rest. Seeds are printed on failure; `GLOMER_DURABLE_SEEDS=20` runs the full
//! sweep recorded in docs/durability.md.

mod support;

use glomer_harness::config::{ExecutorKind, TestConfig};
use glomer_harness::executor::sim::SimExecutor;
use glomer_harness::history::{Process, Validity};
use glomer_harness::nemesis::Faults;
use glomer_harness::run::{run_with, Report};
use glomer_harness::workload;

const KILL: Faults = Faults { partition: false, kill: true, pause: false };
const PAUSE: Faults = Faults { partition: false, kill: false, pause: true };

/// Seeds per workload and fault in CI; the environment variable raises it.
const CI_SEEDS: u64 = 2;

fn seeds() -> u64 {
    std::env::var("GLOMER_DURABLE_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(CI_SEEDS)
}

/// `workload` on `nodes` durable glomer nodes for 20 s under `faults`, in a run folder of its
/// own (removed afterwards).
fn run_durable(workload: &str, nodes: usize, faults: Faults, seed: u64) -> Report {
    let out = tempfile::tempdir().expect("a temporary run folder");
    let mut config = support::nemesis_config(workload, nodes, faults, seed);
    config.out = out.path().to_path_buf();
    if workload == "txn-rw-register" {
        // What the node promises (Glomers 6b); strict serializability is out of any
        // replicated-without-coordination node's reach, killed or not.
        config.consistency_models = vec!["read-committed".to_owned()];
    }
    // The sim executor moves the data directory into the run folder, whatever is named here.
    config.node_args = ["--data-dir", "ignored-by-the-sim"].map(String::from).to_vec();
    let mut exec = SimExecutor::for_config(&config).expect("a glomer node");
    let test = workload::build(&config).expect("known workload");
    let report = run_with(&config, test, &mut exec).unwrap_or_else(|e| panic!("{workload} seed {seed}: {e}"));
    assert!(out.path().join("data/n0").is_dir(), "{workload} seed {seed}: the store lives in the run folder");
    report
}

fn assert_valid(workload: &str, nodes: usize, faults: Faults, fault: &str) {
    for seed in 1..=seeds() {
        let report = run_durable(workload, nodes, faults, seed);
        let faulted = report.history.iter().any(|op| op.process == Process::Nemesis && op.f == fault);
        assert!(faulted, "{workload} seed {seed}: no {fault} happened");
        assert_eq!(report.valid(), Validity::True, "{workload} seed {seed} under {fault}: {}", report.analysis.results);
    }
}

#[test]
fn durable_counters_stay_valid_under_kill_and_pause() {
    for workload in ["g-counter", "pn-counter"] {
        assert_valid(workload, 3, KILL, "kill");
        assert_valid(workload, 3, PAUSE, "pause");
    }
}

#[test]
fn durable_sets_stay_valid_under_kill_and_pause() {
    assert_valid("broadcast", 5, KILL, "kill");
    assert_valid("broadcast", 5, PAUSE, "pause");
    assert_valid("g-set", 3, KILL, "kill");
    assert_valid("g-set", 3, PAUSE, "pause");
}

#[test]
fn durable_kafka_and_txn_stay_valid_under_kill_and_pause() {
    for workload in ["kafka", "txn-rw-register"] {
        assert_valid(workload, 3, KILL, "kill");
        assert_valid(workload, 3, PAUSE, "pause");
    }
}

#[test]
fn a_restarted_sim_node_replays_exactly() {
    let first = run_durable("g-counter", 3, KILL, 7);
    let again = run_durable("g-counter", 3, KILL, 7);
    let ops =
        |r: &Report| r.history.iter().map(|op| format!("{:?} {:?} {:?}", op.f, op.kind, op.value)).collect::<Vec<_>>();
    assert_eq!(ops(&first), ops(&again), "seed 7: a durable sim run replays exactly");
}

/// Real processes, SIGKILLed and restarted by the process executor, with one data directory
/// shared by all nodes as under Maelstrom (each keeps its files in `DIR/<node id>`).
#[test]
fn durable_node_processes_stay_valid_under_kill() {
    for (workload, nodes) in [("g-counter", 3), ("broadcast", 5)] {
        let out = tempfile::tempdir().expect("a temporary run folder");
        let data = out.path().join("shared-data");
        let mut config = TestConfig::new(workload, nodes);
        config.executor = ExecutorKind::Process;
        config.bin = support::node_bin(&format!("glomer-{workload}"));
        config.time_limit_s = 10.0;
        config.rate = 20.0;
        config.nemesis = KILL;
        config.nemesis_interval_s = 1.5;
        config.seed = 3;
        config.out = out.path().join("run");
        config.node_args = vec!["--data-dir".to_owned(), data.to_string_lossy().into_owned()];
        let report = glomer_harness::run::run(&config).unwrap_or_else(|e| panic!("{workload}: run failed: {e}"));
        let kills = report.history.iter().filter(|op| op.process == Process::Nemesis && op.f == "kill").count();
        assert!(kills > 0, "{workload} seed 3: no kill happened");
        assert_eq!(report.valid(), Validity::True, "{workload} seed 3: {}", report.analysis.results);
        assert!(data.join("n0").join("identity").is_file(), "{workload}: n0 keeps its files in DIR/n0");
    }
}
