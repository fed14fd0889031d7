//! txn-list-append end to end: a correct single-node store is valid, with and without
//! partitions, and each deliberately faulty store is caught with the anomaly its fault makes,
//! judged against the weakest model that forbids it.

mod support;

use glomer_harness::config::TestConfig;
use glomer_harness::history::{OpType, Validity};
use glomer_harness::run::Report;
use serde_json::Value;
use support::run_sim;

/// 5 s at 100 transactions/s on one node with two workers, against `model`.
fn config(model: &str) -> TestConfig {
    let mut config = TestConfig::new("txn-list-append", 1);
    config.concurrency = 2;
    config.rate = 100.0;
    config.time_limit_s = 5.0;
    config.seed = 7;
    config.consistency_models = vec![model.to_owned()];
    config
}

fn anomaly_types(report: &Report) -> Vec<String> {
    let types = &report.analysis.results["workload"]["anomaly-types"];
    types.as_array().map(|t| t.iter().filter_map(Value::as_str).map(str::to_owned).collect()).unwrap_or_default()
}

fn ok_count(report: &Report) -> usize {
    report.history.iter().filter(|op| op.kind == OpType::Ok).count()
}

#[test]
fn a_single_node_store_is_strict_serializable_with_and_without_partitions() {
    for partition in [false, true] {
        let mut config = config("strict-serializable");
        config.nemesis.partition = partition;
        config.nemesis_interval_s = 1.0;
        let report = run_sim(&config, "list-append");
        assert!(ok_count(&report) > 200, "partition {partition}: too few transactions");
        let workload = &report.analysis.results["workload"];
        assert_eq!(*workload, serde_json::json!({"valid?": true}), "partition {partition}");
        assert_eq!(report.valid(), Validity::True);
    }
}

#[test]
fn each_faulty_store_is_caught_with_its_anomaly() {
    let cases = [
        ("list-append-reorders-blind", "read-uncommitted", "G0"),
        ("list-append-aborts-applied", "read-committed", "G1a"),
        ("list-append-drops-final-append", "read-committed", "G1b"),
        ("list-append-reorders-reading", "read-committed", "G1c"),
        ("list-append-stale-reads", "serializable", "G-single-item"),
        ("list-append-write-skew", "serializable", "G2-item"),
        ("list-append-swaps", "read-committed", "incompatible-order"),
        ("list-append-duplicates", "read-uncommitted", "duplicate-elements"),
        ("list-append-misses-own", "read-atomic", "internal"),
    ];
    for (behaviour, model, anomaly) in cases {
        let config = config(model);
        let report = run_sim(&config, behaviour);
        let found = anomaly_types(&report);
        let workload = &report.analysis.results["workload"];
        assert_eq!(report.valid(), Validity::False, "seed {} {behaviour}: {workload}", config.seed);
        assert!(found.iter().any(|t| t == anomaly), "seed {} {behaviour}: {anomaly} not in {found:?}", config.seed);
        // Cycles come explained step by step, as the txn-rw-register checker gives them.
        if let Some(steps) = workload["anomalies"][anomaly][0].get("steps") {
            assert!(steps.as_array().is_some_and(|s| s.len() >= 2 && s.iter().all(|s| s.get("key").is_some())));
        }
    }
}

#[test]
fn process_nodes_are_judged_as_in_the_sim() {
    for (behaviour, expected) in [("list-append", Validity::True), ("list-append-aborts-applied", Validity::False)] {
        let report = support::run_process(&config("strict-serializable"), behaviour);
        assert!(ok_count(&report) > 20, "{behaviour}: too few transactions");
        assert_eq!(report.valid(), expected, "{behaviour}: {}", report.analysis.results["workload"]);
    }
}
