//! `glomer-broadcast` judged by `glomer test`: the Glomers challenges 3a-3e with every preset.
//!
//! The sim executor runs the full-length challenges (virtual time, deterministic per seed), so
//! its figures are properties of the protocol and are checked against each preset's row of
//! docs/broadcast.md; a few short process runs check the real binary end to end. The
//! full-length process runs are `scripts/frontier.sh`. The adaptive preset is checked for
//! validity, partitions included, and for a lower median under a lower latency target.

mod support;

use glomer_harness::config::{ExecutorKind, TestConfig};
use glomer_harness::history::Validity;
use glomer_harness::run::{run, Report};
use serde_json::Value;

const PRESETS: [&str; 3] = ["latency", "balanced", "frugal"];

/// Seeds of the partitioned 3d runs under the sim executor.
const PARTITION_SEEDS: u64 = 20;

/// Glomers 3a-3c: `--time-limit 20 --rate 10` on `node_count` nodes.
fn challenge_3abc(node_count: usize, partition: bool, preset: &str, seed: u64) -> TestConfig {
    let mut config = TestConfig::new("broadcast", node_count);
    config.time_limit_s = 20.0;
    config.rate = 10.0;
    config.nemesis.partition = partition;
    config.seed = seed;
    config.node_args = vec!["--preset".into(), preset.into()];
    config.out = std::env::temp_dir().join("glomer-broadcast-tests").join(format!("3abc-{node_count}-{preset}-{seed}"));
    config
}

/// Glomers 3d/3e: `--node-count 25 --time-limit 20 --rate 100 --latency 100`.
fn challenge_3de(partition: bool, preset: &str, seed: u64) -> TestConfig {
    let mut config = challenge_3abc(25, partition, preset, seed);
    config.rate = 100.0;
    config.latency_ms = 100;
    config.out = std::env::temp_dir().join("glomer-broadcast-tests").join(format!("3de-{partition}-{preset}-{seed}"));
    config
}

fn process(mut config: TestConfig, time_limit_s: f64) -> TestConfig {
    config.executor = ExecutorKind::Process;
    config.bin = support::node_bin("glomer-broadcast");
    config.time_limit_s = time_limit_s;
    config
}

fn run_valid(config: &TestConfig) -> Report {
    let report = run(config).unwrap_or_else(|e| panic!("seed {} {:?}: run failed: {e}", config.seed, config.node_args));
    let results = &report.analysis.results;
    assert_eq!(report.valid(), Validity::True, "seed {} {:?}: {results}", config.seed, config.node_args);
    report
}

/// `(servers msgs-per-op, median stable latency, max stable latency)` of a run.
fn figures(report: &Report) -> (f64, u64, u64) {
    let results = &report.analysis.results;
    let msgs_per_op = results["net"]["servers"]["msgs-per-op"].as_f64().expect("msgs-per-op");
    let latency = |q: &str| results["workload"]["stable-latencies"][q].as_u64().expect("stable latency");
    (msgs_per_op, latency("0.5"), latency("1"))
}

/// Each preset's row of docs/broadcast.md: msgs-per-op, median and max stable latency (ms).
fn target(preset: &str) -> (f64, u64, u64) {
    match preset {
        "latency" => (13.0, 110, 160),
        "balanced" => (5.0, 300, 450),
        _ => (1.5, 800, 1_100),
    }
}

#[test]
fn sim_glomers_3a_3b_3c_are_valid_with_every_preset() {
    for preset in PRESETS {
        run_valid(&challenge_3abc(1, false, preset, 1));
        run_valid(&challenge_3abc(5, false, preset, 2));
        run_valid(&challenge_3abc(5, true, preset, 3));
    }
}

#[test]
fn sim_3d_figures_of_every_preset_are_within_its_row() {
    for preset in PRESETS {
        let report = run_valid(&challenge_3de(false, preset, 4));
        let (msgs_per_op, median_ms, max_ms) = figures(&report);
        let (msgs_max, median_max_ms, max_max_ms) = target(preset);
        println!("{preset}: {msgs_per_op} msgs/op, median {median_ms} ms, max {max_ms} ms");
        assert!(msgs_per_op <= msgs_max, "{preset}: {msgs_per_op} msgs/op > {msgs_max}");
        assert!(median_ms <= median_max_ms, "{preset}: median {median_ms} ms > {median_max_ms}");
        assert!(max_ms <= max_max_ms, "{preset}: max {max_ms} ms > {max_max_ms}");
    }
}

#[test]
fn sim_3d_with_partitions_is_valid_for_20_seeds() {
    for seed in 0..PARTITION_SEEDS {
        let preset = PRESETS[(seed % 3) as usize];
        run_valid(&challenge_3de(true, preset, 100 + seed));
    }
}

#[test]
fn process_short_3b_3c_and_3d_are_valid() {
    run_valid(&process(challenge_3abc(5, false, "balanced", 5), 3.0));
    run_valid(&process(challenge_3abc(5, true, "latency", 6), 3.0));
    let report = run_valid(&process(challenge_3de(true, "frugal", 7), 3.0));
    assert!(report.net.servers.send_count > 0, "no gossip was routed");
}

#[test]
fn process_default_preset_at_3d_scale_is_valid() {
    let mut config = process(challenge_3de(false, "balanced", 8), 3.0);
    config.node_args.clear();
    let report = run_valid(&config);
    let results: &Value = &report.analysis.results;
    assert!(results["workload"]["stable-count"].as_u64().unwrap_or(0) > 100, "{results}");
}

/// Glomers 3d with `--preset adaptive --latency-target-ms target_ms`.
fn adaptive_3d(target_ms: u64, partition: bool, seed: u64) -> TestConfig {
    let mut config = challenge_3de(partition, "adaptive", seed);
    config.node_args.extend(["--latency-target-ms".into(), target_ms.to_string()]);
    config.out.set_file_name(format!("3de-{partition}-adaptive-{target_ms}-{seed}"));
    config
}

#[test]
fn sim_3d_adaptive_a_lower_target_gives_a_lower_median_within_the_bars() {
    let seed = 1;
    let (tight_msgs, tight_median, tight_max) = figures(&run_valid(&adaptive_3d(300, false, seed)));
    let (loose_msgs, loose_median, _) = figures(&run_valid(&adaptive_3d(600, false, seed)));
    assert!(
        tight_median < loose_median,
        "seed {seed}: 300 ms target {tight_median} ms, 600 ms target {loose_median} ms"
    );
    assert!(tight_msgs > loose_msgs, "seed {seed}: the looser target sends fewer ({tight_msgs} vs {loose_msgs})");
    assert!(tight_median <= 300 && loose_median <= 600, "seed {seed}: targets met: {tight_median}, {loose_median} ms");
    // Glomers 3d's bars.
    assert!(
        tight_msgs < 30.0 && tight_median < 400 && tight_max < 600,
        "seed {seed}: {tight_msgs} / {tight_median} / {tight_max}"
    );
}

#[test]
fn sim_3d_adaptive_with_partitions_is_valid() {
    for seed in [1, 2] {
        run_valid(&adaptive_3d(300, true, seed));
    }
}
