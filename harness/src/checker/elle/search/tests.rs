use serde_json::json;

use super::super::models::prohibited;
use super::super::SEARCH_STEPS_PER_COMPONENT;
use super::*;
use crate::checker::test_support::Hist;
use crate::history::OpType;

/// A history of `n` ok ops (positions 0..n) so explanations can name them.
fn ops(n: usize) -> Vec<Op> {
    let mut h = Hist::default();
    for i in 0..n {
        h.ok(i as u64, "txn", json!([]));
    }
    h.ops
}

fn run(graph: &Graph, model: &str, steps: usize) -> BTreeMap<String, Vec<Value>> {
    let history = ops(8);
    let reportable = prohibited(&[model.to_string()]);
    let explain = |_: usize, _: usize, _: Rels| Map::new();
    let search = CycleSearch {
        graph,
        history: &history,
        priority: &[WR, WW, RW, PROCESS, REALTIME],
        reportable: &reportable,
        explain_step: &explain,
        steps_per_component: steps,
    };
    cycle_anomalies(&search)
}

fn types(found: &BTreeMap<String, Vec<Value>>) -> Vec<&str> {
    found.keys().map(String::as_str).collect()
}

#[test]
fn a_write_cycle_is_g0_and_hides_the_g1c_it_implies() {
    let mut g = Graph::default();
    g.link(0, 1, WW);
    g.link(1, 0, WW);
    g.link(1, 2, WR);
    g.link(2, 1, WR);
    let found = run(&g, "serializable", SEARCH_STEPS_PER_COMPONENT);
    assert_eq!(types(&found), vec!["G0"]);
    assert_eq!(found["G0"][0]["steps"], json!([{"type": "ww"}, {"type": "ww"}]));
}

#[test]
fn a_cycle_with_a_read_is_g1c() {
    let mut g = Graph::default();
    g.link(0, 1, WW);
    g.link(1, 0, WR);
    assert_eq!(types(&run(&g, "read-committed", SEARCH_STEPS_PER_COMPONENT)), vec!["G1c"]);
}

#[test]
fn one_anti_dependency_is_g_single_item_and_two_adjacent_are_g2_item() {
    let mut g = Graph::default();
    g.link(0, 1, WR);
    g.link(1, 0, RW);
    assert_eq!(types(&run(&g, "serializable", SEARCH_STEPS_PER_COMPONENT)), vec!["G-single-item"]);
    let mut g = Graph::default();
    g.link(2, 3, RW);
    g.link(3, 2, RW);
    assert_eq!(types(&run(&g, "serializable", SEARCH_STEPS_PER_COMPONENT)), vec!["G2-item"]);
    // Snapshot isolation allows write skew.
    assert!(run(&g, "snapshot-isolation", SEARCH_STEPS_PER_COMPONENT).is_empty());
}

#[test]
fn two_separated_anti_dependencies_are_g_nonadjacent_item() {
    let mut g = Graph::default();
    g.link(0, 1, RW);
    g.link(1, 2, WR);
    g.link(2, 3, RW);
    g.link(3, 0, WR);
    assert_eq!(types(&run(&g, "serializable", SEARCH_STEPS_PER_COMPONENT)), vec!["G-nonadjacent-item"]);
}

#[test]
fn a_cycle_that_needs_a_realtime_edge_is_a_realtime_variant() {
    let mut g = Graph::default();
    g.link(0, 1, WR);
    g.link(1, 0, REALTIME);
    assert_eq!(types(&run(&g, "strict-serializable", SEARCH_STEPS_PER_COMPONENT)), vec!["G1c-realtime"]);
    assert!(run(&g, "serializable", SEARCH_STEPS_PER_COMPONENT).is_empty());
}

#[test]
fn an_exhausted_budget_reports_a_timeout_and_a_fallback_cycle() {
    let mut g = Graph::default();
    g.link(0, 1, WW);
    g.link(1, 0, WW);
    let found = run(&g, "serializable", 0);
    assert_eq!(types(&found), vec!["G0", "cycle-search-timeout"]);
    assert_eq!(found["cycle-search-timeout"][0]["scc-size"], json!(2));
}

#[test]
fn components_are_the_nontrivial_strongly_connected_sets() {
    let mut g = Graph::default();
    g.link(0, 1, WW);
    g.link(1, 2, WW);
    g.link(2, 1, WW);
    g.link(3, 4, WW);
    g.link(4, 5, WW);
    g.link(5, 3, WW);
    assert_eq!(g.sccs(), vec![vec![1, 2], vec![3, 4, 5]]);
}

#[test]
fn realtime_edges_link_each_op_only_to_its_latest_predecessors() {
    // a: [0,1], b: [2,3], c: [4,5]; b and c each follow the previous op only.
    let mut h = Hist::default();
    for p in 0..3 {
        h.invoke(p, "txn", json!([]));
        h.push(OpType::Ok, p, "txn", json!([]));
    }
    let mut g = Graph::default();
    g.add_realtime(&h.ops, |_| true);
    assert_eq!(g.rels(1, 3), REALTIME);
    assert_eq!(g.rels(3, 5), REALTIME);
    assert_eq!(g.rels(1, 5), 0);
}
