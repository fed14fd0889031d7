//! Transactions as Elle's `txn.clj` reads them: micro-ops `[f, key, value]`, and the
//! anomaly checks the rw-register and list-append analyses share.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Value};

use super::super::op_json;
use crate::history::{Op, OpType};

/// A micro-op `[f, key, value]`.
#[derive(Clone, Copy)]
pub(crate) struct Mop<'h> {
    /// `"r"`, `"w"` or `"append"`.
    pub f: &'h str,
    /// The key.
    pub key: &'h Value,
    /// The value written or read.
    pub value: &'h Value,
    /// The whole micro-op, for reports.
    pub raw: &'h Value,
}

/// A transaction: its position in the history and its micro-ops.
pub(crate) struct Txn<'h> {
    /// Position in the history.
    pub pos: usize,
    /// The record.
    pub op: &'h Op,
    /// Its micro-ops.
    pub mops: Vec<Mop<'h>>,
}

/// A JSON value's text, the identity of keys and values.
pub(crate) fn text(v: &Value) -> String {
    v.to_string()
}

/// The micro-ops of a transaction record; malformed ones are skipped.
fn mops(op: &Op) -> Vec<Mop<'_>> {
    op.value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|raw| match raw.as_array().map(Vec::as_slice) {
            Some([f, key, value]) => Some(Mop { f: f.as_str()?, key, value, raw }),
            _ => None,
        })
        .collect()
}

/// The client records of `history` as transactions, named by their positions.
pub(crate) fn txns(history: &[Op]) -> Vec<Txn<'_>> {
    history
        .iter()
        .enumerate()
        .filter(|(_, op)| op.is_client())
        .map(|(pos, op)| Txn { pos, op, mops: mops(op) })
        .collect()
}

/// `lost-update-cases`: two committed transactions that read the same version of a key and
/// both wrote it (with micro-ops named `write_f`).
pub(crate) fn lost_update(txns: &[Txn], write_f: &str) -> Vec<Value> {
    let mut by_read: BTreeMap<(String, String), (Value, Value, Vec<usize>)> = BTreeMap::new();
    for t in txns.iter().filter(|t| t.op.kind == OpType::Ok) {
        let mut reads: HashMap<String, &Value> = HashMap::new();
        let mut written: BTreeSet<String> = BTreeSet::new();
        for m in &t.mops {
            let k = text(m.key);
            match (m.f == write_f && !written.contains(&k), reads.get(&k)) {
                (true, Some(read)) => {
                    let entry = by_read
                        .entry((k.clone(), text(read)))
                        .or_insert_with(|| (m.key.clone(), (*read).clone(), Vec::new()));
                    entry.2.push(t.pos);
                    written.insert(k);
                }
                (true, None) => {}
                (false, None) => {
                    reads.insert(k, m.value);
                }
                (false, Some(_)) => {}
            }
        }
    }
    let op_at = |pos: usize| txns.iter().find(|t| t.pos == pos).map(|t| op_json(t.op));
    by_read
        .into_values()
        .filter(|(_, _, ops)| ops.len() >= 2)
        .map(|(key, value, ops)| json!({"key": key, "value": value, "txns": ops.into_iter().map(op_at).collect::<Vec<_>>()}))
        .collect()
}
