//! Jepsen's set-full analysis (Maelstrom's doc/workloads.md; jepsen checker.clj `set-full`) for broadcast
//! (`add_f` = `broadcast`) and g-set (`add_f` = `add`).
//!
//! History values: an add's value (invocation and completion) is the element; a `read`
//! invocation's value is null and its `:ok` completion's value is the list of elements read
//! (`null` is read as the empty list).

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::quantile::{quantile, REPORTED};
use super::{cmp_json, op_json, pair_positions, Checked};
use crate::history::{Op, OpType, Validity};

/// How many stale elements `worst-stale` lists (upstream `(take 8)`).
const WORST_STALE_SHOWN: usize = 8;

/// What the walk learned about one element (upstream `SetFullElement`); positions in the history.
struct Element<'h> {
    value: &'h Value,
    /// The value's JSON text, its identity.
    text: String,
    /// The `:ok` add completion, or the completion of the first `:ok` read that saw it.
    known: Option<&'h Op>,
    /// The invocation of the latest-invoked `:ok` read that contained it.
    last_present: Option<&'h Op>,
    /// The invocation of the latest-invoked `:ok` read, processed after registration, that lacked it.
    last_absent: Option<&'h Op>,
}

#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Stable,
    Lost,
    NeverRead,
}

/// One element's verdict (upstream `set-full-element-results`).
struct Verdict<'h> {
    element: &'h Element<'h>,
    outcome: Outcome,
    stable_latency_ms: Option<u64>,
    lost_latency_ms: Option<u64>,
}

/// Jepsen's set-full analysis (Maelstrom's doc/workloads.md) for broadcast (add_f `broadcast`) and g-set (`add`).
pub fn check(history: &[Op], add_f: &str) -> Checked {
    let elements = walk(history, add_f);
    let verdicts: Vec<Verdict> = elements.iter().map(verdict).collect();
    results(&verdicts)
}

/// Walks the client history once, keeping per element the three records the analysis needs.
/// Elements come back sorted by value, as upstream sorts its element map.
fn walk<'h>(history: &'h [Op], add_f: &str) -> Vec<Element<'h>> {
    let partner = pair_positions(history);
    let mut elements: Vec<Element<'h>> = Vec::new();
    let mut by_value: HashMap<String, usize> = HashMap::new();
    for (pos, op) in history.iter().enumerate().filter(|(_, op)| op.is_client()) {
        if op.f == add_f {
            let key = op.value.to_string();
            if op.kind == OpType::Invoke {
                // A second add of the same value starts its tracking afresh (upstream `assoc`).
                let fresh =
                    Element { value: &op.value, text: key.clone(), known: None, last_present: None, last_absent: None };
                match by_value.get(&key) {
                    Some(&i) => elements[i] = fresh,
                    None => {
                        by_value.insert(key, elements.len());
                        elements.push(fresh);
                    }
                }
            } else if op.kind == OpType::Ok {
                if let Some(e) = by_value.get(&key).and_then(|&i| elements.get_mut(i)) {
                    e.known = e.known.or(Some(op));
                }
            }
        } else if op.f == "read" && op.kind == OpType::Ok {
            let invocation = partner.get(pos).copied().flatten().and_then(|i| history.get(i)).unwrap_or(op);
            let read: HashSet<String> = match &op.value {
                Value::Array(items) => items.iter().map(Value::to_string).collect(),
                _ => HashSet::new(),
            };
            for e in &mut elements {
                let later = |seen: Option<&Op>| !matches!(seen, Some(s) if s.index >= invocation.index);
                if read.contains(&e.text) {
                    e.known = e.known.or(Some(op));
                    if later(e.last_present) {
                        e.last_present = Some(invocation);
                    }
                } else if later(e.last_absent) {
                    e.last_absent = Some(invocation);
                }
            }
        }
    }
    elements.sort_by(|a, b| cmp_json(a.value, b.value));
    elements
}

fn verdict<'h>(e: &'h Element<'h>) -> Verdict<'h> {
    let index = |op: Option<&Op>| op.map_or(-1, |op| op.index as i64);
    let stable = e.last_present.is_some() && index(e.last_absent) < index(e.last_present);
    let lost = e.known.is_some()
        && e.last_absent.is_some()
        && index(e.last_present) < index(e.last_absent)
        && index(e.known) < index(e.last_absent);
    let outcome = match (stable, lost) {
        (true, _) => Outcome::Stable,
        (false, true) => Outcome::Lost,
        _ => Outcome::NeverRead,
    };
    // Latency from `known` to just after the invocation of the last read that disagreed,
    // clamped at 0 and truncated to whole ms (upstream `nanos->ms` then `long`).
    let latency_ms = |until: Option<&Op>| {
        let known_ns = e.known.map_or(0, |k| k.time_ns as i128);
        let until_ns = until.map_or(0, |op| op.time_ns as i128 + 1);
        ((until_ns - known_ns).max(0) / 1_000_000) as u64
    };
    Verdict {
        element: e,
        outcome,
        stable_latency_ms: (outcome == Outcome::Stable).then(|| latency_ms(e.last_absent)),
        lost_latency_ms: (outcome == Outcome::Lost).then(|| latency_ms(e.last_present)),
    }
}

/// Upstream `set-full-results`: counts, element lists, worst-stale and latency quantiles.
fn results(verdicts: &[Verdict]) -> Checked {
    let of = |outcome: Outcome| verdicts.iter().filter(move |v| v.outcome == outcome);
    let values = |vs: Vec<&Verdict>| vs.iter().map(|v| v.element.value.clone()).collect::<Vec<Value>>();
    let stale: Vec<&Verdict> = of(Outcome::Stable).filter(|v| v.stable_latency_ms.unwrap_or(0) > 0).collect();
    // Upstream sorts stably by latency, then reverses: ties come out in descending element order.
    let mut worst: Vec<&Verdict> = stale.clone();
    worst.sort_by_key(|v| v.stable_latency_ms);
    worst.reverse();
    worst.truncate(WORST_STALE_SHOWN);
    let (stable_count, lost_count) = (of(Outcome::Stable).count(), of(Outcome::Lost).count());
    let valid = match (lost_count, stable_count) {
        (l, _) if l > 0 => Validity::False,
        (_, 0) => Validity::Unknown,
        _ => Validity::True,
    };
    let mut result = json!({
        "valid?": valid,
        "attempt-count": verdicts.len(),
        "stable-count": stable_count,
        "lost-count": lost_count,
        "lost": values(of(Outcome::Lost).collect()),
        "never-read-count": of(Outcome::NeverRead).count(),
        "never-read": values(of(Outcome::NeverRead).collect()),
        "stale-count": stale.len(),
        "stale": values(stale.clone()),
        "worst-stale": worst.iter().map(|v| worst_stale_json(v)).collect::<Vec<_>>(),
        "duplicated-count": 0,
        "duplicated": {},
    });
    let stable: Vec<u64> = verdicts.iter().filter_map(|v| v.stable_latency_ms).collect();
    let lost: Vec<u64> = verdicts.iter().filter_map(|v| v.lost_latency_ms).collect();
    for (field, latencies) in [("stable-latencies", stable), ("lost-latencies", lost)] {
        if let Some(q) = latency_quantiles(latencies) {
            result[field] = q;
        }
    }
    Checked { valid, result }
}

fn worst_stale_json(v: &Verdict) -> Value {
    json!({
        "element": v.element.value,
        "outcome": "stable",
        "stable-latency": v.stable_latency_ms,
        "lost-latency": v.lost_latency_ms,
        "known": v.element.known.map(op_json),
        "last-absent": v.element.last_absent.map(op_json),
    })
}

/// Upstream `frequency-distribution` at [`REPORTED`]: keys `"0"`, `"0.5"`, …, `"1"`.
fn latency_quantiles(mut latencies_ms: Vec<u64>) -> Option<Value> {
    latencies_ms.sort_unstable();
    let mut m = Map::new();
    for q in REPORTED {
        m.insert(format!("{q}"), json!(quantile(&latencies_ms, q)?));
    }
    Some(Value::Object(m))
}

#[cfg(test)]
mod tests;
