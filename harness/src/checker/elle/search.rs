//! Elle's per-component cycle search (`cycle-cases-in-scc`, `cycle-in-scc-of-type`) and its
//! `cycle-explainer` classification.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use serde_json::{json, Map, Value};

use super::models::implied_anomalies;
#[cfg(doc)]
use super::SEARCH_STEPS_PER_COMPONENT;
use super::{cycle_json, rel_name, Graph, Rels, PROCESS, REALTIME, RW, WR, WW};
use crate::history::Op;

/// One cycle shape of Elle's `cycle-anomaly-specs`.
struct Spec {
    name: String,
    /// Relations any edge may use.
    rels: Rels,
    /// Each set must be used by at least one edge.
    required: Vec<Rels>,
    /// Exactly one edge uses these.
    single: Rels,
    /// At least two edges use these.
    multiple: Rels,
    /// Edges using these are never adjacent (cyclically).
    nonadjacent: Rels,
    /// The explained type the cycle must have, when the shape alone cannot tell.
    kind: Option<String>,
}

/// Elle's cycle shapes in the order it searches them: `cycle-anomaly-specs` is sorted by
/// `anomaly-depth-compare` (depth in the implied-anomalies plus severity graph, then name);
/// this is that order, computed from Elle 0.2.2's tables.
pub(crate) const SEARCH_ORDER: [&str; 24] = [
    "G-single-item",
    "G0",
    "G-nonadjacent-item",
    "G-single-item-process",
    "G1c",
    "G-nonadjacent-item-process",
    "G-single",
    "G-single-item-realtime",
    "G2-item",
    "G-nonadjacent",
    "G-nonadjacent-item-realtime",
    "G2",
    "G0-process",
    "G1c-process",
    "G-single-process",
    "G2-item-process",
    "G-nonadjacent-process",
    "G2-process",
    "G0-realtime",
    "G1c-realtime",
    "G-single-realtime",
    "G2-item-realtime",
    "G-nonadjacent-realtime",
    "G2-realtime",
];

impl Spec {
    /// Whether a cycle of this shape can exist with only the relations `present`: a pure
    /// shortcut (a shape that needs an absent relation cannot match), which saves searching
    /// every start vertex of a large component in vain.
    fn possible(&self, present: Rels) -> bool {
        let needed = [self.single, self.multiple].into_iter().chain(self.required.iter().copied());
        needed.filter(|r| *r != 0).all(|r| present & r != 0) && present & self.rels != 0
    }
}

/// `base-cycle-anomaly-specs`, without predicate relations (neither checker has predicates).
fn base_spec(name: &str) -> Option<Spec> {
    let typed = |n: &str| Some(n.to_string());
    let s = |rels, required: Vec<Rels>, single, multiple, nonadjacent, kind| Spec {
        name: name.to_string(),
        rels,
        required,
        single,
        multiple,
        nonadjacent,
        kind,
    };
    Some(match name {
        "G0" => s(WW, vec![], 0, 0, 0, None),
        "G1c" => s(WW | WR, vec![WR], 0, 0, 0, None),
        "G-single-item" | "G-single" => s(WW | WR, vec![], RW, 0, 0, typed(name)),
        "G-nonadjacent-item" | "G-nonadjacent" => s(WW | WR, vec![], 0, RW, RW, typed(name)),
        "G2-item" | "G2" => s(WW | WR | RW, vec![], 0, RW, 0, typed(name)),
        _ => return None,
    })
}

/// `cycle-anomaly-spec-variant`: the process/realtime variant may use, and must use, that edge.
fn spec(name: &str) -> Option<Spec> {
    for (suffix, rel) in [("-process", PROCESS), ("-realtime", REALTIME)] {
        if let Some(base) = name.strip_suffix(suffix) {
            let mut s = base_spec(base)?;
            s.name = name.to_string();
            s.rels |= rel;
            s.required.push(rel);
            s.kind = s.kind.map(|k| format!("{k}{suffix}"));
            return Some(s);
        }
    }
    base_spec(name)
}

/// What a cycle search needs to know about the history.
pub(crate) struct CycleSearch<'a> {
    /// The dependency graph.
    pub graph: &'a Graph,
    /// The history the graph's vertices index.
    pub history: &'a [Op],
    /// Which relation explains an edge that has several: Elle's combined explainer asks its
    /// explainers in order and takes the first that answers.
    pub priority: &'a [Rels],
    /// Anomaly types worth looking for (Elle's `reportable-anomaly-types`). A shape outside it
    /// can only imply other unreportable shapes, so skipping it changes nothing reported.
    pub reportable: &'a BTreeSet<String>,
    /// Details of one step (key, value, …) for the explanation.
    pub explain_step: &'a dyn Fn(usize, usize, Rels) -> Map<String, Value>,
    /// Edge relaxations each component may spend ([`SEARCH_STEPS_PER_COMPONENT`] normally).
    pub steps_per_component: usize,
}

/// Elle's `cycles`: anomalies by type from every non-trivial component, plus
/// `cycle-search-timeout` cases where a component's search ran out of steps.
pub(crate) fn cycle_anomalies(search: &CycleSearch) -> BTreeMap<String, Vec<Value>> {
    let mut found: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for component in search.graph.sccs() {
        for (kind, case) in search.component(&component) {
            found.entry(kind).or_default().push(case);
        }
    }
    found
}

/// BFS state: the vertex reached and what the path so far has used.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct State {
    node: usize,
    required_hit: u8,
    singles: u8,
    multiples: u8,
    first_nonadjacent: bool,
    last_nonadjacent: bool,
    depth_nonzero: bool,
}

impl CycleSearch<'_> {
    /// `cycle-cases-in-scc`: search each shape in order, skipping shapes implied by one found.
    fn component(&self, component: &[usize]) -> Vec<(String, Value)> {
        let members: HashSet<usize> = component.iter().copied().collect();
        let mut budget = self.steps_per_component;
        let mut redundant: BTreeSet<String> = BTreeSet::new();
        let mut searched: Vec<String> = Vec::new();
        let mut cases: Vec<(String, Value)> = Vec::new();
        let present = self.rels_within(component, &members);
        for spec in SEARCH_ORDER.iter().filter_map(|n| spec(n)) {
            if redundant.contains(&spec.name) || !self.reportable.contains(&spec.name) || !spec.possible(present) {
                continue;
            }
            searched.push(spec.name.clone());
            let Some(cycle) = self.find(&spec, component, &members, &mut budget) else { continue };
            let Some(cycle) = cycle else {
                return self.timed_out(component, &members, &searched, cases);
            };
            let Some((kind, case)) = self.explain(&cycle) else { continue };
            if spec.kind.as_ref().is_some_and(|k| *k != kind) {
                continue;
            }
            redundant.extend(implied_anomalies(&[spec.name.as_str()]));
            cases.push((kind, case));
        }
        cases
    }

    /// Every relation used by some edge inside the component.
    fn rels_within(&self, component: &[usize], members: &HashSet<usize>) -> Rels {
        let mut present = 0;
        for &a in component {
            for (b, rels) in self.graph.successors(a) {
                if members.contains(&b) {
                    present |= rels;
                }
            }
        }
        present
    }

    /// The `cycle-search-timeout` case, a fallback cycle so the component shows something, and
    /// the cycles already found.
    fn timed_out(
        &self,
        component: &[usize],
        members: &HashSet<usize>,
        searched: &[String],
        mut cases: Vec<(String, Value)>,
    ) -> Vec<(String, Value)> {
        let found: HashSet<&String> = cases.iter().map(|(k, _)| k).collect();
        let not_contained: Vec<&String> =
            searched.iter().take(searched.len().saturating_sub(1)).filter(|t| !found.contains(t)).collect();
        let timeout = json!({
            "type": "cycle-search-timeout",
            "anomaly-spec-type": searched.last(),
            "does-not-contain": not_contained,
            "scc-size": component.len(),
        });
        let any =
            Spec { name: "any".into(), rels: !0, required: vec![], single: 0, multiple: 0, nonadjacent: 0, kind: None };
        let mut unbounded = usize::MAX;
        let fallback = self.find(&any, component, members, &mut unbounded).flatten().and_then(|c| self.explain(&c));
        let mut out = vec![("cycle-search-timeout".to_string(), timeout)];
        out.extend(fallback);
        out.append(&mut cases);
        out
    }

    /// A shortest cycle of this shape through the first start vertex that has one.
    /// `None`: no such cycle; `Some(None)`: the step budget ran out.
    fn find(
        &self,
        spec: &Spec,
        component: &[usize],
        members: &HashSet<usize>,
        budget: &mut usize,
    ) -> Option<Option<Vec<usize>>> {
        let filter =
            spec.rels | spec.single | spec.multiple | spec.nonadjacent | spec.required.iter().fold(0, |a, r| a | r);
        for &start in component {
            match self.bfs(spec, filter, start, members, budget) {
                Ok(Some(cycle)) => return Some(Some(cycle)),
                Ok(None) => {}
                Err(()) => return Some(None),
            }
        }
        None
    }

    fn bfs(
        &self,
        spec: &Spec,
        filter: Rels,
        start: usize,
        members: &HashSet<usize>,
        budget: &mut usize,
    ) -> Result<Option<Vec<usize>>, ()> {
        let origin = State {
            node: start,
            required_hit: 0,
            singles: 0,
            multiples: 0,
            first_nonadjacent: false,
            last_nonadjacent: false,
            depth_nonzero: false,
        };
        let mut parent: HashMap<State, State> = HashMap::new();
        let mut queue = VecDeque::from([origin]);
        while let Some(state) = queue.pop_front() {
            for (next, rels) in self.graph.successors(state.node) {
                let used = rels & filter;
                if used == 0 || !members.contains(&next) {
                    continue;
                }
                *budget = budget.checked_sub(1).ok_or(())?;
                let Some(moved) = step(spec, state, next, used) else { continue };
                if next == start {
                    if accepts(spec, &moved) {
                        return Ok(Some(path(&parent, state, start)));
                    }
                    continue;
                }
                if moved != origin && !parent.contains_key(&moved) {
                    parent.insert(moved, state);
                    queue.push_back(moved);
                }
            }
        }
        Ok(None)
    }

    /// Elle's `cycle-explainer`: name each step by its explaining relation, then classify.
    fn explain(&self, cycle: &[usize]) -> Option<(String, Value)> {
        let mut steps = Vec::new();
        let mut kinds = Vec::new();
        for pair in cycle.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let rels = self.graph.rels(a, b);
            let rel = self.priority.iter().copied().find(|r| rels & r != 0)?;
            let mut step = Map::new();
            step.insert("type".into(), json!(rel_name(rel)));
            step.extend((self.explain_step)(a, b, rel));
            steps.push(step);
            kinds.push(rel);
        }
        let kind = classify(&kinds)?;
        Some((kind.clone(), cycle_json(self.history, cycle, steps, &kind)))
    }
}

/// Moves along an edge using relations `used`; `None` if the shape forbids it.
fn step(spec: &Spec, state: State, next: usize, used: Rels) -> Option<State> {
    let nonadjacent = used & spec.nonadjacent != 0;
    if nonadjacent && state.last_nonadjacent {
        return None;
    }
    let singles = state.singles + u8::from(used & spec.single != 0);
    if singles > 1 {
        return None;
    }
    let mut required_hit = state.required_hit;
    for (i, r) in spec.required.iter().enumerate() {
        if used & r != 0 {
            required_hit |= 1 << i;
        }
    }
    Some(State {
        node: next,
        required_hit,
        singles,
        multiples: (state.multiples + u8::from(used & spec.multiple != 0)).min(2),
        first_nonadjacent: if state.depth_nonzero { state.first_nonadjacent } else { nonadjacent },
        last_nonadjacent: nonadjacent,
        depth_nonzero: true,
    })
}

fn accepts(spec: &Spec, closed: &State) -> bool {
    let all_required = closed.required_hit.count_ones() as usize == spec.required.len();
    let single_ok = spec.single == 0 || closed.singles == 1;
    let multiple_ok = spec.multiple == 0 || closed.multiples >= 2;
    let wrap_ok = spec.nonadjacent == 0 || !(closed.first_nonadjacent && closed.last_nonadjacent);
    all_required && single_ok && multiple_ok && wrap_ok
}

/// The vertices from the start to `last`, then back to the start.
fn path(parent: &HashMap<State, State>, last: State, start: usize) -> Vec<usize> {
    let mut nodes = vec![start, last.node];
    let mut at = last;
    while let Some(prev) = parent.get(&at) {
        nodes.push(prev.node);
        at = *prev;
    }
    nodes.reverse();
    // `nodes` now ends …, last, start and begins start (the origin has no parent).
    nodes
}

/// `cycle-explainer`'s classification, for histories without predicate reads: by the number of
/// rw steps and their adjacency, else wr, else ww; then `-realtime` or `-process` if any step is.
fn classify(steps: &[Rels]) -> Option<String> {
    let count = |r: Rels| steps.iter().filter(|&&s| s == r).count();
    let rw = count(RW);
    let adjacent_rw = steps.iter().zip(steps.iter().cycle().skip(1)).any(|(a, b)| *a == RW && *b == RW);
    let base = match rw {
        1 => "G-single-item",
        n if n > 1 && adjacent_rw => "G2-item",
        n if n > 1 => "G-nonadjacent-item",
        _ if count(WR) > 0 => "G1c",
        _ if count(WW) > 0 => "G0",
        _ => return None,
    };
    let suffix = if count(REALTIME) > 0 {
        "-realtime"
    } else if count(PROCESS) > 0 {
        "-process"
    } else {
        ""
    };
    Some(format!("{base}{suffix}"))
}

#[cfg(test)]
mod tests;
