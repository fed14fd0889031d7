//! Correct nodes pass and faulty nodes fail, for the right reason, under the sim executor.

mod support;

use glomer_harness::history::{OpType, Validity};
use serde_json::{json, Value};
use support::{run_sim, short_config};

fn workload_result(report: &glomer_harness::run::Report) -> &Value {
    &report.analysis.results["workload"]
}

#[test]
fn correct_echo_is_valid() {
    let report = run_sim(&short_config("echo", 1), "echo");
    assert!(report.history.iter().any(|op| op.kind == OpType::Ok), "no op completed");
    assert_eq!(report.valid(), Validity::True, "{}", report.analysis.results);
}

#[test]
fn echo_that_answers_wrong_is_invalid_with_errors() {
    let report = run_sim(&short_config("echo", 1), "echo-wrong");
    let ok = report.history.iter().find(|op| op.kind == OpType::Ok).expect("an ok op");
    assert_ne!(ok.value["echo"], report.history[ok.index - 1].value, "the faulty node echoed correctly");
    assert_eq!(report.valid(), Validity::False);
    assert!(!workload_result(&report)["errors"].as_array().is_none_or(Vec::is_empty), "{}", workload_result(&report));
}

#[test]
fn correct_broadcast_is_valid_even_under_partitions() {
    let mut config = short_config("broadcast", 5);
    config.nemesis.partition = true;
    config.nemesis_interval_s = 1.0;
    config.latency_ms = 10;
    let report = run_sim(&config, "broadcast");
    let finals: Vec<_> = report.history.iter().filter(|op| op.is_final && op.kind == OpType::Ok).collect();
    assert_eq!(finals.len(), 5, "one final read per worker");
    assert!(report.history.iter().any(|op| op.f == "start-partition"), "the nemesis never ran");
    assert_eq!(report.valid(), Validity::True, "{}", report.analysis.results);
}

#[test]
fn broadcast_that_drops_values_is_invalid_with_lost_values() {
    let report = run_sim(&short_config("broadcast", 3), "broadcast-drops");
    assert_eq!(report.valid(), Validity::False);
    assert!(workload_result(&report)["lost-count"].as_u64() > Some(0), "{}", workload_result(&report));
}

#[test]
fn broadcast_that_never_gossips_is_invalid_with_lost_values() {
    let report = run_sim(&short_config("broadcast", 3), "broadcast-no-gossip");
    assert_eq!(report.valid(), Validity::False);
    assert!(workload_result(&report)["lost-count"].as_u64() > Some(0), "{}", workload_result(&report));
}

#[test]
fn correct_g_set_is_valid_under_partitions() {
    let mut config = short_config("g-set", 3);
    config.nemesis.partition = true;
    config.nemesis_interval_s = 1.0;
    let report = run_sim(&config, "g-set");
    assert_eq!(report.valid(), Validity::True, "{}", report.analysis.results);
}

#[test]
fn g_set_that_sends_adds_once_loses_them_under_partition() {
    let mut config = short_config("g-set", 3);
    config.nemesis.partition = true;
    config.nemesis_interval_s = 1.0;
    config.time_limit_s = 10.0;
    let report = run_sim(&config, "g-set-once");
    assert_eq!(report.valid(), Validity::False);
    assert!(workload_result(&report)["lost-count"].as_u64() > Some(0), "{}", workload_result(&report));
}

#[test]
fn correct_g_counter_and_pn_counter_are_valid() {
    for workload in ["g-counter", "pn-counter"] {
        let mut config = short_config(workload, 3);
        config.nemesis.partition = true;
        config.nemesis_interval_s = 1.0;
        let report = run_sim(&config, "counter");
        assert_eq!(report.valid(), Validity::True, "{workload}: {}", report.analysis.results);
    }
}

#[test]
fn counter_that_double_counts_is_invalid_on_its_final_reads() {
    let report = run_sim(&short_config("g-counter", 3), "counter-double");
    let adds: i64 = report
        .history
        .iter()
        .filter(|op| op.f == "add" && op.kind == OpType::Ok)
        .filter_map(|op| op.value.as_i64())
        .sum();
    let finals: Vec<&Value> =
        report.history.iter().filter(|op| op.is_final && op.kind == OpType::Ok).map(|op| &op.value).collect();
    assert!(adds > 0 && finals.iter().all(|v| **v == json!(2 * adds)), "adds {adds}, final reads {finals:?}");
    assert_eq!(report.valid(), Validity::False);
    assert!(!workload_result(&report)["errors"].is_null(), "{}", workload_result(&report));
}

#[test]
fn a_node_messaging_an_unknown_id_is_muted_and_reported() {
    let report = run_sim(&short_config("echo", 1), "echo-unknown-dest");
    assert!(report.problems.iter().any(|p| p.contains("n0") && p.contains("n99")), "{:?}", report.problems);
    // Muted before its first reply went out: every op times out.
    assert!(report.history.iter().filter(|op| op.kind != OpType::Invoke).all(|op| op.kind == OpType::Info));
}

#[test]
fn the_same_seed_replays_the_same_history() {
    let mut config = short_config("broadcast", 5);
    config.nemesis.partition = true;
    config.nemesis_interval_s = 1.0;
    config.latency_ms = 20;
    config.latency_dist = glomer_harness::net::latency::LatencyDist::Uniform;
    config.concurrency = 10;
    let first = run_sim(&config, "broadcast");
    let second = run_sim(&config, "broadcast");
    assert!(first.history.len() > 50);
    assert_eq!(first.history, second.history, "seed {} did not replay", config.seed);
    assert_eq!(first.net, second.net);
    config.seed += 1;
    assert_ne!(first.history, run_sim(&config, "broadcast").history, "the seed changes nothing");
}

#[test]
fn process_numbers_grow_by_concurrency_after_info() {
    let mut config = short_config("echo", 2);
    config.concurrency = 2;
    config.time_limit_s = 20.0; // every op times out after 5 s
    let report = run_sim(&config, "echo-unknown-dest");
    let processes: Vec<u64> = report
        .history
        .iter()
        .filter(|op| op.kind == OpType::Invoke)
        .filter_map(|op| match op.process {
            glomer_harness::history::Process::Client(p) => Some(p),
            _ => None,
        })
        .collect();
    assert!(processes.iter().all(|p| [0, 1].contains(&(p % 2))));
    assert!(processes.contains(&2) && processes.contains(&3), "{processes:?}");
}

#[test]
fn correct_single_copy_transactions_are_strict_serializable() {
    let mut config = short_config("txn-rw-register", 1);
    config.concurrency = 2;
    config.rate = 100.0;
    let report = run_sim(&config, "txn");
    assert!(report.history.iter().filter(|op| op.kind == OpType::Ok).count() > 100);
    assert_eq!(report.valid(), Validity::True, "{}", report.analysis.results["workload"]);
}

#[test]
fn transactions_that_hide_their_own_writes_show_the_internal_anomaly() {
    let mut config = short_config("txn-rw-register", 1);
    config.concurrency = 2;
    config.rate = 100.0;
    let report = run_sim(&config, "txn-no-own-writes");
    assert_eq!(report.valid(), Validity::False);
    let types = &workload_result(&report)["anomaly-types"];
    assert!(types.as_array().is_some_and(|t| t.contains(&json!("internal"))), "{}", workload_result(&report));
}

#[test]
fn a_correct_single_node_log_passes_kafka() {
    let mut config = short_config("kafka", 1);
    config.concurrency = 2;
    config.rate = 200.0;
    config.time_limit_s = 10.0;
    let report = run_sim(&config, "kafka");
    let count = |f: &str| report.history.iter().filter(|op| op.f == f && op.kind == OpType::Ok).count();
    assert!(count("send") > 100 && count("poll") > 100 && count("assign") > 0, "too few ops");
    assert!(report.history.iter().any(|op| op.f == "crash"), "no crash op");
    assert_eq!(report.valid(), Validity::True, "{}", report.analysis.results["workload"]);
}

#[test]
fn a_log_that_loses_acknowledged_sends_fails_kafka() {
    let mut config = short_config("kafka", 1);
    config.concurrency = 2;
    config.rate = 200.0;
    config.time_limit_s = 10.0;
    let report = run_sim(&config, "kafka-lossy");
    assert_eq!(report.valid(), Validity::False, "{}", report.analysis.results);
    let bad = &workload_result(&report)["bad-error-types"];
    assert!(bad.as_array().is_some_and(|t| !t.is_empty()), "{}", workload_result(&report));
}
