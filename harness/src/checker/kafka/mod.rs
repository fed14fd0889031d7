//! The kafka checker (Maelstrom's doc/workloads.md; jepsen `tests/kafka.clj` `checker`, with Maelstrom's options:
//! no ww dependencies, assign only, strict-serializable cycle search).
//!
//! # History values
//!
//! Values are Jepsen's kafka micro-ops rendered as JSON, keys as strings, messages as given:
//!
//! | op | invocation value | `:ok` completion value |
//! | --- | --- | --- |
//! | send | `[["send", "k", msg]]` | `[["send", "k", [offset, msg]]]` |
//! | poll | `[["poll"]]` | `[["poll", {"k": [[offset, msg], ...], ...}]]` |
//! | assign | `["k1", "k2", ...]` | the same list |
//! | crash | `null` | (always completes `:info`, value `null`) |
//!
//! A `:fail` or `:info` completion carries its invocation's value (Jepsen copies it), so an
//! indefinite send has no offset and an indefinite poll has no messages.

mod cases;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::{cmp_json, key_text, Checked};
use crate::history::{Op, OpType};

/// A message's identity: its exact JSON text (docs/checkers.md).
type Msg = String;
/// (key, message).
type KeyMsg = (String, Msg);

/// One (offset, message) pair of a send or poll; the offset is unknown for indefinite sends.
#[derive(Debug, Clone)]
struct Pair {
    offset: Option<i64>,
    msg: Value,
}

/// Per key, the pairs one op sent or polled, keys in the op's order.
type PerKey = Vec<(String, Vec<Pair>)>;

/// The sends of a `send`/`txn` op (upstream `op-write-pairs`).
fn op_writes(op: &Op) -> PerKey {
    let mut out: PerKey = Vec::new();
    if op.f != "send" && op.f != "txn" {
        return out;
    }
    for mop in op.value.as_array().into_iter().flatten() {
        let Some([f, k, v]) = mop.as_array().and_then(|m| <&[Value; 3]>::try_from(m.as_slice()).ok()) else { continue };
        if f != "send" {
            continue;
        }
        let pair = match v.as_array().map(Vec::as_slice) {
            Some([offset, msg]) => Pair { offset: offset.as_i64(), msg: msg.clone() },
            _ => Pair { offset: None, msg: v.clone() },
        };
        push_pair(&mut out, key_text(k), pair);
    }
    out
}

/// The messages of a `poll`/`txn` op (upstream `op-read-pairs`); a key returned with an empty
/// list is present with no pairs.
fn op_reads(op: &Op) -> PerKey {
    let mut out: PerKey = Vec::new();
    if op.f != "poll" && op.f != "txn" {
        return out;
    }
    for mop in op.value.as_array().into_iter().flatten() {
        let Some([f, polled, ..]) = mop.as_array().map(Vec::as_slice) else { continue };
        let (Some("poll"), Some(polled)) = (f.as_str(), polled.as_object()) else { continue };
        for (k, pairs) in polled {
            if !out.iter().any(|(key, _)| key == k) {
                out.push((k.clone(), Vec::new()));
            }
            for pair in pairs.as_array().into_iter().flatten() {
                if let Some([offset, msg]) = pair.as_array().map(Vec::as_slice) {
                    push_pair(&mut out, k.clone(), Pair { offset: offset.as_i64(), msg: msg.clone() });
                }
            }
        }
    }
    out
}

fn push_pair(out: &mut PerKey, key: String, pair: Pair) {
    match out.iter_mut().find(|(k, _)| *k == key) {
        Some((_, pairs)) => pairs.push(pair),
        None => out.push((key, vec![pair])),
    }
}

/// Upstream `version-orders` for one key: offset -> messages seen there, and the dense order.
#[derive(Debug, Default)]
struct Log {
    /// Offset -> messages (by identity) seen at it; negative offsets are dropped, as upstream's
    /// vector of offsets starts at 0.
    offsets: BTreeMap<i64, BTreeSet<Msg>>,
    /// Dense index -> the message upstream picks for it (the least, where several).
    by_index: Vec<Msg>,
    /// Message -> its dense index (the last one, where several).
    by_value: HashMap<Msg, usize>,
}

/// Everything the error finders share (upstream's `analysis`).
struct Analysis<'h> {
    history: &'h [Op],
    /// Client ops, by position.
    client: Vec<usize>,
    reads: HashMap<usize, PerKey>,
    writes: HashMap<usize, PerKey>,
    /// Messages read by `:ok` polls, per key (`reads-by-type` `:ok`).
    ok_reads: HashMap<String, HashSet<Msg>>,
    /// Messages of `:fail` sends, per key.
    failed_writes: HashMap<String, HashSet<Msg>>,
    logs: BTreeMap<String, Log>,
    /// The last completion that sent each message (`writer-of`).
    writer_of: HashMap<KeyMsg, usize>,
    /// Every completion that polled each message (`readers-of`).
    readers_of: HashMap<KeyMsg, Vec<usize>>,
    /// Message text -> value, to print messages.
    values: HashMap<Msg, Value>,
}

impl<'h> Analysis<'h> {
    fn new(history: &'h [Op]) -> Self {
        let client: Vec<usize> = history.iter().enumerate().filter(|(_, op)| op.is_client()).map(|(p, _)| p).collect();
        let mut a = Analysis {
            history,
            reads: HashMap::new(),
            writes: HashMap::new(),
            ok_reads: HashMap::new(),
            failed_writes: HashMap::new(),
            logs: BTreeMap::new(),
            writer_of: HashMap::new(),
            readers_of: HashMap::new(),
            values: HashMap::new(),
            client,
        };
        a.index_ops();
        a.build_logs();
        a
    }

    fn op(&self, pos: usize) -> &'h Op {
        &self.history[pos]
    }

    /// Parses every client op once and builds `writer-of`, `readers-of`, the `:ok` reads and
    /// the `:fail` writes.
    fn index_ops(&mut self) {
        for &pos in &self.client {
            let op = &self.history[pos];
            let (reads, writes) = (op_reads(op), op_writes(op));
            for (_, pairs) in reads.iter().chain(writes.iter()) {
                for p in pairs {
                    self.values.entry(p.msg.to_string()).or_insert_with(|| p.msg.clone());
                }
            }
            if op.kind != OpType::Invoke {
                for (k, p) in writes.iter().flat_map(|(k, pairs)| pairs.iter().map(move |p| (k, p))) {
                    self.writer_of.insert((k.clone(), p.msg.to_string()), pos);
                    if op.kind == OpType::Fail {
                        self.failed_writes.entry(k.clone()).or_default().insert(p.msg.to_string());
                    }
                }
                for (k, pairs) in &reads {
                    if op.kind == OpType::Ok {
                        // A key polled with an empty list still counts as read (upstream).
                        let seen = self.ok_reads.entry(k.clone()).or_default();
                        seen.extend(pairs.iter().map(|p| p.msg.to_string()));
                    }
                    for p in pairs {
                        self.readers_of.entry((k.clone(), p.msg.to_string())).or_default().push(pos);
                    }
                }
            }
            self.reads.insert(pos, reads);
            self.writes.insert(pos, writes);
        }
    }

    /// Upstream `must-have-committed?`: `:ok`, or `:info` with some message polled by an `:ok` poll.
    fn must_have_committed(&self, pos: usize) -> bool {
        let op = self.op(pos);
        op.kind == OpType::Ok
            || (op.kind == OpType::Info
                && self.writes.get(&pos).into_iter().flatten().any(|(k, pairs)| {
                    pairs.iter().any(|p| self.ok_reads.get(k).is_some_and(|s| s.contains(&p.msg.to_string())))
                }))
    }

    /// Upstream `version-orders`: offsets from every poll, and from sends that must have
    /// committed.
    fn build_logs(&mut self) {
        let mut logs: BTreeMap<String, Log> = BTreeMap::new();
        for &pos in &self.client {
            let committed = self.must_have_committed(pos);
            let sends = self.writes.get(&pos).filter(|_| committed).into_iter().flatten();
            for (k, pairs) in sends.chain(self.reads.get(&pos).into_iter().flatten()) {
                for p in pairs {
                    if let Some(offset) = p.offset.filter(|o| *o >= 0) {
                        let log = logs.entry(k.clone()).or_default();
                        log.offsets.entry(offset).or_default().insert(p.msg.to_string());
                    }
                }
            }
        }
        for log in logs.values_mut() {
            for (index, msgs) in log.offsets.values().enumerate() {
                let least = msgs.iter().min_by(|a, b| cmp_json(&self.value(a), &self.value(b)));
                log.by_index.push(least.cloned().unwrap_or_default());
                for m in msgs {
                    log.by_value.insert(m.clone(), index);
                }
            }
        }
        self.logs = logs;
    }

    fn index_of(&self, key: &str, msg: &Msg) -> Option<usize> {
        self.logs.get(key).and_then(|l| l.by_value.get(msg)).copied()
    }

    fn value(&self, msg: &Msg) -> Value {
        self.values.get(msg).cloned().unwrap_or(Value::Null)
    }

    /// Messages at dense indices `from..to` of a key, for `skipped`.
    fn skipped(&self, key: &str, from: usize, to: usize) -> Vec<Value> {
        let Some(log) = self.logs.get(key) else { return Vec::new() };
        (from..to).filter_map(|i| log.by_index.get(i)).map(|m| self.value(m)).collect()
    }
}

/// Error types that never invalidate a Maelstrom kafka test (upstream `allowed-error-types`
/// with neither `subscribe` nor ww dependencies).
const ALLOWED_ERROR_TYPES: [&str; 6] =
    ["int-send-skip", "G0", "G0-process", "G0-realtime", "PL-1-cycle-exists", "strong-PL-1-cycle-exists"];

/// The kafka checker (Maelstrom's doc/workloads.md): every error type of the table in docs/checkers.md; valid iff every type
/// found is allowed (int-send-skip and G0 variants).
pub fn check(history: &[Op]) -> Checked {
    let analysis = Analysis::new(history);
    let errors = match cases::all(&analysis) {
        Ok(errors) => errors,
        Err(e) => return Checked::unknown(e),
    };
    let error_types: Vec<&String> = errors.keys().collect();
    let bad: Vec<&String> =
        error_types.iter().copied().filter(|t| !ALLOWED_ERROR_TYPES.contains(&t.as_str())).collect();
    let valid = bad.is_empty();
    let mut result = Map::new();
    for (kind, errs) in &errors {
        result.insert(kind.clone(), cases::condense(kind, errs.clone()));
    }
    result.insert("valid?".into(), json!(valid));
    result.insert("bad-error-types".into(), json!(bad));
    result.insert("error-types".into(), json!(error_types));
    result.insert("info-txn-causes".into(), json!(info_txn_causes(history)));
    result.insert("worst-realtime-lag".into(), cases::worst_realtime_lag(&analysis));
    Checked { valid: valid.into(), result: Value::Object(result) }
}

/// Distinct `:error`s of `:info` sends and polls, in history order.
fn info_txn_causes(history: &[Op]) -> Vec<Value> {
    let mut seen = Vec::new();
    for op in history.iter().filter(|op| op.kind == OpType::Info && matches!(op.f.as_str(), "txn" | "send" | "poll")) {
        let cause = op.error.clone().unwrap_or(Value::Null);
        if !seen.contains(&cause) {
            seen.push(cause);
        }
    }
    seen
}

#[cfg(test)]
mod tests;
