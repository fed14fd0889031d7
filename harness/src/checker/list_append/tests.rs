use serde_json::{json, Value};

use super::*;
use crate::checker::test_support::Hist;
use crate::history::OpType::{self, *};

fn txn(h: &mut Hist, p: u64, kind: OpType, out: Value) {
    h.txn(p, kind, out);
}

fn run(h: &Hist, model: &str) -> Checked {
    check(&h.ops, &[model.to_string()])
}

fn types(c: &Checked) -> Vec<String> {
    serde_json::from_value(c.result["anomaly-types"].clone()).unwrap_or_default()
}

#[test]
fn a_serial_history_is_valid_with_elles_bare_result() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["append", 1, 1], ["r", 1, [1]]]));
    txn(&mut h, 1, Ok, json!([["r", 1, [1]], ["append", 1, 2]]));
    txn(&mut h, 0, Ok, json!([["r", 1, [1, 2]]]));
    let c = run(&h, "strict-serializable");
    assert_eq!(c.result, json!({"valid?": true}));
    assert_eq!(c.valid, Validity::True);
}

#[test]
fn appends_ordered_differently_on_two_keys_are_a_write_cycle_g0() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["append", "x", 1], ["append", "y", 1]]));
    txn(&mut h, 1, Ok, json!([["append", "x", 2], ["append", "y", 2]]));
    txn(&mut h, 2, Ok, json!([["r", "x", [1, 2]], ["r", "y", [2, 1]]]));
    let c = run(&h, "read-uncommitted");
    assert_eq!(types(&c), vec!["G0"], "{}", c.result);
    assert_eq!(c.valid, Validity::False);
    let steps = &c.result["anomalies"]["G0"][0]["steps"];
    assert_eq!(steps[0]["type"], "ww");
    assert!(steps[0]["value'"].is_number() && steps[0]["key"].is_string(), "{steps}");
    assert_eq!(c.result["not"], json!(["read-uncommitted"]));
}

#[test]
fn reading_a_failed_append_is_g1a_and_an_intermediate_one_is_g1b() {
    let mut h = Hist::default();
    txn(&mut h, 0, Fail, json!([["append", "x", 1]]));
    txn(&mut h, 1, Ok, json!([["r", "x", [1]]]));
    let c = run(&h, "read-committed");
    // Nothing links the two committed transactions, so Elle also finds no graph.
    assert_eq!(types(&c), vec!["G1a", "empty-transaction-graph"], "{}", c.result);
    assert_eq!(c.result["anomalies"]["G1a"][0]["element"], json!(1));
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["append", "x", 1], ["append", "x", 2]]));
    txn(&mut h, 1, Ok, json!([["r", "x", [1]]]));
    assert_eq!(types(&run(&h, "read-committed")), vec!["G1b"]);
    assert_eq!(run(&h, "read-uncommitted").valid, Validity::True, "read uncommitted allows both");
}

#[test]
fn each_reading_the_others_append_is_g1c() {
    let mut h = Hist::default();
    h.invoke(0, "txn", json!([["append", "x", 1], ["r", "y", null]]));
    h.invoke(1, "txn", json!([["append", "y", 1], ["r", "x", null]]));
    h.ok(0, "txn", json!([["append", "x", 1], ["r", "y", [1]]]));
    h.ok(1, "txn", json!([["append", "y", 1], ["r", "x", [1]]]));
    let c = run(&h, "read-committed");
    assert_eq!(types(&c), vec!["G1c"], "{}", c.result);
    assert_eq!(c.result["anomalies"]["G1c"][0]["steps"][0]["type"], "wr");
}

#[test]
fn one_anti_dependency_closing_a_cycle_is_g_single_and_two_are_g2() {
    let mut h = Hist::default();
    h.invoke(1, "txn", json!([["r", "x", null], ["r", "y", null]]));
    txn(&mut h, 0, Ok, json!([["append", "x", 1], ["append", "y", 1]]));
    h.ok(1, "txn", json!([["r", "x", []], ["r", "y", [1]]]));
    let c = run(&h, "serializable");
    assert_eq!(types(&c), vec!["G-single-item"], "{}", c.result);
    let mut h = Hist::default();
    h.invoke(0, "txn", json!([["r", "x", null], ["append", "y", 1]]));
    h.invoke(1, "txn", json!([["r", "y", null], ["append", "x", 1]]));
    h.ok(0, "txn", json!([["r", "x", []], ["append", "y", 1]]));
    h.ok(1, "txn", json!([["r", "y", []], ["append", "x", 1]]));
    let c = run(&h, "serializable");
    assert_eq!(types(&c), vec!["G2-item"], "{}", c.result);
    assert_eq!(run(&h, "read-committed").valid, Validity::True, "read committed allows write skew");
}

#[test]
fn reads_that_are_not_prefixes_duplicates_and_internal_misreads_are_caught() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["append", "x", 1], ["append", "x", 2]]));
    txn(&mut h, 1, Ok, json!([["r", "x", [1, 2]]]));
    txn(&mut h, 1, Ok, json!([["r", "x", [2]]]));
    txn(&mut h, 0, Ok, json!([["r", "y", [5, 5]]]));
    txn(&mut h, 0, Ok, json!([["append", "z", 3], ["r", "z", [7]]]));
    let c = run(&h, "serializable");
    let found = types(&c);
    for kind in ["incompatible-order", "duplicate-elements", "internal"] {
        assert!(found.contains(&kind.to_string()), "{kind} missing: {}", c.result);
    }
    assert_eq!(c.result["anomalies"]["incompatible-order"][0], json!({"key": "x", "values": [[2], [1, 2]]}));
    assert_eq!(c.result["anomalies"]["duplicate-elements"][0]["duplicates"], json!({"5": 2}));
    assert_eq!(c.result["anomalies"]["internal"][0]["expected"], json!(["...", 3]));
}

#[test]
fn an_element_appended_twice_or_an_unknown_micro_op_gives_up_with_unknown() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["append", "x", 1]]));
    txn(&mut h, 1, Ok, json!([["append", "x", 1]]));
    assert_eq!(run(&h, "serializable").valid, Validity::Unknown);
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["w", "x", 1]]));
    assert_eq!(run(&h, "serializable").valid, Validity::Unknown);
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["r", "x", 3]]));
    assert_eq!(run(&h, "serializable").valid, Validity::Unknown);
}

#[test]
fn a_history_without_dependencies_is_unknown() {
    let mut h = Hist::default();
    txn(&mut h, 0, Ok, json!([["r", "x", []]]));
    let c = run(&h, "serializable");
    assert_eq!(c.valid, Validity::Unknown, "{}", c.result);
    assert_eq!(types(&c), vec!["empty-transaction-graph"]);
}

#[test]
fn a_committed_append_right_after_an_aborted_one_is_a_dirty_update() {
    let mut h = Hist::default();
    txn(&mut h, 0, Fail, json!([["append", "x", 1]]));
    txn(&mut h, 1, Ok, json!([["append", "x", 2]]));
    txn(&mut h, 0, Ok, json!([["r", "x", [1, 2]]]));
    let c = run(&h, "read-committed");
    assert_eq!(types(&c), vec!["G1a", "dirty-update"], "{}", c.result);
    let case = &c.result["anomalies"]["dirty-update"][0];
    assert_eq!((&case["key"], &case["values"]), (&json!("x"), &json!([1, 2])));
    assert_eq!(case["txns"][1], "...");
}
