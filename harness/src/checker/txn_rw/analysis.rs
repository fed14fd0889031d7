//! Elle's rw-register analysis (`elle/rw_register.clj`, `elle/txn.clj`, Elle 0.2.2).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Map, Value};

use super::super::elle::txn::{lost_update, text, txns, Mop, Txn};
use super::super::elle::{
    add_model_edges, graph_anomalies, CycleSearch, Graph, Rels, PROCESS, REALTIME, RW, SEARCH_STEPS_PER_COMPONENT, WR,
    WW,
};
use super::super::{cmp_json, op_json};
use crate::history::{Op, OpType};

/// `txn/ext-reads`: the first read of each key not preceded by a write of it.
fn ext_reads<'h>(mops: &[Mop<'h>]) -> Vec<(&'h Value, &'h Value)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for m in mops {
        if m.f == "r" && !seen.contains(&text(m.key)) {
            out.push((m.key, m.value));
        }
        seen.insert(text(m.key));
    }
    out
}

/// `txn/ext-writes`: the last write of each key.
fn ext_writes<'h>(mops: &[Mop<'h>]) -> Vec<(&'h Value, &'h Value)> {
    let mut out: Vec<(&Value, &Value)> = Vec::new();
    for m in mops.iter().filter(|m| m.f == "w") {
        match out.iter_mut().find(|(k, _)| *k == m.key) {
            Some(entry) => entry.1 = m.value,
            None => out.push((m.key, m.value)),
        }
    }
    out
}

fn lookup<'h>(pairs: &[(&'h Value, &'h Value)], key: &Value) -> Option<&'h Value> {
    pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// One key's inferred version order: values (by JSON text) and direct edges v -> v'.
#[derive(Default, Clone)]
struct VersionGraph {
    values: BTreeMap<String, Value>,
    edges: BTreeSet<(String, String)>,
}

impl VersionGraph {
    fn link(&mut self, from: &Value, to: &Value) {
        self.values.insert(text(from), from.clone());
        self.values.insert(text(to), to.clone());
        self.edges.insert((text(from), text(to)));
    }

    /// Non-trivial strongly connected components, as sorted value lists.
    fn cycles(&self) -> Vec<Vec<Value>> {
        let ids: HashMap<&String, usize> = self.values.keys().enumerate().map(|(i, v)| (v, i)).collect();
        let names: Vec<&Value> = self.values.values().collect();
        let mut g = Graph::default();
        for (a, b) in &self.edges {
            g.link(ids[a], ids[b], WW);
        }
        let mut out: Vec<Vec<Value>> = g
            .sccs()
            .into_iter()
            .map(|c| {
                let mut vs: Vec<Value> = c.into_iter().map(|i| names[i].clone()).collect();
                vs.sort_by(cmp_json);
                vs
            })
            .collect();
        out.sort_by(|a, b| cmp_json(&a[0], &b[0]));
        out
    }
}

type VersionGraphs = BTreeMap<String, VersionGraph>;

/// The whole analysis: every anomaly found (Elle's `check` before `result-map`). `Err` where
/// Elle throws: mixed key types, or one value written by two transactions.
pub(super) fn anomalies(history: &[Op], reportable: &BTreeSet<String>) -> Result<BTreeMap<String, Value>, String> {
    let txns = txns(history);
    type_sanity(&txns)?;
    let (versions, cyclic) = version_graphs(&txns);
    let mut graph = transaction_graph(&txns, &versions)?;
    add_model_edges(&mut graph, history, reportable);
    let mut found: BTreeMap<String, Value> = BTreeMap::new();
    let by_pos: HashMap<usize, &Txn> = txns.iter().map(|t| (t.pos, t)).collect();
    let explain = |a: usize, b: usize, rel: Rels| explain_step(&by_pos, &versions, a, b, rel);
    let search = CycleSearch {
        graph: &graph,
        history,
        // Elle combines the wr graph, then the ww+rw graph, then realtime or process.
        priority: &[WR, WW, RW, PROCESS, REALTIME],
        reportable,
        explain_step: &explain,
        steps_per_component: SEARCH_STEPS_PER_COMPONENT,
    };
    found.extend(graph_anomalies(&search));
    if !cyclic.is_empty() {
        found.insert("cyclic-versions".into(), Value::Array(cyclic));
    }
    // `cycles!` keeps only reportable findings; the direct checks are added after.
    found.retain(|k, _| reportable.contains(k));
    let mut put = |kind: &str, cases: Vec<Value>| {
        if !cases.is_empty() {
            found.insert(kind.to_string(), Value::Array(cases));
        }
    };
    put("internal", internal(&txns));
    put("G1a", g1a(&txns));
    put("G1b", g1b(&txns));
    put("lost-update", lost_update(&txns, "w"));
    Ok(found)
}

/// `assert-type-sanity`: every key of the history has the same JSON type.
fn type_sanity(txns: &[Txn]) -> Result<(), String> {
    let kind = |v: &Value| match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "float",
        Value::String(_) => "string",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let kinds: BTreeSet<&str> = txns.iter().flat_map(|t| t.mops.iter().map(|m| kind(m.key))).collect();
    match kinds.len() {
        0 | 1 => Ok(()),
        _ => Err(format!("History includes a mix of different types for transaction keys: {kinds:?}")),
    }
}

/// `version-graphs` with `initial-state` and `wfr-keys`: if adding the writes-follow-reads
/// order makes any key's graph cyclic, that order is dropped entirely and the cycles reported.
fn version_graphs(txns: &[Txn]) -> (VersionGraphs, Vec<Value>) {
    let mut initial = VersionGraphs::new();
    for t in txns.iter().filter(|t| matches!(t.op.kind, OpType::Ok | OpType::Info)) {
        let reads = if t.op.kind == OpType::Ok { ext_reads(&t.mops) } else { Vec::new() };
        for (k, v) in ext_writes(&t.mops).into_iter().chain(reads) {
            if !v.is_null() {
                initial.entry(text(k)).or_default().link(&Value::Null, v);
            }
        }
    }
    let mut with_wfr = initial.clone();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        let writes = ext_writes(&t.mops);
        for (k, v) in ext_reads(&t.mops).into_iter().filter(|(_, v)| !v.is_null()) {
            if let Some(w) = lookup(&writes, k) {
                with_wfr.entry(text(k)).or_default().link(v, w);
            }
        }
    }
    let key_of: HashMap<String, Value> =
        txns.iter().flat_map(|t| t.mops.iter().map(|m| (text(m.key), m.key.clone()))).collect();
    let mut keys: Vec<&String> = with_wfr.keys().collect();
    keys.sort_by(|a, b| cmp_json(&key_of[*a], &key_of[*b]));
    let cyclic: Vec<Value> = keys
        .into_iter()
        .flat_map(|k| {
            with_wfr[k]
                .cycles()
                .into_iter()
                .map(|scc| json!({"key": key_of[k], "scc": scc, "sources": ["initial-state", "wfr-keys"]}))
        })
        .collect();
    if cyclic.is_empty() {
        (with_wfr, cyclic)
    } else {
        (initial, cyclic)
    }
}

/// Key text -> value text -> committed transactions (`ext-index`, `:ok` ops only).
type ExtIndex = BTreeMap<String, BTreeMap<String, Vec<usize>>>;

fn ext_index(txns: &[Txn], reads: bool) -> ExtIndex {
    let mut index = ExtIndex::new();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        let pairs = if reads { ext_reads(&t.mops) } else { ext_writes(&t.mops) };
        for (k, v) in pairs {
            index.entry(text(k)).or_default().entry(text(v)).or_default().push(t.pos);
        }
    }
    index
}

/// `wr-graph` plus `version-graphs->transaction-graph`: wr from the unique writer of a value to
/// its readers; for each version edge v -> v', ww from writers of v and rw from readers of v
/// to writers of v'. Only committed transactions take part.
fn transaction_graph(txns: &[Txn], versions: &VersionGraphs) -> Result<Graph, String> {
    let (reads, writes) = (ext_index(txns, true), ext_index(txns, false));
    let mut graph = Graph::default();
    let none: Vec<usize> = Vec::new();
    for (k, by_value) in &reads {
        for (v, readers) in by_value {
            let writers = writes.get(k).and_then(|w| w.get(v)).unwrap_or(&none);
            match writers.as_slice() {
                [] => {}
                [writer] => readers.iter().for_each(|&r| graph.link(*writer, r, WR)),
                _ => return Err(format!("Key {k} had value {v} written by more than one op: {writers:?}")),
            }
        }
    }
    for (k, vg) in versions {
        let (k_reads, k_writes) = (reads.get(k), writes.get(k));
        for (v1, v2) in &vg.edges {
            let at = |index: Option<&BTreeMap<String, Vec<usize>>>, v: &String| {
                index.and_then(|m| m.get(v)).cloned().unwrap_or_default()
            };
            let later = at(k_writes, v2);
            for &a in &at(k_writes, v1) {
                later.iter().for_each(|&b| graph.link(a, b, WW));
            }
            for &a in &at(k_reads, v1) {
                later.iter().for_each(|&b| graph.link(a, b, RW));
            }
        }
    }
    Ok(graph)
}

fn explain_step(
    by_pos: &HashMap<usize, &Txn>,
    versions: &VersionGraphs,
    a: usize,
    b: usize,
    rel: Rels,
) -> Map<String, Value> {
    let mut step = Map::new();
    let (Some(ta), Some(tb)) = (by_pos.get(&a), by_pos.get(&b)) else { return step };
    let precedes =
        |k: &Value, v: &Value, w: &Value| versions.get(&text(k)).is_some_and(|g| g.edges.contains(&(text(v), text(w))));
    let (a_pairs, b_pairs) = match rel {
        WR => (ext_writes(&ta.mops), ext_reads(&tb.mops)),
        WW => (ext_writes(&ta.mops), ext_writes(&tb.mops)),
        RW => (ext_reads(&ta.mops), ext_writes(&tb.mops)),
        _ => return step,
    };
    for (k, v) in a_pairs {
        let Some(w) = lookup(&b_pairs, k) else { continue };
        if (rel == WR && v == w) || (rel != WR && precedes(k, v, w)) {
            step.insert("key".into(), k.clone());
            step.insert("value".into(), v.clone());
            if rel != WR {
                step.insert("value'".into(), w.clone());
            }
            break;
        }
    }
    step
}

/// `internal-cases`: a read that disagrees with the transaction's own earlier non-null
/// read or write of the key.
fn internal(txns: &[Txn]) -> Vec<Value> {
    let mut out = Vec::new();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        let mut state: HashMap<String, &Value> = HashMap::new();
        for m in &t.mops {
            let expected = state.get(&text(m.key)).copied().filter(|s| !s.is_null());
            if m.f == "r" {
                if let Some(expected) = expected.filter(|s| *s != m.value) {
                    out.push(json!({"op": op_json(t.op), "mop": m.raw, "expected": expected}));
                    break;
                }
            }
            state.insert(text(m.key), m.value);
        }
    }
    out
}

/// `g1a-cases`: a committed read of a value some `:fail`ed transaction wrote.
fn g1a(txns: &[Txn]) -> Vec<Value> {
    let mut failed: HashMap<(String, String), usize> = HashMap::new();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Fail) {
        for m in t.mops.iter().filter(|m| m.f == "w") {
            failed.insert((text(m.key), text(m.value)), t.pos);
        }
    }
    reads_of(txns, &failed, |_, _| true)
}

/// `g1b-cases` (intermediate writes of every record, invocations included, the latest
/// record winning): a committed read of a value that its writer later overwrote in the same
/// transaction (reads inside that transaction excepted).
fn g1b(txns: &[Txn]) -> Vec<Value> {
    let mut intermediate: HashMap<(String, String), usize> = HashMap::new();
    for t in txns {
        let mut last: HashMap<String, &Value> = HashMap::new();
        for m in t.mops.iter().filter(|m| m.f == "w") {
            if let Some(prev) = last.insert(text(m.key), m.value) {
                intermediate.insert((text(m.key), text(prev)), t.pos);
            }
        }
    }
    reads_of(txns, &intermediate, |reader, writer| reader != writer)
}

/// Committed reads of a (key, value) in `writers`, with the writer, where `keep(reader, writer)`.
fn reads_of(
    txns: &[Txn],
    writers: &HashMap<(String, String), usize>,
    keep: impl Fn(usize, usize) -> bool,
) -> Vec<Value> {
    let writer_op = |pos: usize| txns.iter().find(|t| t.pos == pos).map(|t| t.op);
    let mut out = Vec::new();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        for m in t.mops.iter().filter(|m| m.f == "r") {
            if let Some(&w) = writers.get(&(text(m.key), text(m.value))).filter(|&&w| keep(t.pos, w)) {
                out.push(json!({"op": op_json(t.op), "mop": m.raw, "writer": writer_op(w).map(op_json)}));
            }
        }
    }
    out
}
