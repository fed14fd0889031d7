//! Kill and pause under the sim executor: in-memory nodes that lose what they acknowledged are
//! caught, nodes with nothing to lose stay valid, a pause loses nothing, and every fault is
//! recorded.

mod support;

use glomer_harness::config::TestConfig;
use glomer_harness::executor::sim::SimExecutor;
use glomer_harness::history::{OpType, Process, Validity};
use glomer_harness::nemesis::{Fault, Faults};
use glomer_harness::run::{run_with, Report};
use glomer_harness::workload;

const KILL: Faults = Faults { partition: false, kill: true, pause: false };
const PAUSE: Faults = Faults { partition: false, kill: false, pause: true };

/// `workload` on `nodes` glomer nodes (the adapters' registry) for 20 s under `faults`.
fn run_glomer_node(workload: &str, nodes: usize, faults: Faults, seed: u64) -> Report {
    let config = support::nemesis_config(workload, nodes, faults, seed);
    let mut exec = SimExecutor::from_registry(workload, &[]).expect("a glomer node");
    let workload = workload::build(&config).expect("known workload");
    run_with(&config, workload, &mut exec).unwrap_or_else(|e| panic!("seed {seed}: run failed: {e}"))
}

fn nemesis_fs(report: &Report) -> Vec<&str> {
    report.history.iter().filter(|op| op.process == Process::Nemesis).map(|op| op.f.as_str()).collect()
}

#[test]
fn an_in_memory_g_counter_forgets_acknowledged_adds_when_killed() {
    let seed = 1;
    let report = run_glomer_node("g-counter", 3, KILL, seed);
    assert!(nemesis_fs(&report).contains(&"kill"), "seed {seed}: no kill happened");
    assert_eq!(report.valid(), Validity::False, "seed {seed}: {}", report.analysis.results["workload"]);
}

#[test]
fn an_in_memory_broadcast_node_loses_acknowledged_values_when_killed() {
    let seed = 1;
    let report = run_glomer_node("broadcast", 5, KILL, seed);
    assert_eq!(report.valid(), Validity::False, "seed {seed}: {}", report.analysis.results["workload"]);
    assert!(report.analysis.results["workload"]["lost-count"].as_u64() > Some(0), "seed {seed}");
}

/// A unique-ids node keeps nothing worth keeping: each life draws a fresh random prefix, so a
/// restart cannot repeat an id. (Echo would not do here: Maelstrom's echo checker counts every
/// `:info` op, such as a request to a dead node, as a wrong echo.)
#[test]
fn a_unique_ids_node_with_nothing_to_lose_stays_valid_under_kill() {
    for seed in 1..=3 {
        let report = run_glomer_node("unique-ids", 3, KILL, seed);
        assert!(nemesis_fs(&report).contains(&"start"), "seed {seed}: no restart happened");
        assert_eq!(report.valid(), Validity::True, "seed {seed}: {}", report.analysis.results);
    }
}

#[test]
fn broadcast_stays_valid_under_pause() {
    for seed in 1..=3 {
        let report = run_glomer_node("broadcast", 5, PAUSE, seed);
        assert!(nemesis_fs(&report).contains(&"pause"), "seed {seed}: no pause happened");
        assert_eq!(report.valid(), Validity::True, "seed {seed}: {}", report.analysis.results);
    }
}

#[test]
fn every_kill_and_pause_is_a_nemesis_op_pair_and_a_fault_period() {
    let faults = Faults { partition: true, kill: true, pause: true };
    let report = run_glomer_node("broadcast", 5, faults, 4);
    let fs = nemesis_fs(&report);
    for f in ["start-partition", "stop-partition", "kill", "start", "pause", "resume"] {
        assert!(fs.contains(&f), "seed 4: no {f} in {fs:?}");
    }
    let nemesis: Vec<_> = report.history.iter().filter(|op| op.process == Process::Nemesis).collect();
    assert!(nemesis.iter().all(|op| op.kind == OpType::Info));
    for pair in nemesis.chunks(2) {
        assert_eq!(pair[0].f, pair[1].f, "seed 4: invocation and completion of one op");
    }
    let kill = nemesis.iter().find(|op| op.f == "kill" && op.value.is_object()).expect("a kill completion");
    assert!(kill.value.as_object().is_some_and(|m| m.values().any(|v| v == "killed")), "{}", kill.value);
    // The final heal undoes everything: every period ends.
    assert!(report.faults.iter().all(|p| p.end_ns.is_some_and(|end| end >= p.start_ns)), "{:?}", report.faults);
    for fault in [Fault::Partition, Fault::Kill, Fault::Pause] {
        assert!(report.faults.iter().any(|p| p.fault == fault), "seed 4: no {fault:?} period");
    }
}

#[test]
fn sim_runs_under_kill_and_pause_replay_exactly() {
    let faults = Faults { partition: true, kill: true, pause: true };
    let a = run_glomer_node("g-set", 3, faults, 9);
    let b = run_glomer_node("g-set", 3, faults, 9);
    assert_eq!(a.history, b.history, "seed 9");
}

/// A request that timed out on a paused node retires its client; when the node resumes it
/// answers that client. Upstream that mutes the node; glomer drops the reply (docs/harness.md),
/// so the node keeps serving.
#[test]
fn a_resumed_node_answering_a_retired_client_is_not_muted() {
    let seed = 1;
    let mut config = TestConfig::new("echo", 3);
    config.time_limit_s = 30.0;
    config.rate = 10.0;
    config.nemesis = PAUSE;
    config.nemesis_interval_s = 10.0;
    config.seed = seed;
    let mut exec = SimExecutor::from_registry("echo", &[]).expect("a glomer node");
    let report = run_with(&config, workload::build(&config).expect("echo"), &mut exec).expect("run");
    let first_info = report.history.iter().find(|op| op.kind == OpType::Info && op.is_client());
    let Some(timed_out) = first_info else { panic!("seed {seed}: no request timed out on a paused node") };
    let Process::Client(process) = timed_out.process else { unreachable!("nemesis ops are not client ops") };
    assert!(report.problems.is_empty(), "seed {seed}: {:?}", report.problems);
    // Worker w talks to node w (concurrency = node count), and process p belongs to worker p mod 3.
    let node = process % 3;
    let served_after = report.history.iter().any(|op| {
        op.kind == OpType::Ok
            && op.time_ns > timed_out.time_ns
            && matches!(op.process, Process::Client(p) if p % 3 == node)
    });
    assert!(served_after, "seed {seed}: node n{node} stopped answering after its client timed out");
}
