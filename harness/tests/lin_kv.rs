//! lin-kv end to end: correct nodes (a single-copy store, a proxy to the runner's lin-kv
//! service) are judged linearizable, with and without partitions, and each deliberately
//! faulty node (stale reads, lost writes, a cas that ignores `from`) is caught with a failing
//! window drawn into the store.

mod support;

use glomer_harness::config::TestConfig;
use glomer_harness::history::{OpType, Validity};
use glomer_harness::run::{write_store, Report};
use support::{run_sim, short_config};

/// 5 s at 40 ops/s on `nodes` nodes with 2N workers, optionally partitioned every second.
fn config(nodes: usize, partition: bool) -> TestConfig {
    let mut config = short_config("lin-kv", nodes);
    config.concurrency = 2 * nodes;
    config.rate = 40.0;
    config.nemesis.partition = partition;
    config.nemesis_interval_s = 1.0;
    config
}

fn ok_count(report: &Report) -> usize {
    report.history.iter().filter(|op| op.kind == OpType::Ok).count()
}

#[test]
fn a_single_node_store_is_linearizable_with_and_without_partitions() {
    for partition in [false, true] {
        let report = run_sim(&config(1, partition), "lin-kv");
        assert!(ok_count(&report) > 100, "partition {partition}: too few ops");
        assert_eq!(report.valid(), Validity::True, "partition {partition}: {}", report.analysis.results["workload"]);
    }
}

#[test]
fn a_proxy_to_the_lin_kv_service_is_linearizable_with_and_without_partitions() {
    for partition in [false, true] {
        let report = run_sim(&config(3, partition), "lin-kv-proxy");
        let cas_ok = report.history.iter().filter(|op| op.kind == OpType::Ok && op.f == "cas").count();
        assert!(cas_ok > 5, "partition {partition}: the service never let a cas through");
        assert_eq!(report.valid(), Validity::True, "partition {partition}: {}", report.analysis.results["workload"]);
    }
}

#[test]
fn stale_reads_lost_writes_and_a_cas_that_ignores_from_are_each_caught() {
    for behaviour in ["lin-kv-stale-reads", "lin-kv-lost-writes", "lin-kv-cas-ignores-from"] {
        let report = run_sim(&config(1, false), behaviour);
        let workload = &report.analysis.results["workload"];
        assert_eq!(report.valid(), Validity::False, "{behaviour}: {workload}");
        let failed = workload["failures"][0].to_string();
        let window = &workload["results"][&failed]["linearizable"]["window"];
        assert!(window.as_array().is_some_and(|w| !w.is_empty()), "{behaviour}: no window in {workload}");
        let dir = std::env::temp_dir().join("glomer-harness-tests").join(behaviour);
        write_store(&dir, &report).expect("store written");
        let svg = std::fs::read_to_string(dir.join("independent").join(&failed).join("linear.svg")).expect("svg");
        assert!(svg.starts_with("<svg") && svg.contains("not linearizable"), "{behaviour}");
    }
}

#[test]
fn a_concurrency_that_is_not_a_multiple_of_twice_the_nodes_is_refused() {
    let mut config = config(2, false);
    config.concurrency = 2;
    assert!(glomer_harness::workload::build(&config).is_err());
}

#[test]
fn a_process_proxy_is_linearizable() {
    let report = support::run_process(&config(2, false), "lin-kv-proxy");
    assert!(ok_count(&report) > 20, "too few ops");
    assert_eq!(report.valid(), Validity::True, "{}", report.analysis.results["workload"]);
}

/// `glomer test` without `-w` runs lin-kv, exits 1 on a violation and draws the window.
#[test]
fn glomer_runs_lin_kv_by_default_and_draws_the_failing_window_into_the_store() {
    let out_dir = std::env::temp_dir().join("glomer-harness-tests").join("cli-lin-kv");
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_glomer"))
        .args(["test", "--node-count", "1", "--concurrency", "2n", "--time-limit", "2", "--rate", "40", "--seed", "3"])
        .arg("--bin")
        .arg(support::test_node())
        .arg("--out")
        .arg(&out_dir)
        .arg("lin-kv-cas-ignores-from") // the behaviour, a trailing argument
        .output()
        .expect("glomer runs");
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let svgs: Vec<_> = std::fs::read_dir(out_dir.join("independent"))
        .expect("independent/ in the store")
        .filter_map(Result::ok)
        .filter(|key| key.path().join("linear.svg").exists())
        .collect();
    assert!(!svgs.is_empty(), "no linear.svg under {}", out_dir.display());
}
