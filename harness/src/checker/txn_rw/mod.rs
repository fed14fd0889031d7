//! The txn-rw-register checker (Maelstrom's doc/workloads.md): Elle 0.2.2's rw-register analysis with
//! writes-follow-reads version inference, wrapped as Maelstrom's `txn_rw_register.clj` wraps it.
//!
//! # History values
//!
//! A `txn` invocation's value is the list of micro-ops with reads unfilled,
//! `[["r", k, null], ["w", k, v], ...]`; the `:ok` completion's value is the same list with each
//! read's value filled in (`null` for a missing key). `:fail` and `:info` completions carry the
//! invocation's value. Keys and values are compared as exact JSON values.
//!
//! # What it checks
//!
//! `internal`, `G1a`, `G1b` and `lost-update` directly; `cyclic-versions` while inferring
//! each key's version order (`null` first; a committed transaction that read v and then wrote
//! v' puts v before v'; nothing else, docs/checkers.md); then ww, wr and rw edges between committed
//! transactions, plus realtime or process edges when the models need them, and Elle's cycle
//! search. Only anomalies the models forbid (and the two "unknown" findings) are reported.

mod analysis;

use serde_json::{json, Map, Value};

use super::elle;
use super::Checked;
use crate::history::{Op, Validity};

/// Splits `--consistency-models` into model names.
///
/// Upstream (maelstrom core.clj) splits only on a comma with whitespace on *both* sides
/// (`#"\s+,\s+"`), so `read-committed,serializable` is one unknown model there and the test
/// ends `valid? unknown` (docs/harness.md). Following docs/harness.md we also split on a
/// plain comma (`read-committed,serializable` is two models); a single name and whitespace-
/// surrounded commas parse exactly as upstream. docs/checkers.md records the difference.
pub fn parse_models(arg: &str) -> Vec<String> {
    arg.split(',').map(str::trim).filter(|m| !m.is_empty()).map(str::to_string).collect()
}

/// The txn-rw-register checker (Maelstrom's doc/workloads.md): Elle's rw-register analysis against `models`
/// (Maelstrom's default is `["strict-serializable"]`), then Maelstrom's wrapper: drop
/// `cycle-search-timeout`, valid iff no anomaly type remains (so `empty-transaction-graph` is
/// invalid). An unknown model name gives `valid? unknown`, as Elle throws on it.
pub fn check(history: &[Op], models: &[String]) -> Checked {
    match elle::check(models, |reportable| analysis::anomalies(history, reportable)) {
        Ok(result) => wrap(result),
        Err(unknown) => unknown,
    }
}

/// Maelstrom's wrapper (txn_rw_register.clj `checker`): ignore `cycle-search-timeout`; valid
/// iff no other anomaly type remains.
fn wrap(mut result: Map<String, Value>) -> Checked {
    let types: Vec<Value> = result
        .get("anomaly-types")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| t.as_str() != Some("cycle-search-timeout"))
        .cloned()
        .collect();
    let anomalies = match result.remove("anomalies") {
        Some(Value::Object(mut m)) => {
            m.remove("cycle-search-timeout");
            Value::Object(m)
        }
        _ => Value::Null,
    };
    let valid = types.is_empty();
    result.insert("anomaly-types".into(), Value::Array(types));
    result.insert("anomalies".into(), anomalies);
    result.insert("valid?".into(), json!(valid));
    Checked { valid: Validity::from(valid), result: Value::Object(result) }
}

#[cfg(test)]
mod tests;
