use serde_json::{json, Value};

use super::*;
use crate::checker::test_support::Hist;
use crate::history::OpType::{self, *};

fn txn(h: &mut Hist, p: u64, kind: OpType, out: Value) {
    h.txn(p, kind, out);
}

fn run(h: &Hist, model: &str) -> Checked {
    check(&h.ops, &parse_models(model))
}

fn types(c: &Checked) -> Vec<String> {
    serde_json::from_value(c.result["anomaly-types"].clone()).unwrap_or_default()
}

#[test]
fn a_serial_history_is_valid() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["w", 1, 1]]));
    txn(&mut h, 1, Ok, json!([["r", 1, 1], ["w", 1, 2]]));
    txn(&mut h, 0, Ok, json!([["r", 1, 2]]));
    let c = run(&h, "strict-serializable");
    assert_eq!(c.result, json!({"valid?": true, "anomaly-types": [], "anomalies": null}));
    assert_eq!(c.valid, Validity::True);
}

#[test]
fn reading_a_failed_write_is_g1a() {
    let mut h = Hist::default();
    txn(&mut h, 0, Fail, json!([["w", 1, 1]]));
    txn(&mut h, 1, Ok, json!([["r", 1, 1]]));
    txn(&mut h, 0, Ok, json!([["w", 2, 1]]));
    txn(&mut h, 1, Ok, json!([["r", 2, 1]]));
    let c = run(&h, "strict-serializable");
    assert_eq!(types(&c), vec!["G1a"]);
    assert_eq!(c.result["not"], json!(["read-committed"]));
    assert_eq!(c.result["anomalies"]["G1a"][0]["mop"], json!(["r", 1, 1]));
    assert_eq!(c.valid, Validity::False);
    // Read uncommitted allows it.
    assert_eq!(run(&h, "read-uncommitted").valid, Validity::True);
}

#[test]
fn reading_an_overwritten_value_of_another_transaction_is_g1b() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["w", 1, 1], ["r", 1, 1], ["w", 1, 2]]));
    txn(&mut h, 1, Ok, json!([["r", 1, 1]]));
    // Strict serializability adds realtime edges, so the graph is not empty.
    let c = run(&h, "strict-serializable");
    assert_eq!(types(&c), vec!["G1b"]);
    assert_eq!(c.result["anomalies"]["G1b"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_read_disagreeing_with_its_own_write_is_internal() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["w", 1, 1], ["r", 1, 2]]));
    txn(&mut h, 1, Ok, json!([["w", 1, 2]]));
    let c = run(&h, "read-atomic");
    assert!(types(&c).contains(&"internal".to_string()));
    assert_eq!(c.result["anomalies"]["internal"][0]["expected"], json!(1));
    // Read committed does not forbid it.
    assert!(!types(&run(&h, "read-committed")).contains(&"internal".to_string()));
}

#[test]
fn two_writers_that_read_the_same_version_are_a_lost_update() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["w", 1, 1]]));
    txn(&mut h, 1, Ok, json!([["r", 1, 1], ["w", 1, 2]]));
    txn(&mut h, 2, Ok, json!([["r", 1, 1], ["w", 1, 3]]));
    let c = run(&h, "cursor-stability");
    assert_eq!(types(&c), vec!["lost-update"]);
    assert_eq!(c.result["anomalies"]["lost-update"][0]["value"], json!(1));
    // Serializable also sees the G2-item cycle of the two anti-dependencies.
    assert_eq!(types(&run(&h, "serializable")), vec!["G2-item", "lost-update"]);
}

#[test]
fn circular_information_flow_is_g1c() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["r", 2, 1], ["w", 1, 1], ["w", 2, 2]]));
    txn(&mut h, 1, Ok, json!([["r", 1, 1], ["w", 1, 2], ["w", 2, 1]]));
    let c = run(&h, "read-committed");
    assert_eq!(types(&c), vec!["G1c"]);
    let steps = &c.result["anomalies"]["G1c"][0]["steps"];
    assert_eq!(steps[0], json!({"type": "wr", "key": 1, "value": 1}));
}

#[test]
fn read_skew_is_g_single_item() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["w", 1, 1]]));
    txn(&mut h, 1, Ok, json!([["r", 1, 1], ["w", 1, 2], ["w", 2, 2]]));
    txn(&mut h, 2, Ok, json!([["r", 1, 1], ["r", 2, 2]]));
    let c = run(&h, "serializable");
    assert_eq!(types(&c), vec!["G-single-item"]);
    let steps: Vec<Value> = c.result["anomalies"]["G-single-item"][0]["steps"].as_array().cloned().unwrap_or_default();
    assert_eq!(steps.iter().filter(|s| s["type"] == "rw").count(), 1);
}

#[test]
fn write_skew_is_g2_item_and_allowed_by_snapshot_isolation() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["w", 1, 1], ["w", 2, 1]]));
    txn(&mut h, 1, Ok, json!([["r", 1, 1], ["r", 2, 1], ["w", 1, 2]]));
    txn(&mut h, 2, Ok, json!([["r", 1, 1], ["r", 2, 1], ["w", 2, 2]]));
    assert_eq!(types(&run(&h, "serializable")), vec!["G2-item"]);
    assert_eq!(run(&h, "snapshot-isolation").valid, Validity::True);
}

#[test]
fn reading_a_write_that_began_after_the_read_ended_is_g1c_realtime() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["r", 1, 1]]));
    txn(&mut h, 1, Ok, json!([["w", 1, 1]]));
    assert_eq!(types(&run(&h, "strict-serializable")), vec!["G1c-realtime"]);
    assert_eq!(run(&h, "serializable").valid, Validity::True);
}

#[test]
fn contradictory_writes_follow_reads_orders_are_cyclic_versions() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["r", 1, 1], ["w", 1, 2]]));
    txn(&mut h, 1, Ok, json!([["r", 1, 2], ["w", 1, 1]]));
    let c = run(&h, "read-uncommitted");
    assert_eq!(types(&c), vec!["cyclic-versions"]);
    assert_eq!(c.result["anomalies"]["cyclic-versions"][0]["scc"], json!([1, 2]));
}

#[test]
fn a_history_without_dependencies_is_invalid_not_unknown() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["w", 1, 1]]));
    let c = run(&h, "serializable");
    assert_eq!(types(&c), vec!["empty-transaction-graph"]);
    assert_eq!(c.valid, Validity::False);
}

#[test]
fn cycle_search_timeouts_are_dropped_by_the_wrapper() {
    let mut m = Map::new();
    m.insert("valid?".into(), json!("unknown"));
    m.insert("anomaly-types".into(), json!(["cycle-search-timeout"]));
    m.insert("anomalies".into(), json!({"cycle-search-timeout": [{}]}));
    let c = wrap(m);
    assert_eq!(c.valid, Validity::True);
    assert_eq!(c.result["anomalies"], json!({}));
}

#[test]
fn unknown_models_and_ambiguous_writers_give_unknown() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["w", 1, 1]]));
    txn(&mut h, 1, Ok, json!([["w", 1, 1]]));
    txn(&mut h, 2, Ok, json!([["r", 1, 1]]));
    assert_eq!(run(&h, "serializable").valid, Validity::Unknown);
    assert_eq!(check(&[], &["snapshot".to_string()]).valid, Validity::Unknown);
}

#[test]
fn model_lists_split_on_commas_with_or_without_spaces() {
    assert_eq!(parse_models("strict-serializable"), vec!["strict-serializable"]);
    assert_eq!(parse_models("read-committed , serializable"), vec!["read-committed", "serializable"]);
    assert_eq!(parse_models("read-committed,serializable"), vec!["read-committed", "serializable"]);
}

#[test]
fn a_process_reading_its_own_later_write_is_g1c_process() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["r", 1, 1]]));
    txn(&mut h, 0, Ok, json!([["w", 1, 1]]));
    assert_eq!(types(&run(&h, "strong-session-serializable")), vec!["G1c-process"]);
}

/// Elle's own `rw_register_test.clj` "wfr" case: only writes-follow-reads reveals that y = 1
/// precedes y = 2, which closes a G-single-item cycle; Elle publishes the verdict, the type and
/// `not #{consistent-view repeatable-read}`.
#[test]
fn elle_fixture_wfr_reveals_g_single_item() {
    let mut h = Hist::default();
    h.ok(0, "txn", json!([["r", "y", 1], ["w", "x", 1], ["w", "y", 2]]));
    h.ok(0, "txn", json!([["r", "x", 1], ["r", "y", 1]]));
    let c = run(&h, "serializable");
    assert_eq!(c.valid, Validity::False);
    assert_eq!(types(&c), vec!["G-single-item"]);
    assert_eq!(c.result["not"], json!(["consistent-view", "repeatable-read"]));
    let steps: Vec<Value> = c.result["anomalies"]["G-single-item"][0]["steps"].as_array().cloned().unwrap_or_default();
    assert!(steps.contains(&json!({"type": "rw", "key": "y", "value": 1, "value'": 2})));
    assert!(steps.contains(&json!({"type": "wr", "key": "x", "value": 1})));
}
