//! The kafka workload end to end: `glomer-kafka` judged valid on shortened Glomers 5a-5c runs
//! (sim executor, many seeds; one process run of the real binary), and deliberately faulty
//! single-node logs judged invalid for the reason their fault predicts.
//!
//! Full-length runs and their figures are in docs/kafka.md, with their commands.

mod support;

use std::collections::BTreeMap;

use glomer_adapters::workloads::BoxedWorkload;
use glomer_adapters::{Body, Context, Error, Message, Workload};
use glomer_harness::config::{ExecutorKind, TestConfig};
use glomer_harness::executor::sim::SimExecutor;
use glomer_harness::history::Validity;
use glomer_harness::run::{run, run_with, Report};
use glomer_harness::workload;
use serde_json::{json, Value};

/// Seeds of the many-seed sim runs.
const SEEDS: u64 = 20;

/// A shortened Glomers 5a-5c run: `--concurrency 2n`, 4 s at 200 ops/s instead of 20 s at
/// 1,000, so every seed stays well under a second of CPU; the final phase is the real one.
fn short_5(node_count: usize, seed: u64) -> TestConfig {
    let mut config = TestConfig::new("kafka", node_count);
    config.concurrency = 2 * node_count;
    config.time_limit_s = 4.0;
    config.rate = 200.0;
    config.seed = seed;
    config.out = std::env::temp_dir().join("glomer-kafka-tests").join(format!("{node_count}-{seed}"));
    config
}

fn error_types(report: &Report) -> Vec<String> {
    let kafka = &report.analysis.results["workload"];
    serde_json::from_value(kafka["error-types"].clone()).unwrap_or_default()
}

fn assert_valid(report: &Report, what: &str) {
    assert_eq!(report.valid(), Validity::True, "{what}: {:#}", report.analysis.results);
}

/// Every client op but the `crash`es (always `:info`, by design) completed `:ok`.
fn assert_available_but_for_crashes(report: &Report, what: &str) {
    let failed: Vec<_> = report
        .history
        .iter()
        .filter(|op| op.f != "crash" && !matches!(op.kind, glomer_harness::history::OpType::Invoke))
        .filter(|op| op.kind != glomer_harness::history::OpType::Ok)
        .collect();
    assert!(failed.is_empty(), "{what}: ops that did not complete ok: {failed:?}");
}

#[test]
fn glomer_kafka_is_valid_and_available_on_one_two_and_five_nodes_across_seeds() {
    for seed in 0..SEEDS {
        for node_count in [1, 2] {
            let mut config = short_5(node_count, seed);
            config.executor = ExecutorKind::Sim;
            let report = run(&config).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
            let what = format!("seed {seed}, {node_count} nodes");
            assert_valid(&report, &what);
            assert_available_but_for_crashes(&report, &what);
        }
    }
    let mut config = short_5(5, 7);
    config.latency_ms = 100;
    let report = run(&config).expect("runs");
    assert_valid(&report, "5 nodes, latency 100");
}

/// Partitions drop forwards (sends answered with error 0, hence `:info`) and gossip; after the
/// heal every acknowledged message must still reach every node before the final polls.
#[test]
fn glomer_kafka_stays_valid_through_partitions_and_repairs_replicas_after_the_heal() {
    let mut cut_off_sends = 0;
    for seed in 0..5 {
        let mut config = short_5(2, seed);
        config.time_limit_s = 8.0;
        config.nemesis.partition = true;
        config.nemesis_interval_s = 2.0;
        let report = run(&config).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_valid(&report, &format!("seed {seed}, partitions"));
        let info = glomer_harness::history::OpType::Info;
        cut_off_sends += report.history.iter().filter(|op| op.f == "send" && op.kind == info).count();
    }
    assert!(cut_off_sends > 0, "the partitions never cut a send off its owner: the test proves nothing");
}

#[test]
fn glomer_kafka_sends_under_one_server_message_per_op_on_two_nodes() {
    let mut config = short_5(2, 3);
    config.rate = 1_000.0;
    let report = run(&config).expect("runs");
    assert_valid(&report, "2 nodes at rate 1000");
    let per_op = report.analysis.results["net"]["servers"]["msgs-per-op"].as_f64().unwrap_or(f64::MAX);
    assert!(per_op < 1.0, "servers msgs-per-op {per_op}");
}

#[test]
fn the_glomer_kafka_binary_passes_a_short_5c_as_processes() {
    let mut config = short_5(2, 11);
    config.time_limit_s = 3.0;
    config.executor = ExecutorKind::Process;
    config.bin = support::node_bin("glomer-kafka");
    let report = run(&config).expect("runs");
    assert_valid(&report, "process run");
    assert_available_but_for_crashes(&report, "process run");
}

/// How a single-node test log misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// A correct log.
    None,
    /// Acknowledges every fifth send but never stores it: polls pass over its offset.
    LoseWrite,
    /// Every poll leaves out the first message it should return.
    SkipOnPoll,
    /// The n-th send to a key gets offset n XOR 1, so consecutive sends get 1, 0, 3, 2, …
    NonMonotonicSend,
    /// Acknowledges commits and lists none.
    ForgetCommits,
}

/// A one-node kafka with every log a map from offset to message (`None`: lost).
#[derive(Debug)]
struct TestLog {
    fault: Fault,
    logs: BTreeMap<String, BTreeMap<u64, Option<Value>>>,
    committed: BTreeMap<String, i64>,
    sends: u64,
}

impl TestLog {
    fn new(fault: Fault) -> Self {
        TestLog { fault, logs: BTreeMap::new(), committed: BTreeMap::new(), sends: 0 }
    }

    fn send(&mut self, key: String, msg: Value) -> u64 {
        self.sends += 1;
        let log = self.logs.entry(key).or_default();
        let n = log.len() as u64;
        let offset = if self.fault == Fault::NonMonotonicSend { n ^ 1 } else { n };
        let lost = self.fault == Fault::LoseWrite && self.sends.is_multiple_of(5);
        log.insert(offset, (!lost).then_some(msg));
        offset
    }

    /// The messages from `from` on, up to the first offset not yet written (lost ones are
    /// passed over, as a log with a hole would).
    fn poll(&self, key: &str, from: u64) -> Vec<Value> {
        let Some(log) = self.logs.get(key) else { return Vec::new() };
        let mut out = Vec::new();
        let mut next = from;
        while let Some(entry) = log.get(&next) {
            if let Some(msg) = entry {
                out.push(json!([next, msg]));
            }
            next += 1;
        }
        if self.fault == Fault::SkipOnPoll && !out.is_empty() {
            out.remove(0);
        }
        out
    }
}

impl Workload for TestLog {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let field = |name: &str| msg.body.get(name).cloned().unwrap_or(Value::Null);
        let reply = match &*msg.body.kind {
            "send" => {
                let offset = self.send(field("key").as_str().unwrap_or_default().to_owned(), field("msg"));
                Body::new("send_ok").with("offset", offset)
            }
            "poll" => {
                let mut msgs = serde_json::Map::new();
                for (k, from) in field("offsets").as_object().into_iter().flatten() {
                    let pairs = self.poll(k, from.as_u64().unwrap_or(0));
                    if !pairs.is_empty() {
                        msgs.insert(k.clone(), Value::Array(pairs));
                    }
                }
                Body::new("poll_ok").with("msgs", msgs)
            }
            "commit_offsets" => {
                for (k, o) in field("offsets").as_object().into_iter().flatten() {
                    let committed = self.committed.entry(k.clone()).or_insert(0);
                    *committed = (*committed).max(o.as_i64().unwrap_or(0));
                }
                Body::new("commit_offsets_ok")
            }
            "list_committed_offsets" => {
                let listed = if self.fault == Fault::ForgetCommits { BTreeMap::new() } else { self.committed.clone() };
                Body::new("list_committed_offsets_ok").with("offsets", json!(listed))
            }
            other => return Err(Error::not_supported(other)),
        };
        ctx.reply(&msg, reply);
        Ok(())
    }
}

fn run_test_log(fault: Fault, seed: u64) -> Report {
    let config = short_5(1, seed);
    let workload = workload::build(&config).expect("kafka");
    let mut exec = SimExecutor::new(move || -> BoxedWorkload { Box::new(TestLog::new(fault)) });
    run_with(&config, workload, &mut exec).unwrap_or_else(|e| panic!("seed {seed}: {e}"))
}

#[test]
fn a_correct_test_log_is_valid_so_the_faults_below_are_what_the_checker_sees() {
    assert_valid(&run_test_log(Fault::None, 1), "correct test log");
}

/// Runs `fault` and asserts the verdict is invalid with `expected` among the error types.
fn assert_detected(fault: Fault, expected: &str) {
    let report = run_test_log(fault, 1);
    assert_eq!(report.valid(), Validity::False, "{fault:?} went unnoticed: {:#}", report.analysis.results);
    let types = error_types(&report);
    assert!(types.iter().any(|t| t == expected), "{fault:?}: expected {expected}, got {types:?}");
}

#[test]
fn a_log_that_loses_an_acknowledged_write_is_a_lost_write() {
    assert_detected(Fault::LoseWrite, "lost-write");
}

#[test]
fn a_log_that_skips_an_offset_on_poll_is_a_poll_skip() {
    assert_detected(Fault::SkipOnPoll, "poll-skip");
}

#[test]
fn a_log_that_hands_a_client_a_lower_offset_for_a_later_send_is_a_nonmonotonic_send() {
    assert_detected(Fault::NonMonotonicSend, "nonmonotonic-send");
}

/// Forgetting committed offsets makes clients start from 0 after an assign, which re-reads
/// messages: Kafka's at-least-once delivery. The checker never reads committed offsets and
/// forgets a process's position on every newly assigned key (Maelstrom's doc/workloads.md), so no history can
/// show this fault; the test pins that, so nobody mistakes a valid verdict for proof that a
/// node keeps its commits (glomer-kafka's are checked by its unit tests and replicated).
#[test]
fn a_log_that_forgets_committed_offsets_only_re_reads_which_the_checker_allows() {
    let report = run_test_log(Fault::ForgetCommits, 1);
    assert_valid(&report, "forgotten commits");
    let assigns_seeing_commits = report.history.iter().filter(|op| op.f == "assign").count();
    assert!(assigns_seeing_commits > 0, "the run must assign keys for this to mean anything");
}
