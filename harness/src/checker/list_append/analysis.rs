//! Elle's list-append analysis (`elle/list_append.clj`): version orders from the longest read
//! of each key, ww/wr/rw dependencies from them, and the anomalies visible without a graph.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Map, Value};

use super::super::elle::txn::{lost_update, text, txns, Mop, Txn};
use super::super::elle::{
    add_model_edges, graph_anomalies, CycleSearch, Graph, Rels, PROCESS, REALTIME, RW, SEARCH_STEPS_PER_COMPONENT, WR,
    WW,
};
use super::super::op_json;
use crate::history::{Op, OpType};

/// Key text -> element text -> history position of the completion that appended it.
type WriteIndex = HashMap<String, HashMap<String, usize>>;
/// Key text -> last element read (`None`: the empty list) -> positions of the readers.
type ReadIndex = HashMap<String, HashMap<Option<String>, Vec<usize>>>;

/// One key's version order: the distinct elements of its longest read, and their positions.
#[derive(Default)]
struct Order {
    elements: Vec<String>,
    index: HashMap<String, usize>,
}

/// What the dependency inference knows (Elle's `preprocess`).
struct Indices {
    orders: HashMap<String, Order>,
    writes: WriteIndex,
    reads: ReadIndex,
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn is_possible(t: &Txn) -> bool {
    matches!(t.op.kind, OpType::Ok | OpType::Info)
}

/// The whole analysis: every anomaly found, before Elle's `result-map`. `Err` where Elle gives
/// up with `:valid? :unknown`: a micro-op that is neither read nor append, or a value appended
/// twice to one key.
pub(super) fn anomalies(history: &[Op], reportable: &BTreeSet<String>) -> Result<BTreeMap<String, Value>, String> {
    let txns = txns(history);
    verify(&txns)?;
    let possible: Vec<&Txn> = txns.iter().filter(|t| is_possible(t)).collect();
    let sorted = sorted_values(&possible);
    let indices = Indices { orders: orders(&sorted), writes: write_index(&possible), reads: read_index(&possible) };
    let mut graph = dependency_graph(&possible, &indices);
    add_model_edges(&mut graph, history, reportable);
    let by_pos: HashMap<usize, &Txn> = possible.iter().map(|t| (t.pos, *t)).collect();
    let explain = |a: usize, b: usize, rel: Rels| explain_step(&indices, &by_pos, a, b, rel);
    let search = CycleSearch {
        graph: &graph,
        history,
        // Elle combines the ww, wr and rw graphs in that order, then realtime or process.
        priority: &[WW, WR, RW, PROCESS, REALTIME],
        reportable,
        explain_step: &explain,
        steps_per_component: SEARCH_STEPS_PER_COMPONENT,
    };
    let mut found = graph_anomalies(&search);
    found.retain(|k, _| reportable.contains(k));
    let direct = [
        ("duplicate-elements", duplicates(&possible)),
        ("incompatible-order", incompatible_orders(&sorted)),
        ("dirty-update", dirty_updates(history, &txns, &sorted, &indices.orders)),
        ("internal", internal(&txns)),
        ("future-read", future_reads(&txns)),
        ("G1a", g1a(history, &txns)),
        ("G1b", g1b(history, &txns)),
        ("lost-update", lost_update(&txns, "append")),
    ];
    for (kind, cases) in direct {
        if !cases.is_empty() {
            found.insert(kind.to_string(), Value::Array(cases));
        }
    }
    Ok(found)
}

/// `verify-mop-types` and `verify-unique-appends`, plus reads that return something other than
/// a list (Elle would throw taking the last element of it).
fn verify(txns: &[Txn]) -> Result<(), String> {
    let mut appended: BTreeSet<(String, String)> = BTreeSet::new();
    for t in txns {
        let raw = t.op.value.as_array().map_or(0, Vec::len);
        if t.mops.len() != raw || t.mops.iter().any(|m| m.f != "r" && m.f != "append") {
            return Err(format!("history contained operations other than appends or reads: {}", t.op.value));
        }
        if let Some(m) = t.mops.iter().find(|m| m.f == "r" && !(m.value.is_null() || m.value.is_array())) {
            return Err(format!("read of {} returned {}, not a list", m.key, m.value));
        }
        if t.op.kind != OpType::Invoke {
            continue;
        }
        for m in t.mops.iter().filter(|m| m.f == "append") {
            if !appended.insert((text(m.key), text(m.value))) {
                return Err(format!("value {} appended to key {} multiple times!", m.value, m.key));
            }
        }
    }
    Ok(())
}

/// Key text -> (key, distinct non-empty lists read, shortest first) (`sorted-values`); a key
/// never read but appended exactly once takes `[[v]]`.
fn sorted_values<'h>(possible: &[&Txn<'h>]) -> BTreeMap<String, (&'h Value, Vec<&'h [Value]>)> {
    let mut out: BTreeMap<String, (&Value, Vec<&[Value]>)> = BTreeMap::new();
    let mut appends: HashMap<String, (&Value, Vec<&Value>)> = HashMap::new();
    for t in possible {
        for m in &t.mops {
            if m.f == "r" && !list(m.value).is_empty() {
                let entry = out.entry(text(m.key)).or_insert((m.key, Vec::new()));
                if !entry.1.contains(&list(m.value)) {
                    entry.1.push(list(m.value));
                }
            } else if m.f == "append" {
                appends.entry(text(m.key)).or_insert((m.key, Vec::new())).1.push(m.raw);
            }
        }
    }
    for (k, (key, raws)) in appends {
        if let ([only], false) = (raws.as_slice(), out.contains_key(&k)) {
            let one: &[Value] = only.as_array().map_or(&[], |a| &a[2..3]);
            out.insert(k, (key, vec![one]));
        }
    }
    out.values_mut().for_each(|(_, lists)| lists.sort_by_key(|l| l.len()));
    out
}

/// `append-index`: each key's version order is its longest read.
fn orders(sorted: &BTreeMap<String, (&Value, Vec<&[Value]>)>) -> HashMap<String, Order> {
    let mut out = HashMap::new();
    for (k, (_, lists)) in sorted {
        let mut order = Order::default();
        for e in lists.last().copied().unwrap_or_default() {
            let e = text(e);
            if !order.index.contains_key(&e) {
                order.index.insert(e.clone(), order.elements.len());
                order.elements.push(e);
            }
        }
        out.insert(k.clone(), order);
    }
    out
}

fn write_index(possible: &[&Txn]) -> WriteIndex {
    let mut index = WriteIndex::new();
    for t in possible {
        for m in t.mops.iter().filter(|m| m.f == "append") {
            index.entry(text(m.key)).or_default().insert(text(m.value), t.pos);
        }
    }
    index
}

/// `read-index`; `:info` reads carry no observation and are left out.
fn read_index(possible: &[&Txn]) -> ReadIndex {
    let mut index = ReadIndex::new();
    for t in possible.iter().filter(|t| t.op.kind == OpType::Ok) {
        for m in t.mops.iter().filter(|m| m.f == "r") {
            let last = list(m.value).last().map(text);
            index.entry(text(m.key)).or_default().entry(last).or_default().push(t.pos);
        }
    }
    index
}

impl Indices {
    /// `previously-appended-element`: the element before `e` in the key's order; for an
    /// element never read, the last one read (it came after that). `None`: the empty list.
    fn previous(&self, key: &str, e: &str) -> Option<&String> {
        let order = self.orders.get(key)?;
        match order.index.get(e) {
            Some(&i) => i.checked_sub(1).map(|p| &order.elements[p]),
            None => order.elements.last(),
        }
    }

    /// The other transaction that appended the element before this append (ww).
    fn ww(&self, pos: usize, m: &Mop) -> Option<usize> {
        let (k, prev) = (text(m.key), self.previous(&text(m.key), &text(m.value))?);
        self.writes.get(&k)?.get(prev).copied().filter(|&w| w != pos)
    }

    /// The other transaction that appended the last element this read saw (wr).
    fn wr(&self, pos: usize, m: &Mop) -> Option<usize> {
        let last = text(list(m.value).last()?);
        self.writes.get(&text(m.key))?.get(&last).copied().filter(|&w| w != pos)
    }

    /// The other transactions that read the state this append overwrote (rw).
    fn rw(&self, pos: usize, m: &Mop) -> Vec<usize> {
        let k = text(m.key);
        let prev = self.previous(&k, &text(m.value)).cloned();
        let readers = self.reads.get(&k).and_then(|r| r.get(&prev));
        readers.into_iter().flatten().copied().filter(|&r| r != pos).collect()
    }
}

fn dependency_graph(possible: &[&Txn], indices: &Indices) -> Graph {
    let mut graph = Graph::default();
    for t in possible {
        for m in &t.mops {
            if m.f == "append" {
                if let Some(w) = indices.ww(t.pos, m) {
                    graph.link(w, t.pos, WW);
                }
                for r in indices.rw(t.pos, m) {
                    graph.link(r, t.pos, RW);
                }
            } else if let Some(w) = indices.wr(t.pos, m) {
                graph.link(w, t.pos, WR);
            }
        }
    }
    graph
}

/// Elle's ww, wr and rw explainers: the key and elements behind the step a -> b.
fn explain_step(indices: &Indices, by_pos: &HashMap<usize, &Txn>, a: usize, b: usize, rel: Rels) -> Map<String, Value> {
    let mut step = Map::new();
    let Some(tb) = by_pos.get(&b) else { return step };
    for m in &tb.mops {
        let k = text(m.key);
        let hit = match (rel, m.f) {
            (WW, "append") => indices.ww(b, m) == Some(a),
            (RW, "append") => indices.rw(b, m).contains(&a),
            (WR, "r") => indices.wr(b, m) == Some(a),
            _ => false,
        };
        if !hit {
            continue;
        }
        step.insert("key".into(), m.key.clone());
        if rel == WR {
            step.insert("value".into(), list(m.value).last().cloned().unwrap_or(Value::Null));
        } else {
            let prev = indices.previous(&k, &text(m.value));
            let prev = prev.and_then(|p| serde_json::from_str(p).ok()).unwrap_or(Value::Null);
            step.insert("value".into(), prev);
            step.insert("value'".into(), m.value.clone());
        }
        break;
    }
    step
}

/// `duplicates`: reads that hold an element more than once.
fn duplicates(possible: &[&Txn]) -> Vec<Value> {
    let mut out = Vec::new();
    for t in possible {
        for m in t.mops.iter().filter(|m| m.f == "r") {
            let mut counts: BTreeMap<String, (Value, u64)> = BTreeMap::new();
            for e in list(m.value) {
                counts.entry(text(e)).or_insert((e.clone(), 0)).1 += 1;
            }
            let dups: Map<String, Value> = counts
                .into_values()
                .filter(|(_, n)| *n > 1)
                .map(|(e, n)| (super::super::key_text(&e), json!(n)))
                .collect();
            if !dups.is_empty() {
                out.push(json!({"op": op_json(t.op), "mop": m.raw, "duplicates": dups}));
            }
        }
    }
    out
}

/// `incompatible-orders`: per key, the first pair of successive reads (by length) where the
/// shorter is not a prefix of the longer.
fn incompatible_orders(sorted: &BTreeMap<String, (&Value, Vec<&[Value]>)>) -> Vec<Value> {
    sorted
        .values()
        .filter_map(|(key, lists)| {
            let pair = lists.windows(2).find(|w| !w[1].starts_with(w[0]))?;
            Some(json!({"key": key, "values": [pair[0], pair[1]]}))
        })
        .collect()
}

/// `dirty-update-cases`: in a key's version order, a committed append right after aborted
/// ones; the case shows the elements from the first aborted one to the committed one. Elements
/// that no completion appended are passed over.
fn dirty_updates(
    history: &[Op],
    txns: &[Txn],
    sorted: &BTreeMap<String, (&Value, Vec<&[Value]>)>,
    orders: &HashMap<String, Order>,
) -> Vec<Value> {
    let mut writers: HashMap<(String, String), usize> = HashMap::new();
    for t in txns.iter().filter(|t| t.op.kind != OpType::Invoke) {
        for m in t.mops.iter().filter(|m| m.f == "append") {
            writers.insert((text(m.key), text(m.value)), t.pos);
        }
    }
    let mut out = Vec::new();
    for (k, (key, _)) in sorted {
        // The initial state counts as committed.
        let (mut t1, mut values): (Option<usize>, Vec<&String>) = (None, Vec::new());
        for e in orders.get(k).map_or(&[][..], |o| &o.elements) {
            let Some(&t2) = writers.get(&(k.clone(), e.clone())) else { continue };
            values.push(e);
            let kind = |t: Option<usize>| t.map_or(OpType::Ok, |p| history[p].kind);
            match (kind(t1), kind(Some(t2))) {
                (OpType::Fail, OpType::Ok) => {
                    let elements: Vec<Value> = values.iter().filter_map(|v| serde_json::from_str(v).ok()).collect();
                    let txns = json!([t1.map(|p| op_json(&history[p])), "...", op_json(&history[t2])]);
                    out.push(json!({"key": key, "values": elements, "txns": txns}));
                }
                (_, OpType::Info) | (OpType::Fail, OpType::Fail) => continue,
                _ => {}
            }
            (t1, values) = (Some(t2), vec![e]);
        }
    }
    out
}

/// `internal-cases`: a read that disagrees with what the transaction's own earlier reads and
/// appends of the key imply. After appends to a key not read before, only the appended
/// suffix is known (Elle's `'...` prefix).
fn internal(txns: &[Txn]) -> Vec<Value> {
    let mut out = Vec::new();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        // Key text -> (whether the prefix is known, expected list or suffix).
        let mut state: HashMap<String, (bool, Vec<Value>)> = HashMap::new();
        for m in &t.mops {
            let k = text(m.key);
            if m.f == "append" {
                state.entry(k).or_insert((false, Vec::new())).1.push(m.value.clone());
                continue;
            }
            let read = list(m.value);
            let wrong = match state.get(&k) {
                Some((true, expected)) => expected.as_slice() != read,
                Some((false, suffix)) => !read.ends_with(suffix),
                None => false,
            };
            if wrong {
                let (known, expected) = &state[&k];
                let mut shown: Vec<Value> = if *known { vec![] } else { vec![json!("...")] };
                shown.extend(expected.iter().cloned());
                out.push(json!({"op": op_json(t.op), "mop": m.raw, "expected": shown}));
                break;
            }
            state.insert(k, (true, read.to_vec()));
        }
    }
    out
}

/// `future-read` (Elle 0.2): a transaction read an element it appends later.
fn future_reads(txns: &[Txn]) -> Vec<Value> {
    let mut out = Vec::new();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        let mut seen: HashMap<(String, String), &Value> = HashMap::new();
        for m in &t.mops {
            if m.f == "r" {
                for e in list(m.value) {
                    seen.entry((text(m.key), text(e))).or_insert(m.raw);
                }
            } else if let Some(read) = seen.get(&(text(m.key), text(m.value))) {
                out.push(json!({"op": op_json(t.op), "mop": read, "element": m.value}));
                break;
            }
        }
    }
    out
}

/// `g1a-cases`: committed reads of elements that a `:fail`ed transaction appended.
fn g1a(history: &[Op], txns: &[Txn]) -> Vec<Value> {
    let mut failed: HashMap<(String, String), usize> = HashMap::new();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Fail) {
        for m in t.mops.iter().filter(|m| m.f == "append") {
            failed.insert((text(m.key), text(m.value)), t.pos);
        }
    }
    let mut out = Vec::new();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        for m in t.mops.iter().filter(|m| m.f == "r") {
            for e in list(m.value) {
                if let Some(&w) = failed.get(&(text(m.key), text(e))) {
                    out.push(json!({"op": op_json(t.op), "mop": m.raw, "writer": op_json(&history[w]), "element": e}));
                }
            }
        }
    }
    out
}

/// `g1b-cases`: committed reads whose last element was not its writer's final append to the
/// key (the latest record of the writer wins; reads inside the writer itself are fine).
fn g1b(history: &[Op], txns: &[Txn]) -> Vec<Value> {
    let mut intermediate: HashMap<(String, String), usize> = HashMap::new();
    for t in txns {
        let mut last: HashMap<String, &Value> = HashMap::new();
        for m in t.mops.iter().filter(|m| m.f == "append") {
            if let Some(prev) = last.insert(text(m.key), m.value) {
                intermediate.insert((text(m.key), text(prev)), t.pos);
            }
        }
    }
    let mut out = Vec::new();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        for m in t.mops.iter().filter(|m| m.f == "r") {
            let Some(e) = list(m.value).last() else { continue };
            if let Some(&w) = intermediate.get(&(text(m.key), text(e))).filter(|&&w| w != t.pos) {
                out.push(json!({"op": op_json(t.op), "mop": m.raw, "writer": op_json(&history[w]), "element": e}));
            }
        }
    }
    out
}
