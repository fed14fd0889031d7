//! kafka: sends and polls over string keys from Elle's key pool, occasional `assign`s, an
//! independent stream of `crash`es, and a final phase in which every worker crashes, reassigns
//! every key from the beginning and polls until it has caught up
//! ([Maelstrom's workloads](https://github.com/jepsen-io/maelstrom/blob/main/doc/workloads.md#workload-kafka); maelstrom/workload/kafka.clj).
//!
//! Everything kafka-specific about the schedule lives in [`KafkaGenerator`]: the crash stream,
//! the per-worker final sequence, its poll delays and its 10 s cut.

mod client;

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use self::client::KafkaClient;
use super::keys::{KeyPool, DEFAULT_KEY_COUNT};
use super::{FinalStep, Generator, SideStream, TestWorkload};
use crate::checker::{kafka, Checked};
use crate::client::Client;
use crate::config::TestConfig;
use crate::history::{Op, OpType};
use crate::op::{Completion, OpSpec};

/// One op in this many is preceded by an `assign` of its key (jepsen tests/kafka.clj).
const ASSIGN_ONE_IN: u32 = 64;
/// One assign in this many is widened with every key that has unpolled messages.
const WIDEN_ONE_IN: u32 = 3;
/// Crash gaps are U[0, this / concurrency) seconds.
const CRASH_GAP_S_TIMES_CONCURRENCY: f64 = 60.0;
/// The final phase is cut after this long (maelstrom/workload/kafka.clj `time-limit 10`).
const FINAL_PHASE_NS: u64 = 10_000_000_000;
/// Final polls come every U[0, this) ns.
const FINAL_POLL_GAP_NS: u64 = 400_000_000;

/// The kafka workload.
#[derive(Debug, Clone)]
pub struct Kafka {
    generator: KafkaGenerator,
}

/// Per worker, where it is in the final phase.
#[derive(Debug, Clone, Default)]
struct FinalProgress {
    /// Final ops completed.
    done: usize,
    /// Its next final op waits until this time.
    not_before_ns: u64,
}

/// kafka's generator.
#[derive(Debug, Clone)]
pub struct KafkaGenerator {
    keys: KeyPool,
    /// An op displaced by the `assign` that went out first.
    pending: Option<OpSpec>,
    /// Per key, the highest offset an `:ok` send got.
    sent_max: BTreeMap<String, i64>,
    /// Per key, the highest offset an `:ok` poll returned.
    polled_max: BTreeMap<String, i64>,
    /// What each worker must have polled up to before its final phase ends (set at its start).
    final_target: Option<BTreeMap<String, i64>>,
    /// Per worker, the highest offsets its final polls returned.
    final_polled: BTreeMap<usize, BTreeMap<String, i64>>,
    /// When the final phase is cut (set when it starts).
    final_end_ns: Option<u64>,
    /// Per worker, its progress through the final phase.
    final_progress: BTreeMap<usize, FinalProgress>,
}

impl Kafka {
    /// The workload with `config`'s key count and writes per key.
    pub fn new(config: &TestConfig) -> Self {
        let generator = KafkaGenerator {
            keys: KeyPool::new(config.key_count.unwrap_or(DEFAULT_KEY_COUNT), config.max_writes_per_key),
            pending: None,
            sent_max: BTreeMap::new(),
            polled_max: BTreeMap::new(),
            final_target: None,
            final_polled: BTreeMap::new(),
            final_end_ns: None,
            final_progress: BTreeMap::new(),
        };
        Kafka { generator }
    }
}

impl KafkaGenerator {
    fn unpolled_keys(&self) -> Vec<String> {
        self.sent_max
            .iter()
            .filter(|(k, &sent)| self.polled_max.get(*k).is_none_or(|&p| p < sent))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// A send (½) or a poll (½), and the key it touches (a poll's key only feeds assigns).
    fn send_or_poll(&mut self, rng: &mut ChaCha8Rng) -> (OpSpec, u64) {
        loop {
            let send = rng.gen_bool(0.5);
            let key = self.keys.rand_key(rng);
            if !send {
                return (OpSpec::new("poll", json!([["poll"]])), key);
            }
            if let Some(msg) = self.keys.next_write(key) {
                return (OpSpec::new("send", json!([["send", key.to_string(), msg]])), key);
            }
        }
    }
}

/// Per key, the highest offset in a completed send or poll value.
fn offsets_of(value: &Value) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for mop in value.as_array().into_iter().flatten() {
        match (mop[0].as_str(), &mop[1], &mop[2]) {
            (Some("send"), Value::String(k), pair) => out.extend(pair[0].as_i64().map(|o| (k.clone(), o))),
            (Some("poll"), Value::Object(msgs), _) => {
                for (k, pairs) in msgs {
                    let offsets = pairs.as_array().into_iter().flatten().filter_map(|p| p[0].as_i64());
                    out.extend(offsets.max().map(|o| (k.clone(), o)));
                }
            }
            _ => {}
        }
    }
    out
}

fn raise(map: &mut BTreeMap<String, i64>, key: String, offset: i64) {
    let entry = map.entry(key).or_insert(offset);
    *entry = (*entry).max(offset);
}

impl KafkaGenerator {
    /// The `done`-th final op (from 0) of worker `worker`: crash, assign every key from the
    /// beginning, then polls until caught up.
    fn nth_final_op(&mut self, worker: usize, done: usize) -> Option<OpSpec> {
        let target = self.final_target.get_or_insert_with(|| {
            let mut target = self.sent_max.clone();
            for (k, o) in &self.polled_max {
                raise(&mut target, k.clone(), *o);
            }
            target
        });
        match done {
            0 => Some(OpSpec::new("crash", Value::Null)),
            1 => {
                let keys: Vec<&String> = target.keys().collect();
                Some(OpSpec { seek_to_beginning: true, ..OpSpec::new("assign", json!(keys)) })
            }
            _ => {
                let polled = self.final_polled.get(&worker);
                let caught_up = target.iter().all(|(k, o)| polled.and_then(|p| p.get(k)).is_some_and(|p| p >= o));
                (!caught_up).then(|| OpSpec::new("poll", json!([["poll"]])))
            }
        }
    }
}

impl Generator for KafkaGenerator {
    fn next_op(&mut self, _worker: usize, rng: &mut ChaCha8Rng) -> Option<OpSpec> {
        if let Some(op) = self.pending.take() {
            return Some(op);
        }
        let (op, key) = self.send_or_poll(rng);
        if rng.gen_range(0..ASSIGN_ONE_IN) != 0 {
            return Some(op);
        }
        let mut keys = BTreeSet::from([key.to_string()]);
        let unpolled = self.unpolled_keys();
        if rng.gen_range(0..WIDEN_ONE_IN) == 0 && !unpolled.is_empty() {
            keys.extend(unpolled);
        }
        self.pending = Some(op);
        Some(OpSpec::new("assign", json!(keys.into_iter().collect::<Vec<_>>())))
    }

    fn side_stream(&self, concurrency: usize) -> Option<SideStream> {
        let max_gap_ns = (CRASH_GAP_S_TIMES_CONCURRENCY / concurrency.max(1) as f64 * 1e9) as u64;
        Some(SideStream { max_gap_ns, op: OpSpec::new("crash", Value::Null) })
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn final_op(&mut self, worker: usize, now_ns: u64, _rng: &mut ChaCha8Rng) -> FinalStep {
        let end_ns = *self.final_end_ns.get_or_insert(now_ns + FINAL_PHASE_NS);
        if now_ns >= end_ns {
            return FinalStep::Done;
        }
        let progress = self.final_progress.entry(worker).or_default().clone();
        if progress.not_before_ns > now_ns {
            return FinalStep::Wait(progress.not_before_ns.min(end_ns));
        }
        match self.nth_final_op(worker, progress.done) {
            Some(op) => FinalStep::Op(op),
            None => FinalStep::Done,
        }
    }

    fn update(&mut self, worker: usize, op: &OpSpec, completion: &Completion, now_ns: u64, rng: &mut ChaCha8Rng) {
        if self.final_end_ns.is_some() {
            // Final polls come every U[0, 0.4) s after the previous final op ended.
            let progress = self.final_progress.entry(worker).or_default();
            progress.done += 1;
            progress.not_before_ns = now_ns + rng.gen_range(0..FINAL_POLL_GAP_NS);
        }
        if completion.kind != OpType::Ok {
            return;
        }
        for (key, offset) in offsets_of(&completion.value) {
            match op.f.as_str() {
                "send" if self.final_target.is_none() => raise(&mut self.sent_max, key, offset),
                "poll" if self.final_target.is_none() => raise(&mut self.polled_max, key, offset),
                "poll" => raise(self.final_polled.entry(worker).or_default(), key, offset),
                _ => {}
            }
        }
    }
}

impl TestWorkload for Kafka {
    fn generator(&self) -> Box<dyn Generator> {
        Box::new(self.generator.clone())
    }

    fn client(&self) -> Box<dyn Client> {
        Box::new(KafkaClient::default())
    }

    fn client_reusable(&self) -> bool {
        false
    }

    fn check(&self, history: &[Op]) -> Checked {
        kafka::check(history)
    }
}
