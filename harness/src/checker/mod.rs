//! Checkers: pure functions from a history to a verdict and Maelstrom's result map.
//!
//! Each returns a [`Checked`]: the verdict plus the section of `results.json` it produces, in
//! Maelstrom's field names (without the EDN colon: `"valid?"`, `"stable-latencies"`, …).
//! docs/checkers.md lists what each checker checks and every known difference from upstream.
//!
//! # Layout
//! - Common sections (Maelstrom's doc/results.md): [`stats`], [`exceptions`], [`availability`].
//! - Workloads (Maelstrom's doc/workloads.md): [`echo`], [`unique_ids`], [`set_full`] (broadcast
//!   and g-set), [`counter`] (g-counter and pn-counter), [`kafka`], [`linearizable`] (lin-kv),
//!   [`txn_rw`] (txn-rw-register) and [`list_append`] (txn-list-append), the last two on the
//!   dependency graph and cycle search of the private `elle` module.
//! - [`quantile`]: Maelstrom's no-interpolation quantile.

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use crate::history::{Op, OpType, Validity};

pub mod availability;
pub mod counter;
pub mod echo;
mod elle;
pub mod exceptions;
pub mod kafka;
pub mod linearizable;
pub mod list_append;
pub mod quantile;
pub mod set_full;
pub mod stats;
pub mod txn_rw;
pub mod unique_ids;

/// A checker's verdict and its part of the results map (which includes `"valid?"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The verdict.
    pub valid: Validity,
    /// The result map, as Maelstrom prints it.
    pub result: Value,
}

impl Checked {
    /// Jepsen's `check-safe`: a checker that cannot judge reports `:valid? :unknown` and why.
    pub fn unknown(error: impl Into<String>) -> Checked {
        Checked { valid: Validity::Unknown, result: json!({"valid?": "unknown", "error": error.into()}) }
    }
}

/// An op as Maelstrom prints it inside results (`:index`, `:time`, `:type`, …), for the
/// example ops that results quote.
pub(crate) fn op_json(op: &Op) -> Value {
    let mut m = Map::new();
    m.insert("index".into(), json!(op.index));
    m.insert("time".into(), json!(op.time_ns));
    m.insert("type".into(), json!(op.kind));
    m.insert("process".into(), json!(op.process));
    m.insert("f".into(), json!(op.f));
    m.insert("value".into(), op.value.clone());
    if let Some(error) = &op.error {
        m.insert("error".into(), error.clone());
    }
    if let Some(exception) = &op.exception {
        m.insert("exception".into(), json!(exception));
    }
    if op.is_final {
        m.insert("final?".into(), json!(true));
    }
    Value::Object(m)
}

/// A JSON value as a map key: strings as themselves, everything else as its JSON text (so 1,
/// 1.0 and "1" stay distinct as values, docs/checkers.md; only `"1"` and `1` share a rendered key).
pub(crate) fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A total order on JSON values that agrees with Clojure's `compare` where that is defined
/// (numbers numerically, strings lexicographically, booleans false first) and falls back to
/// kind, then JSON text, where Clojure would throw. Used to sort reported elements.
pub(crate) fn cmp_json(a: &Value, b: &Value) -> Ordering {
    fn kind(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => cmp_numbers(x, y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => kind(a).cmp(&kind(b)).then_with(|| a.to_string().cmp(&b.to_string())),
    }
}

fn cmp_numbers(x: &serde_json::Number, y: &serde_json::Number) -> Ordering {
    match (x.as_i64(), y.as_i64()) {
        (Some(i), Some(j)) => i.cmp(&j),
        _ => {
            let (f, g) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            f.partial_cmp(&g).unwrap_or(Ordering::Equal).then_with(|| x.to_string().cmp(&y.to_string()))
        }
    }
}

/// For each position in `history`, the position of its partner: an invocation's completion,
/// a completion's invocation (Jepsen's `pair-index`). Pairs are matched per client process,
/// which performs one op at a time (Jepsen's interpreter); nemesis records and unmatched ops get `None`.
pub(crate) fn pair_positions(history: &[Op]) -> Vec<Option<usize>> {
    let mut partner = vec![None; history.len()];
    let mut pending = std::collections::HashMap::new();
    for (pos, op) in history.iter().enumerate() {
        if !op.is_client() {
            continue;
        }
        if op.kind == OpType::Invoke {
            pending.insert(op.process, pos);
        } else if let Some(inv) = pending.remove(&op.process) {
            partner[pos] = Some(inv);
            partner[inv] = Some(pos);
        }
    }
    partner
}

/// A float as Clojure prints a `(float x)`: the shortest decimal that reads back as the same
/// 32-bit float (so 9/10 prints as 0.9, not 0.8999999761581421).
pub(crate) fn float_json(x: f32) -> Value {
    format!("{x}").parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
#[allow(dead_code)]
pub(crate) mod test_support {
    //! Builders for small hand-made histories.
    use serde_json::Value;

    use crate::history::{Op, OpType, Process};

    /// Appends records to a history, numbering them and advancing time by 1 ms per record.
    #[derive(Default)]
    pub struct Hist {
        pub ops: Vec<Op>,
    }

    impl Hist {
        /// Appends a record at the next index with time = index ms (unless `at_ms` moved it).
        pub fn push(&mut self, kind: OpType, process: u64, f: &str, value: Value) -> &mut Op {
            let index = self.ops.len();
            self.ops.push(Op {
                index,
                time_ns: index as u64 * 1_000_000,
                kind,
                process: Process::Client(process),
                f: f.into(),
                value,
                error: None,
                exception: None,
                is_final: false,
            });
            let last = self.ops.len() - 1;
            &mut self.ops[last]
        }
        pub fn invoke(&mut self, p: u64, f: &str, v: Value) -> &mut Op {
            self.push(OpType::Invoke, p, f, v)
        }
        pub fn ok(&mut self, p: u64, f: &str, v: Value) -> &mut Op {
            self.push(OpType::Ok, p, f, v)
        }
        pub fn fail(&mut self, p: u64, f: &str, v: Value) -> &mut Op {
            self.push(OpType::Fail, p, f, v)
        }
        pub fn info(&mut self, p: u64, f: &str, v: Value) -> &mut Op {
            self.push(OpType::Info, p, f, v)
        }
        /// A transaction by `p` completed `kind`: invoked with `out`'s reads unfilled; the
        /// completion carries `out` when `:ok`, else the invocation's value.
        pub fn txn(&mut self, p: u64, kind: OpType, out: Value) -> &mut Op {
            let unfilled: Vec<Value> = out
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|m| if m[0] == "r" { serde_json::json!(["r", m[1], null]) } else { m })
                .collect();
            let completion = if kind == OpType::Ok { out } else { Value::Array(unfilled.clone()) };
            self.call(p, "txn", Value::Array(unfilled), kind, completion)
        }
        /// An invocation immediately followed by its completion.
        pub fn call(&mut self, p: u64, f: &str, inv: Value, kind: OpType, out: Value) -> &mut Op {
            self.invoke(p, f, inv);
            self.push(kind, p, f, out)
        }
    }
}
