//! The txn-list-append checker: Elle's list-append analysis against `--consistency-models`,
//! used as is by Maelstrom (txn_list_append.clj;
//! <https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-txn-list-append>).
//!
//! # History values
//!
//! A `txn` invocation's value is `[["r", k, null], ["append", k, v], ...]`; the `:ok`
//! completion fills each read with the list read (`null` for a missing key). `:fail` and
//! `:info` completions carry the invocation's value.
//!
//! # What it checks
//!
//! Each key's version order is its longest read; the shorter reads must be prefixes of it
//! (else `incompatible-order`). From the orders: `ww` from the appender of an element to the
//! appender of the next, `wr` from the appender of a read's last element to the reader, `rw`
//! from the readers of a state to the appender of the next element; plus realtime or process
//! edges when the models need them, and Elle's cycle search (G0, G1c, G-single, G2, …).
//! Directly: `duplicate-elements`, `internal`, `future-read`, `G1a`, `G1b`, `dirty-update`,
//! `lost-update`.
//!
//! # Result
//!
//! Elle's result map: `{"valid?": true}` when clean; otherwise `valid?` (false on a forbidden
//! anomaly, `unknown` when only `empty-transaction-graph` or `cycle-search-timeout` were
//! found), `anomaly-types`, `anomalies` (each cycle explained step by step), `not` and
//! `also-not`. A micro-op other than read or append, or an element appended twice to a key,
//! gives `valid? unknown` with the reason, as Elle gives up on them.

mod analysis;

use serde_json::Value;

use super::elle;
use super::Checked;
use crate::history::{Op, Validity};

/// Elle's list-append analysis of `history` against `models`.
pub fn check(history: &[Op], models: &[String]) -> Checked {
    match elle::check(models, |reportable| analysis::anomalies(history, reportable)) {
        Ok(result) => {
            let valid = match result.get("valid?") {
                Some(Value::Bool(b)) => Validity::from(*b),
                _ => Validity::Unknown,
            };
            Checked { valid, result: Value::Object(result) }
        }
        Err(unknown) => unknown,
    }
}

#[cfg(test)]
mod tests;
