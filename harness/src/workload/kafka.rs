//! kafka (spec 4.7; maelstrom/workload/kafka.clj over jepsen/tests/kafka.clj): ½ `send`, ½
//! `poll` from Elle's key pool, with occasional `assign`s, `crash`es on a side stream, and a
//! final phase that polls every key from the start until each worker has caught up.
//!
//! # Generator
//!
//! Jepsen stacks four wrappers on Elle's list-append generator (`kafka/workload`); each is one
//! piece of [`Kafka`]'s state:
//! - `txn-generator`/`tag-rw`: a one-op transaction `[:r k]` becomes `poll`, `[:append k v]`
//!   becomes `send` ([`KeyPool::rw_txn`] with length 1);
//! - `track-key-offsets`: the highest offset any `:ok` op sent or polled per key, the targets of
//!   the final polls;
//! - `interleave-subscribes`: with probability [`ASSIGN_P`] an `assign` of the op's key comes
//!   instead, and the op itself is handed out later (upstream keeps the inner generator);
//! - `poll-unseen`: a third of the assigns are widened with every key that has acknowledged
//!   but unpolled messages.
//!
//! # Final phase and the seek-to-beginning assign
//!
//! Each worker: `crash` (a fresh client), `assign` of every key seen, seeking to the beginning,
//! then a `poll` every U[0, 0.4) s until one of its `:ok` polls reached each key's target
//! (jepsen `final-polls`, per thread), all cut at 10 s (Maelstrom's `gen/time-limit 10`). The
//! engine's `observe` does not say which worker completed an op, so the clients made in the
//! final phase carry their worker and mark its progress in [`FinalTargets`] themselves. Those
//! clients are also the only ones whose `assign` seeks to the beginning: every client of the
//! final phase is opened by its worker's `crash`, and no main-phase assign seeks (upstream).
//! The history's assign records therefore lack upstream's `:seek-to-beginning? true` key; no
//! checker reads it.
//!
//! A known difference: the engine waits `final_op_delay_ns` after every final op, so the gap
//! between the crash and the assign is also U[0, 0.4) s, where upstream has none.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

use super::keys::{KeyPool, DEFAULT_KEY_COUNT};
use super::{OpSpec, TestWorkload};
use crate::checker::{kafka, Checked};
use crate::client::{request, Client, Completion, Field, Outcomes, Reply, Schema, Step};
use crate::config::TestConfig;
use crate::history::{Op, OpType};

/// jepsen kafka `interleave-subscribes`: `:sub-p` defaults to 1/64.
const ASSIGN_P: f64 = 1.0 / 64.0;
/// jepsen kafka `poll-unseen`: about a third of the assigns take the unseen keys too.
const WIDEN_P: f64 = 1.0 / 3.0;
/// jepsen kafka `crash-client-gen`: one crash per 30 s per worker on average (`stagger` draws
/// gaps U[0, 2 × 30 s / concurrency)).
const CRASH_GAP_MAX_NS: u64 = 60 * NS_PER_S;
/// Maelstrom clips the final generator to 10 s (maelstrom/workload/kafka.clj).
const FINAL_LIMIT_NS: u64 = 10 * NS_PER_S;
/// Final polls are `(gen/stagger 1/5)`: gaps U[0, 0.4) s.
const FINAL_POLL_GAP_MAX_NS: u64 = 400_000_000;
const NS_PER_S: u64 = 1_000_000_000;

/// Errors are classified by Maelstrom's rule with `assign` idempotent (kafka.clj `with-errors`).
const OUTCOMES: Outcomes = Outcomes::Rule(&["assign"]);

/// Per key, the highest offset seen (keys as the generator's integers).
type Offsets = BTreeMap<u64, i64>;

/// Per worker, the offsets its final polls still have to reach (`None`: not started).
#[derive(Debug, Default)]
struct FinalTargets {
    remaining: Vec<Option<BTreeMap<String, i64>>>,
}

type SharedTargets = Arc<Mutex<FinalTargets>>;

fn lock(targets: &SharedTargets) -> std::sync::MutexGuard<'_, FinalTargets> {
    targets.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The kafka workload.
#[derive(Debug)]
pub struct Kafka {
    keys: KeyPool,
    /// An op an `assign` stood in for, handed out next.
    deferred: Option<(OpSpec, u64)>,
    /// `poll-unseen`: per key, the highest offset `:ok` sends and polls reached, for keys whose
    /// polls lag their sends.
    sent: Offsets,
    polled: Offsets,
    /// `track-key-offsets`: the highest offset of every key any `:ok` op touched.
    max_offsets: Offsets,
    final_targets: SharedTargets,
    /// The worker whose final op was handed out last: the client opened next is its.
    final_worker: Option<usize>,
}

impl Kafka {
    /// The workload with `config`'s key count and writes per key.
    pub fn new(config: &TestConfig) -> Self {
        Kafka {
            keys: KeyPool::new(config.key_count.unwrap_or(DEFAULT_KEY_COUNT), config.max_writes_per_key),
            deferred: None,
            sent: Offsets::new(),
            polled: Offsets::new(),
            max_offsets: Offsets::new(),
            final_targets: SharedTargets::default(),
            final_worker: None,
        }
    }

    /// The next send or poll, with the key it touches.
    fn inner_op(&mut self, rng: &mut ChaCha8Rng) -> (OpSpec, u64) {
        let txn = self.keys.rw_txn(rng, 1);
        let mop = txn.get(0).and_then(Value::as_array).cloned().unwrap_or_default();
        let key = mop.get(1).and_then(Value::as_u64).unwrap_or(0);
        match mop.first().and_then(Value::as_str) {
            Some("w") => {
                let msg = mop.get(2).cloned().unwrap_or(Value::Null);
                (OpSpec::new("send", json!([["send", key.to_string(), msg]])), key)
            }
            _ => (OpSpec::new("poll", json!([["poll"]])), key),
        }
    }

    /// An assign of `key`, widened a third of the time with the keys whose polls lag.
    fn assign(&self, key: u64, rng: &mut ChaCha8Rng) -> OpSpec {
        let mut keys = vec![key];
        if rng.gen_bool(WIDEN_P) && !self.sent.is_empty() {
            keys.extend(self.sent.keys().filter(|k| **k != key));
        }
        OpSpec::new("assign", json!(keys.iter().map(u64::to_string).collect::<Vec<_>>()))
    }

    /// The final ops of `worker`: crash, assign everything from 0, then polls until caught up.
    fn final_op_of(&mut self, worker: usize, done: usize) -> Option<OpSpec> {
        let mut targets = lock(&self.final_targets);
        if targets.remaining.len() <= worker {
            targets.remaining.resize(worker + 1, None);
        }
        let remaining = targets.remaining[worker]
            .get_or_insert_with(|| self.max_offsets.iter().map(|(k, offset)| (k.to_string(), *offset)).collect());
        if remaining.is_empty() {
            return None;
        }
        self.final_worker = Some(worker);
        Some(match done {
            0 => OpSpec::new("crash", Value::Null),
            1 => {
                let keys: Vec<String> = self.max_offsets.keys().map(u64::to_string).collect();
                OpSpec::new("assign", json!(keys))
            }
            _ => OpSpec::new("poll", json!([["poll"]])),
        })
    }
}

/// Per key of an op's `:ok` value, the highest offset it sent or polled; a key polled with an
/// empty list counts as −1 (jepsen kafka `op->max-offsets`).
fn max_offsets(value: &Value) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    let mut raise = |k: &str, offset: i64| {
        let e = out.entry(k.to_owned()).or_insert(offset);
        *e = (*e).max(offset);
    };
    for mop in value.as_array().into_iter().flatten() {
        match mop.as_array().map(Vec::as_slice) {
            Some([f, k, pair]) if f == "send" => {
                if let (Some(k), Some(offset)) = (k.as_str(), pair.get(0).and_then(Value::as_i64)) {
                    raise(k, offset);
                }
            }
            Some([f, msgs]) if f == "poll" => {
                for (k, pairs) in msgs.as_object().into_iter().flatten() {
                    let offsets = pairs.as_array().into_iter().flatten().filter_map(|p| p.get(0)?.as_i64());
                    raise(k, offsets.fold(-1, i64::max));
                }
            }
            _ => {}
        }
    }
    out
}

/// Merges `from` (string keys, as on the wire) into `into` by maximum (`merge-with max`); keys
/// that are not integers are skipped, as Maelstrom's `parse-long` would fail them.
fn merge_max(into: &mut Offsets, from: &BTreeMap<String, i64>) {
    for (k, offset) in from {
        if let Ok(k) = k.parse::<u64>() {
            let e = into.entry(k).or_insert(*offset);
            *e = (*e).max(*offset);
        }
    }
}

impl TestWorkload for Kafka {
    fn next_op(&mut self, _worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        let (op, key) = match self.deferred.take() {
            Some(deferred) => deferred,
            None => self.inner_op(rng),
        };
        if rng.gen_bool(ASSIGN_P) {
            self.deferred = Some((op, key));
            return Some(self.assign(key, rng));
        }
        Some(op)
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn final_op(&mut self, worker: usize, done: usize, _rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        self.final_op_of(worker, done)
    }

    fn side_op_max_gap_ns(&self, concurrency: usize) -> Option<u64> {
        Some(CRASH_GAP_MAX_NS / concurrency.max(1) as u64)
    }

    fn side_op(&mut self, _rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        Some(OpSpec::new("crash", Value::Null))
    }

    fn final_phase_limit_ns(&self) -> Option<u64> {
        Some(FINAL_LIMIT_NS)
    }

    fn final_op_delay_ns(&self, rng: &mut ChaCha8Rng) -> u64 {
        rng.gen_range(0..FINAL_POLL_GAP_MAX_NS)
    }

    fn observe(&mut self, op: &OpSpec, completion: &Completion) {
        if completion.kind != OpType::Ok || !matches!(op.f.as_str(), "send" | "poll") {
            return;
        }
        let offsets = max_offsets(&completion.value);
        merge_max(&mut self.max_offsets, &offsets);
        if op.f == "send" {
            merge_max(&mut self.sent, &offsets);
        } else {
            merge_max(&mut self.polled, &offsets);
        }
        // Keys whose polls caught up with their sends are no longer unseen.
        let caught_up: Vec<u64> = self
            .polled
            .iter()
            .filter(|(k, p)| **p >= self.sent.get(k).copied().unwrap_or(-1))
            .map(|(k, _)| *k)
            .collect();
        for k in caught_up {
            self.sent.remove(&k);
            self.polled.remove(&k);
        }
    }

    fn client(&self) -> Box<dyn Client> {
        let final_poller = self.final_worker.map(|w| (self.final_targets.clone(), w));
        Box::new(KafkaClient { offsets: BTreeMap::new(), final_poller, polled: None })
    }

    fn client_reusable(&self) -> bool {
        false
    }

    fn check(&self, history: &[Op]) -> Checked {
        kafka::check(history)
    }
}

/// Maelstrom's kafka client (spec 4.7 "What the client does"): the next offset to poll per
/// key, a commit after every non-empty poll.
#[derive(Debug)]
struct KafkaClient {
    /// Key -> next offset to poll.
    offsets: BTreeMap<String, i64>,
    /// A client of the final phase: its worker's targets, and that worker.
    final_poller: Option<(SharedTargets, usize)>,
    /// The messages of a poll whose commit is in flight.
    polled: Option<Value>,
}

const SEND_OK: Schema = Schema { kind: "send_ok", fields: &[("offset", Field::Int)] };
const POLL_OK: Schema = Schema { kind: "poll_ok", fields: &[("msgs", Field::Map)] };
const COMMIT_OK: Schema = Schema { kind: "commit_offsets_ok", fields: &[] };
const LIST_OK: Schema = Schema { kind: "list_committed_offsets_ok", fields: &[("offsets", Field::Map)] };

impl KafkaClient {
    fn schema(&self, f: &str) -> Schema {
        match f {
            "send" => SEND_OK,
            "assign" => LIST_OK,
            _ if self.polled.is_some() => COMMIT_OK,
            _ => POLL_OK,
        }
    }

    /// Upstream `apply-mop!` after a poll: every returned key's next offset rises past its
    /// highest returned offset; then a commit of those highest offsets, if any were returned.
    fn polled(&mut self, msgs: Value) -> Step {
        let highest = max_offsets(&json!([["poll", msgs]]));
        for (k, offset) in &highest {
            let next = self.offsets.entry(k.clone()).or_insert(offset + 1);
            *next = (*next).max(offset + 1);
        }
        let commits: Map<String, Value> =
            highest.iter().filter(|(_, o)| **o >= 0).map(|(k, o)| (k.clone(), json!(o))).collect();
        if commits.is_empty() {
            return self.poll_done(msgs);
        }
        self.polled = Some(msgs);
        Step::Call(request("commit_offsets", &[("offsets", Value::Object(commits))]))
    }

    /// An `:ok` poll; in the final phase it also counts towards the worker's targets.
    fn poll_done(&mut self, msgs: Value) -> Step {
        let value = json!([["poll", msgs]]);
        if let Some((targets, worker)) = &self.final_poller {
            let seen = max_offsets(&value);
            let mut targets = lock(targets);
            if let Some(Some(remaining)) = targets.remaining.get_mut(*worker) {
                remaining.retain(|k, target| seen.get(k).is_none_or(|o| o < target));
            }
        }
        Step::Done(Completion::ok(value))
    }

    /// Upstream's assign without seek: each key keeps its next offset, else takes the committed
    /// one, else 0; keys not assigned are dropped.
    fn assigned(&mut self, value: &Value, committed: &Map<String, Value>) -> Step {
        let keys: Vec<String> =
            value.as_array().into_iter().flatten().filter_map(|k| k.as_str().map(str::to_owned)).collect();
        let offsets = keys
            .into_iter()
            .map(|k| {
                let next = self.offsets.get(&k).copied().or_else(|| committed.get(&k).and_then(Value::as_i64));
                (k, next.unwrap_or(0))
            })
            .collect();
        self.offsets = offsets;
        Step::Done(Completion::ok(value.clone()))
    }
}

/// Why a reply breaks the nested parts of kafka's schemas (`{Key [[Offset Msg]]}` and
/// `{Key Offset}`), which [`Schema`] checks only to the first level.
fn nested_violation(body: &Value) -> Option<String> {
    let pair_ok = |p: &Value| p.as_array().is_some_and(|p| p.len() == 2 && (p[0].is_i64() || p[0].is_u64()));
    if let Some(msgs) = body.get("msgs").and_then(Value::as_object) {
        let bad = msgs.iter().find(|(_, pairs)| !pairs.as_array().is_some_and(|ps| ps.iter().all(pair_ok)));
        return bad.map(|(k, pairs)| format!("msgs of key {k:?} are not [offset, msg] pairs: {pairs}"));
    }
    if let Some(offsets) = body.get("offsets").and_then(Value::as_object) {
        let bad = offsets.iter().find(|(_, o)| !(o.is_i64() || o.is_u64()));
        return bad.map(|(k, o)| format!("offset of key {k:?} is not an integer: {o}"));
    }
    None
}

impl Client for KafkaClient {
    fn invoke(&mut self, f: &str, value: &Value) -> Step {
        self.polled = None;
        match f {
            "crash" => {
                Step::Done(Completion { kind: OpType::Info, value: value.clone(), error: None, exception: None })
            }
            "assign" if self.final_poller.is_some() => {
                let keys = value.as_array().into_iter().flatten().filter_map(Value::as_str);
                self.offsets = keys.map(|k| (k.to_owned(), 0)).collect();
                Step::Done(Completion::ok(value.clone()))
            }
            "assign" => Step::Call(request("list_committed_offsets", &[("keys", value.clone())])),
            "send" => {
                let mop = value.get(0).and_then(Value::as_array).cloned().unwrap_or_default();
                let (key, msg) =
                    (mop.get(1).cloned().unwrap_or(Value::Null), mop.get(2).cloned().unwrap_or(Value::Null));
                Step::Call(request("send", &[("key", key), ("msg", msg)]))
            }
            _ => Step::Call(request("poll", &[("offsets", json!(self.offsets))])),
        }
    }

    fn on_reply(&mut self, f: &str, value: &Value, reply: Reply) -> Step {
        let Reply::Body(body) = &reply else { return Step::Done(OUTCOMES.on_failure(f, value, &reply)) };
        if body.get("type").and_then(Value::as_str) == Some("error") {
            return Step::Done(OUTCOMES.on_failure(f, value, &reply));
        }
        if let Some(why) = self.schema(f).violation(body).or_else(|| nested_violation(body)) {
            return Step::Done(Completion::thrown(value.clone(), format!("malformed RPC response: {why}: {body}")));
        }
        match f {
            "send" => {
                let (key, msg) = (value[0][1].clone(), value[0][2].clone());
                Step::Done(Completion::ok(json!([["send", key, [body["offset"].clone(), msg]]])))
            }
            "assign" => self.assigned(value, body["offsets"].as_object().unwrap_or(&Map::new())),
            _ => match self.polled.take() {
                Some(msgs) => self.poll_done(msgs),
                None => self.polled(body["msgs"].clone()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn workload() -> Kafka {
        Kafka::new(&TestConfig::new("kafka", 1))
    }

    #[test]
    fn ops_are_sends_and_polls_with_rare_assigns_of_the_deferred_ops_key() {
        let mut k = workload();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut counts = BTreeMap::new();
        for _ in 0..6400 {
            let op = k.next_op(0, &mut rng).expect("endless");
            if op.f == "assign" {
                let (deferred, key) = k.deferred.clone().expect("an assign defers an op");
                assert!(op.value.as_array().unwrap().contains(&json!(key.to_string())), "{op:?} {deferred:?}");
            }
            *counts.entry(op.f).or_insert(0) += 1;
        }
        let (sends, polls, assigns) = (counts["send"], counts["poll"], counts["assign"]);
        assert!((2800..3600).contains(&sends) && (2800..3600).contains(&polls), "{counts:?}");
        assert!((50..160).contains(&assigns), "about 1/64 of 6400: {counts:?}");
    }

    #[test]
    fn unseen_keys_widen_assigns_until_a_poll_catches_up() {
        let mut k = workload();
        let sent = Completion::ok(json!([["send", "7", [3, 1]]]));
        k.observe(&OpSpec::new("send", json!([["send", "7", 1]])), &sent);
        assert_eq!(k.sent, Offsets::from([(7, 3)]));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let widened = (0..60).map(|_| k.assign(2, &mut rng)).filter(|a| a.value == json!(["2", "7"])).count();
        assert!((10..30).contains(&widened), "about a third of 60: {widened}");
        k.observe(&OpSpec::new("poll", json!([["poll"]])), &Completion::ok(json!([["poll", {"7": [[3, 1]]}]])));
        assert!(k.sent.is_empty() && k.polled.is_empty());
        assert_eq!(k.max_offsets, Offsets::from([(7, 3)]));
    }

    #[test]
    fn a_poll_advances_next_offsets_and_commits_the_highest_returned() {
        let mut c = KafkaClient { offsets: BTreeMap::new(), final_poller: None, polled: None };
        let poll = json!([["poll"]]);
        assert_eq!(c.invoke("poll", &poll), Step::Call(request("poll", &[("offsets", json!({}))])));
        let reply = json!({"type": "poll_ok", "msgs": {"1": [[0, 5], [1, 6]], "2": []}});
        let step = c.on_reply("poll", &poll, Reply::Body(reply));
        assert_eq!(step, Step::Call(request("commit_offsets", &[("offsets", json!({"1": 1}))])));
        let done = c.on_reply("poll", &poll, Reply::Body(json!({"type": "commit_offsets_ok"})));
        assert_eq!(done, Step::Done(Completion::ok(json!([["poll", {"1": [[0, 5], [1, 6]], "2": []}]]))));
        assert_eq!(c.offsets, BTreeMap::from([("1".to_owned(), 2), ("2".to_owned(), 0)]));
    }

    #[test]
    fn assign_keeps_own_offsets_then_committed_then_zero_and_drops_the_rest() {
        let mut c = KafkaClient {
            offsets: BTreeMap::from([("1".into(), 4), ("9".into(), 2)]),
            final_poller: None,
            polled: None,
        };
        let keys = json!(["1", "2", "3"]);
        assert!(matches!(c.invoke("assign", &keys), Step::Call(_)));
        let reply = json!({"type": "list_committed_offsets_ok", "offsets": {"1": 9, "2": 5}});
        assert_eq!(c.on_reply("assign", &keys, Reply::Body(reply)), Step::Done(Completion::ok(keys.clone())));
        assert_eq!(c.offsets, BTreeMap::from([("1".into(), 4), ("2".into(), 5), ("3".into(), 0)]));
    }

    #[test]
    fn a_failed_commit_makes_the_poll_indefinite_and_malformed_pairs_throw() {
        let mut c = KafkaClient { offsets: BTreeMap::new(), final_poller: None, polled: None };
        let poll = json!([["poll"]]);
        c.invoke("poll", &poll);
        c.on_reply("poll", &poll, Reply::Body(json!({"type": "poll_ok", "msgs": {"1": [[0, 5]]}})));
        let Step::Done(done) = c.on_reply("poll", &poll, Reply::Timeout) else { panic!("one commit only") };
        assert_eq!((done.kind, done.value), (OpType::Info, poll.clone()));
        c.invoke("poll", &poll);
        let bad = json!({"type": "poll_ok", "msgs": {"1": [["0", 5]]}});
        let Step::Done(done) = c.on_reply("poll", &poll, Reply::Body(bad)) else { panic!("malformed ends the op") };
        assert!(done.exception.is_some_and(|e| e.contains("malformed")));
    }

    #[test]
    fn final_workers_crash_assign_from_zero_and_poll_until_caught_up() {
        let mut k = workload();
        k.observe(&OpSpec::new("send", json!([])), &Completion::ok(json!([["send", "3", [1, 2]]])));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert_eq!(k.final_op(1, 0, &mut rng).map(|o| o.f), Some("crash".into()));
        let assign = k.final_op(1, 1, &mut rng).expect("assign");
        let mut client = k.client();
        assert_eq!(client.invoke("assign", &assign.value), Step::Done(Completion::ok(json!(["3"]))));
        let poll = k.final_op(1, 2, &mut rng).expect("poll");
        assert_eq!(client.invoke("poll", &poll.value), Step::Call(request("poll", &[("offsets", json!({"3": 0}))])));
        client.on_reply("poll", &poll.value, Reply::Body(json!({"type": "poll_ok", "msgs": {"3": [[0, 1], [1, 2]]}})));
        client.on_reply("poll", &poll.value, Reply::Body(json!({"type": "commit_offsets_ok"})));
        assert_eq!(k.final_op(1, 3, &mut rng), None, "caught up");
        assert!(k.final_op(0, 0, &mut rng).is_some(), "worker 0 has not started");
    }
}
