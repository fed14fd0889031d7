//! Elle's transaction dependency graph and cycle search (docs/checkers.md; Elle 0.2.2 `txn.clj`,
//! `core.clj`), shared by the kafka and txn-rw-register checkers.
//!
//! Nodes are completion records, named by their position in the history. Each edge carries a
//! set of relations ([`WW`], [`WR`], [`RW`], [`PROCESS`], [`REALTIME`]). Cycle search follows
//! Elle: strongly connected components (Tarjan), then per component a breadth-first search for
//! each cycle shape of Elle's `cycle-anomaly-specs`, most severe first, skipping shapes already
//! implied by one found. Each found cycle is explained step by step and classified by the
//! relations of its steps, exactly as Elle's `cycle-explainer` does.

pub(crate) mod models;
pub(crate) mod txn;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{json, Map, Value};

use models::{boundary, is_known, prohibited, UNKNOWN_ANOMALIES};

use super::{op_json, pair_positions, Checked};
use crate::history::{Op, OpType};

/// A set of dependency relations, as a bit set.
pub(crate) type Rels = u8;
/// Write-write dependency.
pub(crate) const WW: Rels = 1;
/// Write-read dependency.
pub(crate) const WR: Rels = 2;
/// Read-write anti-dependency.
pub(crate) const RW: Rels = 4;
/// Successive `:ok` ops of one process.
pub(crate) const PROCESS: Rels = 8;
/// A completed before B was invoked.
pub(crate) const REALTIME: Rels = 16;

/// Edge relaxations one component's cycle search may spend before it reports
/// `cycle-search-timeout`. Elle gives each component 1 s of wall-clock time; a count keeps the
/// verdict deterministic. A million relaxations is well under a second here and far more than
/// any component of a Maelstrom-sized history needs to find a cycle of each shape.
pub(crate) const SEARCH_STEPS_PER_COMPONENT: usize = 1_000_000;

fn rel_name(rel: Rels) -> &'static str {
    match rel {
        WW => "ww",
        WR => "wr",
        RW => "rw",
        PROCESS => "process",
        _ => "realtime",
    }
}

/// A dependency graph between completion records.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    out: BTreeMap<usize, BTreeMap<usize, Rels>>,
}

impl Graph {
    /// Adds `rel` to the edge a -> b (self-edges are dropped, as Elle drops them).
    pub(crate) fn link(&mut self, a: usize, b: usize, rel: Rels) {
        if a == b {
            return;
        }
        *self.out.entry(a).or_default().entry(b).or_insert(0) |= rel;
        self.out.entry(b).or_default();
    }

    /// Whether the graph has no vertex (Elle's `empty-transaction-graph`).
    pub(crate) fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    fn rels(&self, a: usize, b: usize) -> Rels {
        self.out.get(&a).and_then(|m| m.get(&b)).copied().unwrap_or(0)
    }

    fn successors(&self, a: usize) -> impl Iterator<Item = (usize, Rels)> + '_ {
        self.out.get(&a).into_iter().flat_map(|m| m.iter().map(|(&b, &r)| (b, r)))
    }

    /// Elle's `realtime-graph`: a transitive reduction of "completed before invoked". Each
    /// invocation is linked from the buffer of `:ok` completions not yet superseded; an `:ok`
    /// completion replaces in the buffer the ops that were linked to it.
    pub(crate) fn add_realtime(&mut self, history: &[Op], include: impl Fn(&Op) -> bool) {
        let partner = pair_positions(history);
        let mut buffer: BTreeSet<usize> = BTreeSet::new();
        let mut linked_to: HashMap<usize, Vec<usize>> = HashMap::new();
        for (pos, op) in history.iter().enumerate().filter(|(_, op)| op.is_client() && include(op)) {
            match op.kind {
                OpType::Invoke => {
                    if let Some(completion) = partner.get(pos).copied().flatten() {
                        for &done in &buffer {
                            self.link(done, completion, REALTIME);
                        }
                        linked_to.insert(completion, buffer.iter().copied().collect());
                    }
                }
                OpType::Ok => {
                    for before in linked_to.remove(&pos).unwrap_or_default() {
                        buffer.remove(&before);
                    }
                    buffer.insert(pos);
                }
                OpType::Fail | OpType::Info => {}
            }
        }
    }

    /// Elle's `process-graph`: successive `:ok` ops of each process.
    pub(crate) fn add_process(&mut self, history: &[Op], include: impl Fn(&Op) -> bool) {
        let mut last = HashMap::new();
        for (pos, op) in history.iter().enumerate() {
            if op.is_client() && op.kind == OpType::Ok && include(op) {
                if let Some(prev) = last.insert(op.process, pos) {
                    self.link(prev, pos, PROCESS);
                }
            }
        }
    }

    /// Strongly connected components with more than one vertex (Tarjan, iteratively), each
    /// sorted, in order of their smallest vertex.
    pub(crate) fn sccs(&self) -> Vec<Vec<usize>> {
        let mut tarjan = Tarjan::new(self);
        for &v in self.out.keys() {
            if !tarjan.index.contains_key(&v) {
                tarjan.visit(v);
            }
        }
        let mut sccs: Vec<Vec<usize>> = tarjan.sccs.into_iter().filter(|c| c.len() > 1).collect();
        sccs.iter_mut().for_each(|c| c.sort_unstable());
        sccs.sort();
        sccs
    }
}

#[derive(Default)]
struct Tarjan<'g> {
    graph: Option<&'g Graph>,
    next: usize,
    index: HashMap<usize, usize>,
    low: HashMap<usize, usize>,
    stack: Vec<usize>,
    on_stack: HashSet<usize>,
    sccs: Vec<Vec<usize>>,
}

impl<'g> Tarjan<'g> {
    /// Iterative Tarjan from `root`: an explicit stack of (vertex, its successors) frames.
    fn visit(&mut self, root: usize) {
        let Some(graph) = self.graph else { return };
        let mut frames: Vec<(usize, Vec<usize>)> = Vec::new();
        self.open(root);
        frames.push((root, graph.successors(root).map(|(b, _)| b).collect()));
        while let Some((v, succs)) = frames.last_mut() {
            let v = *v;
            if let Some(w) = succs.pop() {
                if !self.index.contains_key(&w) {
                    self.open(w);
                    frames.push((w, graph.successors(w).map(|(b, _)| b).collect()));
                } else if self.on_stack.contains(&w) {
                    let low = self.low[&v].min(self.index[&w]);
                    self.low.insert(v, low);
                }
                continue;
            }
            frames.pop();
            if let Some((parent, _)) = frames.last() {
                let low = self.low[parent].min(self.low[&v]);
                self.low.insert(*parent, low);
            }
            if self.low[&v] == self.index[&v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(&w);
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                self.sccs.push(component);
            }
        }
    }

    fn open(&mut self, v: usize) {
        self.index.insert(v, self.next);
        self.low.insert(v, self.next);
        self.next += 1;
        self.stack.push(v);
        self.on_stack.insert(v);
    }
}

impl<'g> Tarjan<'g> {
    fn new(graph: &'g Graph) -> Self {
        Tarjan { graph: Some(graph), ..Tarjan::default() }
    }
}

mod search;

pub(crate) use search::{cycle_anomalies, CycleSearch, SEARCH_ORDER as CYCLE_TYPES};

/// Explained cycle as JSON: `{"type", "cycle": [ops…, first op], "steps": [{"type", …}]}`.
fn cycle_json(history: &[Op], cycle: &[usize], steps: Vec<Map<String, Value>>, kind: &str) -> Value {
    let ops: Vec<Value> = cycle.iter().filter_map(|&p| history.get(p)).map(op_json).collect();
    json!({"type": kind, "cycle": ops, "steps": steps})
}

/// `additional-graphs`: realtime edges if the models forbid a realtime cycle, else process
/// edges if they forbid a process cycle.
pub(crate) fn add_model_edges(graph: &mut Graph, history: &[Op], reportable: &BTreeSet<String>) {
    let forbids = |suffix: &str| CYCLE_TYPES.iter().any(|t| t.ends_with(suffix) && reportable.contains(*t));
    if forbids("-realtime") {
        graph.add_realtime(history, |_| true);
    } else if forbids("-process") {
        graph.add_process(history, |_| true);
    }
}

/// Elle's `result-map`: `{valid? true}` when nothing reportable was found; else the verdict
/// (false on a forbidden anomaly, else unknown), the reportable anomalies, and the models
/// ruled out by everything found.
fn result_map(
    prohibited: &BTreeSet<String>,
    reportable: &BTreeSet<String>,
    anomalies: BTreeMap<String, Value>,
) -> Map<String, Value> {
    let shown: BTreeMap<&String, &Value> = anomalies.iter().filter(|(k, _)| reportable.contains(*k)).collect();
    let mut result = Map::new();
    if shown.is_empty() {
        result.insert("valid?".into(), json!(true));
        return result;
    }
    let bad = shown.keys().any(|k| prohibited.contains(*k));
    result.insert("valid?".into(), if bad { json!(false) } else { json!("unknown") });
    result.insert("anomaly-types".into(), json!(shown.keys().collect::<Vec<_>>()));
    result.insert("anomalies".into(), json!(shown));
    let (not, also_not) = boundary(&anomalies.keys().cloned().collect::<Vec<_>>());
    result.insert("not".into(), json!(not));
    result.insert("also-not".into(), json!(also_not));
    result
}

/// The anomalies Elle's `cycles!` reports: the explained cycles by type, and
/// `empty-transaction-graph` when the graph has no vertex.
pub(crate) fn graph_anomalies(search: &CycleSearch) -> BTreeMap<String, Value> {
    let mut found: BTreeMap<String, Value> =
        cycle_anomalies(search).into_iter().map(|(k, v)| (k, Value::Array(v))).collect();
    if search.graph.is_empty() {
        found.insert("empty-transaction-graph".into(), json!(true));
    }
    found
}

/// Elle's `check` around an analysis: the models must be known (else `valid? unknown`, as
/// Elle throws), `analysis` gets the reportable anomaly types and finds anomalies (`Err`:
/// Elle gave up, `valid? unknown`), and the findings become Elle's result map.
pub(crate) fn check(
    models: &[String],
    analysis: impl FnOnce(&BTreeSet<String>) -> Result<BTreeMap<String, Value>, String>,
) -> Result<Map<String, Value>, Checked> {
    if let Some(unknown) = models.iter().find(|m| !is_known(m)) {
        return Err(Checked::unknown(format!("Unknown consistency model {unknown}")));
    }
    let prohibited = prohibited(models);
    let mut reportable = prohibited.clone();
    reportable.extend(UNKNOWN_ANOMALIES.iter().map(|s| s.to_string()));
    let anomalies = analysis(&reportable).map_err(Checked::unknown)?;
    Ok(result_map(&prohibited, &reportable, anomalies))
}
