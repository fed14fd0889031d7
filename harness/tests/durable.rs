//! Durable nodes (`--data-dir`) under kill and pause, in the sim executor: every replicated
//! workload stays valid, because a restarted node recovers what it acknowledged and its peers
//! send it the rest. Seeds are printed on failure; `GLOMER_DURABLE_SEEDS=20` runs the full
//! sweep recorded in docs/durability.md.

use glomer_harness::config::TestConfig;
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
    let mut config = TestConfig::new(workload, nodes);
    config.time_limit_s = 20.0;
    config.rate = 20.0;
    config.latency_ms = 10;
    config.nemesis = faults;
    config.nemesis_interval_s = 2.0;
    config.seed = seed;
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
