//! The kafka error finders (upstream `*-cases` functions of `tests/kafka.clj`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{json, Map, Value};

use super::super::elle::models::{prohibited, UNKNOWN_ANOMALIES};
use super::super::elle::{
    cycle_anomalies, CycleSearch, Graph, Rels, PROCESS, REALTIME, RW, SEARCH_STEPS_PER_COMPONENT, WR, WW,
};
use super::super::op_json;
use super::{Analysis, Msg};
use crate::history::OpType;

/// Error type -> its cases (a list; `unseen` is a map; `empty-transaction-graph` is `true`).
pub(super) type Errors = BTreeMap<String, Value>;

/// Runs every finder; `Err` where upstream's analysis throws (the checker then reports
/// `valid? unknown`).
pub(super) fn all(a: &Analysis) -> Result<Errors, String> {
    let mut errors = Errors::new();
    let mut put = |kind: &str, cases: Vec<Value>| {
        if !cases.is_empty() {
            errors.insert(kind.to_string(), Value::Array(cases));
        }
    };
    put("duplicate", duplicate(a));
    let (int_skip, int_nonmonotonic) = internal(a, true);
    put("int-poll-skip", int_skip);
    put("int-nonmonotonic-poll", int_nonmonotonic);
    let (send_skip, send_nonmonotonic) = internal(a, false);
    put("int-send-skip", send_skip);
    put("int-nonmonotonic-send", send_nonmonotonic);
    put("inconsistent-offsets", inconsistent_offsets(a));
    put("G1a", g1a(a));
    put("lost-write", lost_write(a)?);
    let (skip, nonmonotonic) = poll_skip(a);
    put("nonmonotonic-poll", nonmonotonic);
    put("nonmonotonic-send", nonmonotonic_send(a));
    put("poll-skip", skip);
    if let Some(unseen) = unseen(a) {
        errors.insert("unseen".into(), unseen);
    }
    errors.extend(cycles(a)?);
    Ok(errors)
}

/// Upstream `version-orders` `:errors`: an offset holding two different messages.
fn inconsistent_offsets(a: &Analysis) -> Vec<Value> {
    let mut out = Vec::new();
    for (key, log) in &a.logs {
        for (index, (offset, msgs)) in log.offsets.iter().enumerate() {
            if msgs.len() > 1 {
                let mut values: Vec<Value> = msgs.iter().map(|m| a.value(m)).collect();
                values.sort_by(super::super::cmp_json);
                out.push(json!({"key": key, "offset": offset, "index": index, "values": values}));
            }
        }
    }
    out
}

/// Upstream `duplicate-cases`: a message at more than one offset of a key.
fn duplicate(a: &Analysis) -> Vec<Value> {
    let mut out = Vec::new();
    for (key, log) in &a.logs {
        let mut offsets_of: BTreeMap<&Msg, Vec<i64>> = BTreeMap::new();
        for (offset, msgs) in &log.offsets {
            for m in msgs {
                offsets_of.entry(m).or_default().push(*offset);
            }
        }
        for (m, offsets) in offsets_of.into_iter().filter(|(_, o)| o.len() > 1) {
            out.push(json!({"key": key, "value": a.value(m), "count": offsets.len(), "offsets": offsets}));
        }
    }
    out
}

/// Upstream `g1a-cases`: an `:ok` poll returned a message whose send failed.
fn g1a(a: &Analysis) -> Vec<Value> {
    let mut out = Vec::new();
    for &pos in a.client.iter().filter(|&&p| a.op(p).kind == OpType::Ok) {
        for (key, pairs) in a.reads.get(&pos).into_iter().flatten() {
            for p in pairs {
                let m = p.msg.to_string();
                if a.failed_writes.get(key).is_some_and(|f| f.contains(&m)) {
                    let writer = a.writer_of.get(&(key.clone(), m)).map(|&w| op_json(a.op(w)));
                    out.push(json!({"key": key, "value": p.msg, "writer": writer, "reader": op_json(a.op(pos))}));
                }
            }
        }
    }
    out
}

/// Upstream `lost-write-cases`: below the highest dense index some `:ok` poll reached, every
/// message whose last appearance is there must have been polled, if its send committed.
fn lost_write(a: &Analysis) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    let mut keys: Vec<&String> = a.ok_reads.keys().collect();
    keys.sort();
    for key in keys {
        let read = &a.ok_reads[key];
        let mut first_index: HashMap<&Msg, usize> = HashMap::new();
        let mut last_index: HashMap<&Msg, usize> = HashMap::new();
        for (i, msgs) in a.logs.get(key).map(|l| l.offsets.values().enumerate().collect::<Vec<_>>()).unwrap_or_default()
        {
            for m in msgs {
                first_index.entry(m).or_insert(i);
                last_index.insert(m, i);
            }
        }
        let Some(bound) = read.iter().filter_map(|m| first_index.get(m)).max().copied() else {
            // Upstream takes element -1 of a vector here and throws.
            return Err(format!("lost-write analysis: key {key} was polled but no polled message has an offset"));
        };
        let mut by_last: Vec<BTreeSet<&Msg>> = vec![BTreeSet::new(); bound + 1];
        for (m, i) in &last_index {
            if let Some(set) = by_last.get_mut(*i) {
                set.insert(*m);
            }
        }
        let max_read = by_last[bound]
            .iter()
            .next()
            .and_then(|m| a.readers_of.get(&(key.clone(), (*m).clone())))
            .and_then(|r| r.first());
        for m in by_last.iter().flatten().filter(|m| !read.contains(**m)) {
            let writer = *a
                .writer_of
                .get(&(key.clone(), (*m).clone()))
                .ok_or_else(|| format!("no writer of {m} in key {key}"))?;
            if a.must_have_committed(writer) {
                out.push(json!({
                    "key": key, "value": a.value(m), "index": first_index.get(m), "max-read-index": bound,
                    "writer": op_json(a.op(writer)), "max-read": max_read.map(|&r| op_json(a.op(r))),
                }));
            }
        }
    }
    Ok(out)
}

/// Upstream `int-poll-skip+nonmonotonic-cases` (`polls`) or `int-send-skip+nonmonotonic-cases`:
/// consecutive messages of one key inside one op must be adjacent in the dense order.
fn internal(a: &Analysis, polls: bool) -> (Vec<Value>, Vec<Value>) {
    let (mut skips, mut nonmonotonic) = (Vec::new(), Vec::new());
    for &pos in &a.client {
        let op = a.op(pos);
        if !polls && op.kind == OpType::Invoke {
            continue;
        }
        let per_key = if polls { a.reads.get(&pos) } else { a.writes.get(&pos) };
        for (key, pairs) in per_key.into_iter().flatten() {
            for w in pairs.windows(2) {
                let (v1, v2) = (w[0].msg.to_string(), w[1].msg.to_string());
                let (i1, i2) = (a.index_of(key, &v1), a.index_of(key, &v2));
                let delta = delta(i1, i2);
                if delta == 1 {
                    // The common case: building the case (which embeds the whole op) for every
                    // adjacent pair made this quadratic in the poll's length.
                    continue;
                }
                let base = json!({"key": key, "values": [w[0].msg, w[1].msg], "delta": delta, "op": op_json(op)});
                if delta > 1 {
                    let mut case = base;
                    case["skipped"] = json!(a.skipped(key, i1.unwrap_or(0) + 1, i2.unwrap_or(0)));
                    skips.push(case);
                } else {
                    nonmonotonic.push(base);
                }
            }
        }
    }
    (skips, nonmonotonic)
}

/// The dense-index distance between two messages, 1 (no complaint) when either is unknown.
fn delta(i1: Option<usize>, i2: Option<usize>) -> i64 {
    match (i1, i2) {
        (Some(i1), Some(i2)) => i2 as i64 - i1 as i64,
        _ => 1,
    }
}

/// Client ops grouped by process, in history order (upstream `by-process`).
fn by_process(a: &Analysis) -> BTreeMap<crate::history::Process, Vec<usize>> {
    let mut groups: BTreeMap<_, Vec<usize>> = BTreeMap::new();
    for &pos in &a.client {
        groups.entry(a.op(pos).process).or_default().push(pos);
    }
    groups
}

/// An assign that completed `:ok` or `:info` keeps only the positions of the assigned keys.
fn forget_unassigned(a: &Analysis, pos: usize, last: &mut HashMap<String, usize>) {
    let op = a.op(pos);
    if op.f == "assign" && matches!(op.kind, OpType::Ok | OpType::Info) {
        let keep: Vec<String> = op.value.as_array().into_iter().flatten().map(super::super::key_text).collect();
        last.retain(|k, _| keep.contains(k));
    }
}

/// Upstream `poll-skip+nonmonotonic-cases`: a process's successive `:ok` polls of a key must
/// continue exactly where the previous one stopped.
fn poll_skip(a: &Analysis) -> (Vec<Value>, Vec<Value>) {
    let (mut skips, mut nonmonotonic) = (Vec::new(), Vec::new());
    for ops in by_process(a).values() {
        let mut last_reads: HashMap<String, usize> = HashMap::new();
        for &pos in ops {
            forget_unassigned(a, pos, &mut last_reads);
            let Some(reads) = a.reads.get(&pos).filter(|_| matches!(a.op(pos).f.as_str(), "poll" | "txn")) else {
                continue;
            };
            for (key, pairs) in reads {
                let Some(&last) = last_reads.get(key) else { continue };
                let prev = last_msg(a.reads.get(&last), key);
                let next = pairs.first().map(|p| p.msg.to_string());
                let (i, i2) =
                    (prev.as_ref().and_then(|m| a.index_of(key, m)), next.as_ref().and_then(|m| a.index_of(key, m)));
                let d = delta(i, i2);
                let ops_json = json!([op_json(a.op(last)), op_json(a.op(pos))]);
                if d > 1 {
                    let skipped = a.skipped(key, i.unwrap_or(0) + 1, i2.unwrap_or(0));
                    skips.push(json!({"key": key, "delta": d, "skipped": skipped, "ops": ops_json}));
                } else if d < 1 {
                    let values = json!([prev.map(|m| a.value(&m)), next.map(|m| a.value(&m))]);
                    nonmonotonic.push(json!({"key": key, "values": values, "delta": d, "ops": ops_json}));
                }
            }
            if a.op(pos).kind == OpType::Ok {
                for (key, _) in reads {
                    last_reads.insert(key.clone(), pos);
                }
            }
        }
    }
    (skips, nonmonotonic)
}

fn last_msg(per_key: Option<&super::PerKey>, key: &str) -> Option<Msg> {
    per_key?.iter().find(|(k, _)| k == key)?.1.last().map(|p| p.msg.to_string())
}

/// Upstream `nonmonotonic-send-cases`: a process's successive sends to a key must get
/// increasing offsets.
fn nonmonotonic_send(a: &Analysis) -> Vec<Value> {
    let mut out = Vec::new();
    for ops in by_process(a).values() {
        let mut last_sends: HashMap<String, usize> = HashMap::new();
        for &pos in ops.iter().filter(|&&p| matches!(a.op(p).kind, OpType::Ok | OpType::Info)) {
            forget_unassigned(a, pos, &mut last_sends);
            if !matches!(a.op(pos).f.as_str(), "send" | "txn") {
                continue;
            }
            let sends = a.writes.get(&pos).cloned().unwrap_or_default();
            for (key, pairs) in &sends {
                let Some(&last) = last_sends.get(key) else { continue };
                let prev = last_msg(a.writes.get(&last), key);
                let next = pairs.first().map(|p| p.msg.to_string());
                let (i, i2) =
                    (prev.as_ref().and_then(|m| a.index_of(key, m)), next.as_ref().and_then(|m| a.index_of(key, m)));
                if let (Some(i), Some(i2)) = (i, i2) {
                    if i2 <= i {
                        out.push(json!({
                            "key": key, "values": [prev.map(|m| a.value(&m)), next.map(|m| a.value(&m))],
                            "delta": i2 as i64 - i as i64, "ops": [op_json(a.op(last)), op_json(a.op(pos))],
                        }));
                    }
                }
            }
            for (key, _) in &sends {
                last_sends.insert(key.clone(), pos);
            }
        }
    }
    out
}

/// Upstream `unseen`, final state: over `:ok` sends and polls in order, messages sent but not
/// yet polled. Reproduces upstream's map merge exactly: a key that was polled but never sent
/// `:ok` shows its polled messages as unseen at the op where it is first polled (and only
/// there). `None` when nothing is unseen at the end.
fn unseen(a: &Analysis) -> Option<Value> {
    let mut unseen: BTreeMap<String, BTreeSet<Msg>> = BTreeMap::new();
    let mut polled: HashMap<String, BTreeSet<Msg>> = HashMap::new();
    let mut last_time = None;
    for &pos in a
        .client
        .iter()
        .filter(|&&p| a.op(p).kind == OpType::Ok && matches!(a.op(p).f.as_str(), "poll" | "send" | "txn"))
    {
        last_time = Some(a.op(pos).time_ns);
        let mut touched: BTreeSet<String> =
            unseen.iter().filter(|(_, s)| !s.is_empty()).map(|(k, _)| k.clone()).collect();
        for (key, pairs) in a.writes.get(&pos).into_iter().flatten() {
            unseen.entry(key.clone()).or_default().extend(pairs.iter().map(|p| p.msg.to_string()));
            touched.insert(key.clone());
        }
        for (key, pairs) in a.reads.get(&pos).into_iter().flatten() {
            polled.entry(key.clone()).or_default().extend(pairs.iter().map(|p| p.msg.to_string()));
            touched.insert(key.clone());
        }
        for key in touched {
            let seen = polled.get(&key).cloned().unwrap_or_default();
            match unseen.get_mut(&key) {
                Some(set) => set.retain(|m| !seen.contains(m)),
                None => {
                    unseen.insert(key, seen);
                }
            }
        }
    }
    let counts: Map<String, Value> =
        unseen.iter().filter(|(_, s)| !s.is_empty()).map(|(k, s)| (k.clone(), json!(s.len()))).collect();
    if counts.is_empty() {
        return None;
    }
    let messages: Map<String, Value> = unseen
        .iter()
        .filter(|(_, s)| !s.is_empty())
        .map(|(k, s)| (k.clone(), Value::Array(s.iter().map(|m| a.value(m)).collect())))
        .collect();
    Some(json!({"time": last_time, "unseen": counts, "messages": messages}))
}

/// Upstream `cycles!`: Elle's search over "sender -> every poller of its message" (wr) edges
/// and real-time edges, for strict serializability. Maelstrom sets no ww dependencies, so
/// there are no ww edges. `Err` where upstream throws: a polled message nobody sent.
fn cycles(a: &Analysis) -> Result<Errors, String> {
    let mut graph = Graph::default();
    let mut readers: Vec<(&(String, Msg), &Vec<usize>)> = a.readers_of.iter().collect();
    readers.sort();
    for ((key, m), polls) in readers {
        let writer =
            a.writer_of.get(&(key.clone(), m.clone())).ok_or_else(|| format!("no writer of value {m} in key {key}"))?;
        for &reader in polls {
            graph.link(*writer, reader, WR);
        }
    }
    let txn_like = |op: &crate::history::Op| matches!(op.f.as_str(), "txn" | "poll" | "send");
    graph.add_realtime(a.history, txn_like);
    let mut reportable = prohibited(&["strict-serializable".to_string()]);
    reportable.extend(UNKNOWN_ANOMALIES.iter().map(|s| s.to_string()));
    let explain = |from: usize, to: usize, rel: Rels| explain_step(a, from, to, rel);
    let search = CycleSearch {
        graph: &graph,
        history: a.history,
        // Upstream combines its ww graph, then its wr graph, then Elle's extra graphs.
        priority: &[WW, WR, RW, PROCESS, REALTIME],
        reportable: &reportable,
        explain_step: &explain,
        steps_per_component: SEARCH_STEPS_PER_COMPONENT,
    };
    let mut errors: Errors = cycle_anomalies(&search).into_iter().map(|(k, v)| (k, Value::Array(v))).collect();
    if graph.is_empty() {
        errors.insert("empty-transaction-graph".into(), Value::Bool(true));
    }
    Ok(errors)
}

fn explain_step(a: &Analysis, from: usize, to: usize, rel: Rels) -> Map<String, Value> {
    let mut step = Map::new();
    if rel == WR {
        let sent = a.writes.get(&from).cloned().unwrap_or_default();
        let polled = a.reads.get(&to).cloned().unwrap_or_default();
        for (key, pairs) in &sent {
            let read = polled.iter().find(|(k, _)| k == key).map(|(_, p)| p.clone()).unwrap_or_default();
            if let Some(p) = pairs.iter().find(|p| read.iter().any(|r| r.msg == p.msg)) {
                step.insert("key".into(), json!(key));
                step.insert("value".into(), p.msg.clone());
                break;
            }
        }
    }
    step
}

/// Upstream `condense-error`: a count and the most telling cases, or the `unseen` map with at
/// most 32 messages per key.
pub(super) fn condense(kind: &str, errs: Value) -> Value {
    /// Messages shown per key of `unseen` (upstream's `take 32`).
    const UNSEEN_SHOWN: usize = 32;
    if kind == "unseen" {
        let mut errs = errs;
        if let Some(messages) = errs.get_mut("messages").and_then(Value::as_object_mut) {
            for list in messages.values_mut() {
                if let Some(items) = list.as_array_mut() {
                    items.sort_by(super::super::cmp_json);
                    items.truncate(UNSEEN_SHOWN);
                }
            }
        }
        return errs;
    }
    let Value::Array(mut list) = errs else { return json!({"count": 1, "errs": errs}) };
    let count = list.len();
    let Some((sort_key, take, from_end)) = shown(kind) else { return json!({"count": count, "errs": list}) };
    list.sort_by_key(sort_key);
    if from_end {
        list.drain(..list.len().saturating_sub(take));
    } else {
        list.truncate(take);
    }
    json!({"count": count, "errs": list})
}

/// Sort key, how many, from the end.
type Shown = (fn(&Value) -> i64, usize, bool);

/// How upstream's `condense-error` picks the cases it shows: sort key, how many, and whether
/// from the end (largest) of the sorted list.
fn shown(kind: &str) -> Option<Shown> {
    /// Cases shown per type (upstream's `take 8` / `take 32`).
    const SHOWN_FEW: usize = 8;
    const SHOWN_MANY: usize = 32;
    fn field(v: &Value, name: &str) -> i64 {
        v.get(name).and_then(Value::as_i64).unwrap_or(0)
    }
    fn length(v: &Value, name: &str) -> i64 {
        v.get(name).and_then(Value::as_array).map_or(0, |l| l.len() as i64)
    }
    Some(match kind {
        "duplicate" => (|v| field(v, "count"), SHOWN_MANY, false),
        "G0" | "G0-process" | "G0-realtime" | "G1c" | "G1c-process" | "G1c-realtime" => {
            (|v| length(v, "steps"), SHOWN_FEW, false)
        }
        "inconsistent-offsets" => (|v| length(v, "values"), SHOWN_MANY, false),
        "int-nonmonotonic-poll" | "int-nonmonotonic-send" | "nonmonotonic-poll" | "nonmonotonic-send" => {
            (|v| field(v, "delta"), SHOWN_FEW, false)
        }
        "int-poll-skip" | "int-send-skip" | "poll-skip" => (|v| field(v, "delta"), SHOWN_FEW, true),
        _ => return None,
    })
}

/// Upstream `realtime-lag` and `worst-realtime-lag`: for each `:ok` poll and each key its
/// process is assigned, how long before the poll's invocation a later offset was known to
/// exist. Informational only; times and lags in seconds.
pub(super) fn worst_realtime_lag(a: &Analysis) -> Value {
    let expired = expiry_times(a);
    let mut offsets_of: HashMap<crate::history::Process, BTreeMap<String, i64>> = HashMap::new();
    let mut worst: Option<(u64, crate::history::Process, String, u64)> = None;
    let partner = super::super::pair_positions(a.history);
    for &pos in a.client.iter().filter(|&&p| a.op(p).kind == OpType::Ok) {
        let op = a.op(pos);
        let offsets = offsets_of.entry(op.process).or_default();
        if op.f == "assign" {
            let keys: Vec<String> = op.value.as_array().into_iter().flatten().map(super::super::key_text).collect();
            offsets.retain(|k, _| keys.contains(k));
            keys.into_iter().for_each(|k| {
                offsets.entry(k).or_insert(-1);
            });
            continue;
        }
        if !matches!(op.f.as_str(), "poll" | "txn") {
            continue;
        }
        let invoked_ns = partner.get(pos).copied().flatten().map_or(op.time_ns, |i| a.op(i).time_ns);
        for (key, offset) in max_offsets(a, pos) {
            let e = offsets.entry(key).or_insert(offset);
            *e = (*e).max(offset);
        }
        for (key, offset) in offsets.iter() {
            let expired_at = usize::try_from(offset + 1).ok().and_then(|i| expired.get(key)?.get(i).copied().flatten());
            let lag_ns = expired_at.map_or(0, |t| invoked_ns.saturating_sub(t));
            if worst.as_ref().is_none_or(|w| w.3 < lag_ns) {
                worst = Some((invoked_ns, op.process, key.clone(), lag_ns));
            }
        }
    }
    match worst {
        Some((time_ns, process, key, lag_ns)) => {
            json!({"time": time_ns as f64 / 1e9, "process": process, "key": key, "lag": lag_ns as f64 / 1e9})
        }
        None => json!({"time": 0, "lag": 0}),
    }
}

/// Upstream `op->max-offsets` of an `:ok`/`:info` op: per key the highest offset it sent or
/// polled (-1 for a key polled empty).
fn max_offsets(a: &Analysis, pos: usize) -> BTreeMap<String, i64> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    if !matches!(a.op(pos).kind, OpType::Ok | OpType::Info) {
        return out;
    }
    for (key, pairs) in a.reads.get(&pos).into_iter().flatten().chain(a.writes.get(&pos).into_iter().flatten()) {
        let max = pairs.iter().filter_map(|p| p.offset).max().unwrap_or(-1);
        let e = out.entry(key.clone()).or_insert(max);
        *e = (*e).max(max);
    }
    out
}

/// Per key, element i: the time offset i-1 stopped being the log's tail (element 0: the log
/// stopped being empty), learned from the first op that saw a higher offset.
fn expiry_times(a: &Analysis) -> HashMap<String, Vec<Option<u64>>> {
    let mut expired: HashMap<String, Vec<Option<u64>>> = HashMap::new();
    for &pos in &a.client {
        for (key, offset) in max_offsets(a, pos) {
            let Ok(top) = usize::try_from(offset) else { continue };
            let times = expired.entry(key).or_default();
            if times.len() <= top {
                times.resize(top + 1, None);
            }
            for i in (0..=top).rev() {
                if times[i].is_some() {
                    break;
                }
                times[i] = Some(a.op(pos).time_ns);
            }
        }
    }
    expired
}
