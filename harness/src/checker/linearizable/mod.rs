//! The lin-kv checker: linearizability of each key as a compare-and-set register, the keys
//! checked independently and in parallel, as Jepsen's `independent/checker` runs Knossos's
//! `linearizable` checker in Maelstrom's lin-kv workload
//! (<https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-lin-kv>).
//!
//! # History values
//!
//! Each op's value is Jepsen's independent tuple `[key, v]`: `read` is invoked with `[k, null]`
//! and completes `:ok` with `[k, value read]`; `write` is `[k, v]`; `cas` is `[k, [from, to]]`.
//! `:fail` ops never happened and are dropped; `:info` writes and cas may have happened at
//! any moment after their invocation, or never; `:info` reads constrain nothing and are dropped.
//!
//! # Result
//!
//! `{"valid?", "results": {key: {"valid?", "linearizable": {...}}}, "failures": [keys]}`. A
//! key that is not linearizable reports the op the search could not get past (`op`), the
//! register values possible just before it (`values`), the last op to complete before it
//! (`previous-ok`), and `window`: the history records of the smallest failing window that ends
//! at the op's completion (`window`), drawn by `svg` into `independent/<key>/linear.svg`
//! of the store.
//!
//! # Layout
//! - `wgl`: the search for one key.
//! - `window`: the smallest failing window.
//! - `svg`: the picture of a failing window.

mod svg;
mod wgl;
mod window;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Map, Value};

pub use svg::write_svgs;
use wgl::{Call, KeyOp, Verdict};

use super::{cmp_json, key_text, op_json, pair_positions, Checked};
use crate::history::{Op, OpType, Validity};

/// One key's sub-history: the ops the search sees and the history positions behind them.
struct KeyHistory {
    key: Value,
    ops: Vec<KeyOp>,
    /// Interned register values, by id.
    values: Vec<Value>,
}

/// Checks every key of a lin-kv history; see the module doc for the result's shape.
pub fn check(history: &[Op]) -> Checked {
    let keys = split(history);
    let verdicts = in_parallel(&keys, |k| wgl::search(&k.ops, wgl::NULL));
    let mut results = Map::new();
    let mut failures = Vec::new();
    let mut valid = Validity::True;
    for (k, verdict) in keys.iter().zip(verdicts) {
        let (key_valid, linearizable) = describe(history, k, &verdict);
        valid = valid.merge(key_valid);
        if key_valid == Validity::False {
            failures.push(k.key.clone());
        }
        let v = serde_json::to_value(key_valid).unwrap_or(Value::Null);
        results.insert(key_text(&k.key), json!({"valid?": v, "linearizable": linearizable}));
    }
    let v = serde_json::to_value(valid).unwrap_or(Value::Null);
    Checked { valid, result: json!({"valid?": v, "results": results, "failures": failures}) }
}

/// Splits the history by key (ordered as Clojure sorts keys) and interns register values.
fn split(history: &[Op]) -> Vec<KeyHistory> {
    let partner = pair_positions(history);
    let mut by_key: BTreeMap<String, KeyHistory> = BTreeMap::new();
    let mut interned: HashMap<(String, String), u32> = HashMap::new();
    for (pos, op) in history.iter().enumerate() {
        if !op.is_client() || op.kind != OpType::Invoke {
            continue;
        }
        let Some([key, _]) = op.value.as_array().map(Vec::as_slice) else { continue };
        let completion = partner[pos].map(|c| &history[c]);
        let kind = completion.map_or(OpType::Info, |c| c.kind);
        let shown = completion.filter(|c| c.kind == OpType::Ok).unwrap_or(op);
        let arg = shown.value.get(1).unwrap_or(&Value::Null);
        let k = by_key.entry(key_text(key)).or_insert_with(|| KeyHistory {
            key: key.clone(),
            ops: Vec::new(),
            values: vec![Value::Null],
        });
        let mut id = |v: &Value| -> u32 {
            if v.is_null() {
                return wgl::NULL;
            }
            let next = k.values.len() as u32;
            *interned.entry((key_text(key), v.to_string())).or_insert_with(|| {
                k.values.push(v.clone());
                next
            })
        };
        let call = match (op.f.as_str(), arg.as_array().map(Vec::as_slice)) {
            ("read", _) if kind == OpType::Ok => Call::Read(id(arg)),
            ("write", _) => Call::Write(id(arg)),
            ("cas", Some([from, to])) => Call::Cas(id(from), id(to)),
            _ => continue,
        };
        let returned = match kind {
            OpType::Ok => partner[pos],
            OpType::Info | OpType::Invoke => None,
            OpType::Fail => continue,
        };
        k.ops.push(KeyOp { call, invoked: pos, returned });
    }
    let mut keys: Vec<KeyHistory> = by_key.into_values().collect();
    keys.sort_by(|a, b| cmp_json(&a.key, &b.key));
    keys
}

/// Runs `f` on every key, on as many threads as the machine has cores, keeping key order.
fn in_parallel<T: Send>(keys: &[KeyHistory], f: impl Fn(&KeyHistory) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(keys.len()).max(1);
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(k) = keys.get(i) else { return mine };
                        mine.push((i, f(k)));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

/// A key's verdict and its `linearizable` result map.
fn describe(history: &[Op], k: &KeyHistory, verdict: &Verdict) -> (Validity, Value) {
    match verdict {
        Verdict::Linearizable => (Validity::True, json!({"valid?": true, "analyzer": "wgl", "op-count": k.ops.len()})),
        Verdict::GaveUp => {
            let error = format!("search memo outgrew {} MiB; history too concurrent", wgl::MEMO_BYTES_MAX >> 20);
            (Validity::Unknown, json!({"valid?": "unknown", "analyzer": "wgl", "error": error}))
        }
        Verdict::Violation { op, states } => {
            let failing = k.ops[*op];
            let end = failing.returned.unwrap_or(failing.invoked);
            let previous = k
                .ops
                .iter()
                .filter_map(|o| o.returned.map(|r| (r, o.invoked)))
                .filter(|(r, _)| *r < failing.invoked)
                .max();
            let start = window::smallest_start(&k.ops, *op, k.values.len() as u32);
            let window = window_records(history, k, start, end);
            let values: Vec<&Value> = states.iter().map(|&s| &k.values[s as usize]).collect();
            let result = json!({
                "valid?": false,
                "analyzer": "wgl",
                "op": op_json(&history[end]),
                "previous-ok": previous.map(|(r, _)| op_json(&history[r])),
                "values": values,
                "window": window,
            });
            (Validity::False, result)
        }
    }
}

/// Records of a failing window shown in the results and the picture. Windows are nearly always
/// a handful of ops; one that falls back to a whole long prefix is cut to its last records,
/// those around the failing op, rather than copying the history into the results.
const WINDOW_RECORDS_MAX: usize = 512;

/// The history records of the window from `start` to `end`: each op's invocation, and its
/// completion when that falls inside the window (the last [`WINDOW_RECORDS_MAX`] of them).
fn window_records(history: &[Op], k: &KeyHistory, start: usize, end: usize) -> Vec<Value> {
    let mut positions: Vec<usize> = Vec::new();
    for (i, _) in window::ops_in(&k.ops, start, end) {
        positions.push(k.ops[i].invoked);
        positions.extend(k.ops[i].returned.filter(|&r| r <= end));
    }
    positions.sort_unstable();
    let cut = positions.len().saturating_sub(WINDOW_RECORDS_MAX);
    positions[cut..].iter().map(|&p| op_json(&history[p])).collect()
}

#[cfg(test)]
mod tests;
