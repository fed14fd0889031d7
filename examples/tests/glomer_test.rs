//! The example nodes judged by `glomer test`'s engine: the real binaries under the process
//! executor (as `glomer test --bin` runs them, and as Maelstrom would), and the same workloads
//! in-process under partitions.

use std::path::PathBuf;

use glomer_examples::counter::Counter;
use glomer_examples::node::Example;
use glomer_harness::config::{ExecutorKind, TestConfig};
use glomer_harness::executor::sim::SimExecutor;
use glomer_harness::history::Validity;
use glomer_harness::run::{run, run_with, Report};
use glomer_harness::workload;

/// A short process run of `bin` on 3 nodes: 2 s at 20 ops/s, fixed seed.
fn process_run(workload: &str, bin: &str) -> Report {
    let mut config = TestConfig::new(workload, 3);
    config.executor = ExecutorKind::Process;
    config.bin = PathBuf::from(bin);
    config.time_limit_s = 2.0;
    config.rate = 20.0;
    config.seed = 3;
    config.out = std::env::temp_dir().join("glomer-examples-tests").join(workload);
    run(&config).unwrap_or_else(|e| panic!("{workload}: run failed: {e}"))
}

#[test]
fn the_example_binary_passes_echo_and_broadcast() {
    for workload in ["echo", "broadcast"] {
        let report = process_run(workload, env!("CARGO_BIN_EXE_glomer-example"));
        assert_eq!(report.valid(), Validity::True, "{workload}: {}", report.analysis.results);
    }
}

#[test]
fn the_example_counter_binary_passes_g_counter() {
    let report = process_run("g-counter", env!("CARGO_BIN_EXE_glomer-example-counter"));
    assert_eq!(report.valid(), Validity::True, "{}", report.analysis.results);
}

/// 5 nodes, 10 s at 20 ops/s with 50 ms latency and a partition every ~2 s, in virtual time.
fn partitioned_sim_run(name: &str, node: fn() -> glomer_adapters::workloads::BoxedWorkload, seed: u64) -> Report {
    let mut config = TestConfig::new(name, 5);
    config.time_limit_s = 10.0;
    config.rate = 20.0;
    config.latency_ms = 50;
    config.nemesis.partition = true;
    config.nemesis_interval_s = 2.0;
    config.seed = seed;
    let workload = workload::build(&config).expect("known workload");
    let mut exec = SimExecutor::new(node);
    run_with(&config, workload, &mut exec).unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"))
}

#[test]
fn the_example_nodes_stay_valid_under_partitions() {
    for seed in 1..=3 {
        let broadcast = partitioned_sim_run("broadcast", || Box::new(Example::default()), seed);
        assert_eq!(broadcast.valid(), Validity::True, "broadcast seed {seed}: {}", broadcast.analysis.results);
        let counter = partitioned_sim_run("g-counter", || Box::new(Counter::default()), seed);
        assert_eq!(counter.valid(), Validity::True, "g-counter seed {seed}: {}", counter.analysis.results);
    }
}
