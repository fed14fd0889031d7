//! `glomer-g-counter`, `glomer-pn-counter` and `glomer-g-set` judged by `glomer test`.
//!
//! The sim executor runs the full-length challenges over 20 seeds each (virtual time,
//! deterministic per seed); short process runs check the real binaries end to end. Figures of
//! the full-length process runs are in docs/counters.md.

mod support;

use glomer_harness::config::{ExecutorKind, TestConfig};
use glomer_harness::history::Validity;
use glomer_harness::run::{run, Report};

/// Seeds per workload under the sim executor.
const SEEDS: u64 = 20;

/// Glomers challenge 4: g-counter, 3 nodes, rate 100, 20 s, partitions (fly.io/dist-sys).
fn challenge_4(seed: u64) -> TestConfig {
    let mut config = TestConfig::new("g-counter", 3);
    config.time_limit_s = 20.0;
    config.rate = 100.0;
    config.nemesis.partition = true;
    config.seed = seed;
    config.out = std::env::temp_dir().join("glomer-counter-tests").join(format!("g-counter-{seed}"));
    config
}

/// pn-counter or g-set on 5 nodes, rate 100, latency 100, partitions.
fn five_nodes(workload: &str, seed: u64) -> TestConfig {
    let mut config = TestConfig::new(workload, 5);
    config.time_limit_s = 20.0;
    config.rate = 100.0;
    config.latency_ms = 100;
    config.nemesis.partition = true;
    config.seed = seed;
    config.out = std::env::temp_dir().join("glomer-counter-tests").join(format!("{workload}-{seed}"));
    config
}

fn run_valid(config: &TestConfig) -> Report {
    let report = run(config).unwrap_or_else(|e| panic!("{} seed {}: run failed: {e}", config.workload, config.seed));
    let results = &report.analysis.results;
    assert_eq!(report.valid(), Validity::True, "{} seed {}: {results}", config.workload, config.seed);
    report
}

fn servers_msgs_per_op(report: &Report) -> f64 {
    report.analysis.results["net"]["servers"]["msgs-per-op"].as_f64().expect("msgs-per-op")
}

#[test]
fn challenge_4_is_valid_for_20_seeds_at_most_one_servers_msg_per_op() {
    for seed in 0..SEEDS {
        let report = run_valid(&challenge_4(seed));
        let msgs_per_op = servers_msgs_per_op(&report);
        assert!(msgs_per_op <= 1.0, "seed {seed}: {msgs_per_op} servers msgs per op");
        let final_reads = &report.analysis.results["workload"]["final-reads"];
        assert_eq!(final_reads.as_array().map(Vec::len), Some(3), "seed {seed}: one final read per worker");
    }
}

#[test]
fn challenge_4_in_seq_kv_mode_is_valid_for_20_seeds() {
    for seed in 0..SEEDS {
        let mut config = challenge_4(seed);
        config.node_args = vec!["--store".into(), "seq-kv".into()];
        let report = run_valid(&config);
        let availability = &report.analysis.results["availability"]["ok-fraction"];
        assert!(availability.as_f64().is_some_and(|f| f > 0.99), "seed {seed}: {availability}");
    }
}

#[test]
fn pn_counter_with_latency_and_partitions_is_valid_for_20_seeds() {
    for seed in 0..SEEDS {
        run_valid(&five_nodes("pn-counter", seed));
    }
}

#[test]
fn g_set_with_latency_and_partitions_is_valid_for_20_seeds() {
    for seed in 0..SEEDS {
        let report = run_valid(&five_nodes("g-set", seed));
        let lost = &report.analysis.results["workload"]["lost-count"];
        assert_eq!(lost.as_u64(), Some(0), "seed {seed}");
    }
}

/// A short process run of `glomer-<workload>` with partitions every second or so.
fn short_process_run(workload: &str, nodes: usize, node_args: &[&str]) {
    let mut config = five_nodes(workload, 7);
    config.node_ids = (0..nodes).map(|i| format!("n{i}")).collect();
    config.concurrency = nodes;
    config.time_limit_s = 4.0;
    config.nemesis_interval_s = 1.0;
    config.executor = ExecutorKind::Process;
    config.bin = support::node_bin(&format!("glomer-{workload}"));
    config.node_args = node_args.iter().map(|a| a.to_string()).collect();
    run_valid(&config);
}

#[test]
fn g_counter_binary_passes_a_short_process_run_with_partitions() {
    short_process_run("g-counter", 3, &[]);
    short_process_run("g-counter", 3, &["--store", "seq-kv"]);
}

#[test]
fn pn_counter_binary_passes_a_short_process_run_with_partitions() {
    short_process_run("pn-counter", 5, &[]);
}

#[test]
fn g_set_binary_passes_a_short_process_run_with_partitions() {
    short_process_run("g-set", 5, &[]);
}
