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

/// `workload` on `nodes` nodes for 20 s at 20 ops/s, latency 10 ms, under `faults` with one
/// nemesis op every 2 s on average: the nemesis tests' setting.
pub fn nemesis_config(workload: &str, nodes: usize, faults: glomer_harness::nemesis::Faults, seed: u64) -> TestConfig {
    let mut config = TestConfig::new(workload, nodes);
    config.time_limit_s = 20.0;
    config.rate = 20.0;
    config.latency_ms = 10;
    config.nemesis = faults;
    config.nemesis_interval_s = 2.0;
    config.seed = seed;
    config
}

/// Runs `config` under the sim executor with every node behaving as `behaviour`.
pub fn run_sim(config: &TestConfig, behaviour: &'static str) -> Report {
    let workload = workload::build(config).expect("known workload");
    assert!(nodes::build(behaviour).is_some(), "unknown behaviour {behaviour}");
    let mut exec = SimExecutor::new(move || nodes::build(behaviour).expect("checked"));
    run_with(config, workload, &mut exec).unwrap_or_else(|e| panic!("seed {}: run failed: {e}", config.seed))
}

/// `target/<profile>/<name>` (a `glomer-*` node binary), rebuilt once per test binary so it
/// matches the sources even when only `cargo test` was run.
pub fn node_bin(name: &str) -> std::path::PathBuf {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static BUILT: OnceLock<Mutex<HashMap<String, std::path::PathBuf>>> = OnceLock::new();
    let mut built = BUILT.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    built
        .entry(name.to_owned())
        .or_insert_with(|| {
            let glomer = std::path::PathBuf::from(env!("CARGO_BIN_EXE_glomer"));
            let dir = glomer.parent().expect("target directory").to_path_buf();
            let mut build = std::process::Command::new(env!("CARGO"));
            build.args(["build", "-p", "glomer-nodes", "--bin", name]);
            if dir.ends_with("release") {
                build.arg("--release");
            }
            assert!(build.status().is_ok_and(|s| s.success()), "building {name} failed");
            dir.join(name)
        })
        .clone()
}

/// Runs `config` under the process executor with `test_node BEHAVIOUR` as every node, for 2 s,
/// its store under the system's temporary directory.
pub fn run_process(config: &TestConfig, behaviour: &str) -> Report {
    let mut config = config.clone();
    config.executor = glomer_harness::config::ExecutorKind::Process;
    config.bin = test_node();
    config.node_args = vec![behaviour.to_owned()];
    config.time_limit_s = 2.0;
    config.out = std::env::temp_dir().join("glomer-harness-tests").join(format!("process-{behaviour}"));
    glomer_harness::run::run(&config).unwrap_or_else(|e| panic!("{behaviour}: run failed: {e}"))
}

/// `target/<profile>/examples/test_node`, rebuilt once per test binary so it matches the
/// sources (`cargo test --test …` does not build examples by itself).
pub fn test_node() -> std::path::PathBuf {
    use std::sync::OnceLock;
    static BUILT: OnceLock<std::path::PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let glomer = std::path::PathBuf::from(env!("CARGO_BIN_EXE_glomer"));
            let dir = glomer.parent().expect("target directory");
            let mut build = std::process::Command::new(env!("CARGO"));
            build.args(["build", "-p", "glomer-harness", "--example", "test_node"]);
            if dir.ends_with("release") {
                build.arg("--release");
            }
            assert!(build.status().is_ok_and(|s| s.success()), "building the test_node example failed");
            dir.join("examples").join("test_node")
        })
        .clone()
}
