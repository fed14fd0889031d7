//! Shared helpers of the harness's integration tests.

#![allow(dead_code)]

pub mod nodes;

use glomer_harness::config::TestConfig;
use glomer_harness::executor::sim::SimExecutor;
use glomer_harness::run::{run_with, Report};
use glomer_harness::workload;

/// A short test of `workload` on `node_count` nodes: 5 s at 10 ops/s, fixed seed.
pub fn short_config(workload: &str, node_count: usize) -> TestConfig {
    let mut config = TestConfig::new(workload, node_count);
    config.time_limit_s = 5.0;
    config.rate = 10.0;
    config.seed = 42;
    config
}

/// Runs `config` under the sim executor with every node behaving as `behaviour`.
pub fn run_sim(config: &TestConfig, behaviour: &'static str) -> Report {
    let workload = workload::build(config).expect("known workload");
    assert!(nodes::build(behaviour).is_some(), "unknown behaviour {behaviour}");
    let mut exec = SimExecutor::new(move || nodes::build(behaviour).expect("checked"));
    run_with(config, workload, &mut exec).unwrap_or_else(|e| panic!("seed {}: run failed: {e}", config.seed))
}
