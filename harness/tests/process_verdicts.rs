//! The process executor runs real binaries (examples/test_node.rs) and judges them as the sim
//! executor does; crashes and bad arguments give Maelstrom's exit statuses.

mod support;

use std::process::Command;

use glomer_harness::config::{ExecutorKind, TestConfig};
use glomer_harness::history::{OpType, Process, Validity};
use glomer_harness::nemesis::Faults;
use glomer_harness::run::{run, RunError};

fn config(workload: &str, node_count: usize, behaviour: &str, out: &str) -> TestConfig {
    let mut config = TestConfig::new(workload, node_count);
    config.executor = ExecutorKind::Process;
    config.bin = support::test_node();
    config.node_args = vec![behaviour.to_owned()];
    config.time_limit_s = 2.0;
    config.rate = 20.0;
    config.seed = 7;
    config.out = std::env::temp_dir().join("glomer-harness-tests").join(out);
    config
}

#[test]
fn process_echo_correct_is_valid_and_wrong_is_invalid() {
    let good = run(&config("echo", 1, "echo", "echo-good")).expect("run");
    assert!(good.history.iter().filter(|op| op.kind == OpType::Ok).count() > 10);
    let bad = run(&config("echo", 1, "echo-wrong", "echo-bad")).expect("run");
    assert_eq!(good.valid(), Validity::True, "{}", good.analysis.results);
    assert_eq!(bad.valid(), Validity::False, "{}", bad.analysis.results);
}

#[test]
fn process_broadcast_that_never_gossips_is_invalid_and_flooding_is_valid() {
    let good = run(&config("broadcast", 3, "broadcast", "bcast-good")).expect("run");
    let bad = run(&config("broadcast", 3, "broadcast-no-gossip", "bcast-bad")).expect("run");
    assert!(good.net.servers.send_count > 0, "no gossip was routed");
    assert_eq!(good.valid(), Validity::True, "{}", good.analysis.results);
    assert_eq!(bad.valid(), Validity::False, "{}", bad.analysis.results["workload"]);
}

#[test]
fn process_counter_that_double_counts_is_invalid() {
    let bad = run(&config("g-counter", 2, "counter-double", "counter-bad")).expect("run");
    assert_eq!(bad.valid(), Validity::False, "{}", bad.analysis.results["workload"]);
}

#[test]
fn a_node_that_exits_aborts_the_run_with_255_and_its_stderr() {
    let err = match run(&config("echo", 1, "crash", "crash")) {
        Err(err) => err,
        Ok(report) => panic!("a crashed node gave a verdict: {:?}", report.valid()),
    };
    assert_eq!(err.exit_code(), 255);
    let text = err.to_string();
    assert!(text.contains("n0") && text.contains("crashing on purpose"), "{text}");
    assert!(matches!(err, RunError::Test(_)));
}

#[test]
fn glomer_exits_254_on_bad_arguments_naming_the_flag() {
    let out = Command::new(env!("CARGO_BIN_EXE_glomer"))
        .args(["test", "-w", "echo", "--bin", "/bin/true", "--latency-dist", "exponential"])
        .output()
        .expect("glomer runs");
    assert_eq!(out.status.code(), Some(254));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--latency-dist"));
}

#[test]
fn glomer_passes_trailing_arguments_to_the_node() {
    let node = support::test_node();
    let out_dir = std::env::temp_dir().join("glomer-harness-tests").join("cli-echo");
    let out = Command::new(env!("CARGO_BIN_EXE_glomer"))
        .args(["test", "-w", "echo", "--node-count", "1", "--time-limit", "1", "--rate", "20", "--seed", "3"])
        .arg("--bin")
        .arg(&node)
        .arg("--out")
        .arg(&out_dir)
        .arg("echo") // the behaviour, a trailing argument
        .output()
        .expect("glomer runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("latency echo"), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out_dir.join("results.json").exists() && out_dir.join("latency.svg").exists());
}

#[test]
fn a_node_printing_garbage_is_muted_and_the_line_reported() {
    let mut config = config("echo", 1, "garbage", "garbage");
    config.time_limit_s = 1.0;
    let err = match run(&config) {
        Err(err) => err,
        Ok(report) => panic!("init should fail once the node is muted: {:?}", report.problems),
    };
    // Muted before init_ok was read, the node never answers init: the run aborts (Maelstrom's doc/protocol.md).
    let text = err.to_string();
    assert_eq!(err.exit_code(), 255);
    assert!(
        text.contains("n0")
            && text.contains("init_ok")
            && text.contains("muted")
            && text.contains("this is not a message"),
        "{text}"
    );
}

#[test]
fn a_missing_bin_is_a_bad_argument_naming_it() {
    let mut config = config("echo", 1, "echo", "missing-bin");
    config.bin = "/nonexistent/glomer-node".into();
    let err = run(&config).expect_err("no verdict without a binary");
    assert_eq!(err.exit_code(), 254);
    assert!(err.to_string().contains("--bin"), "{err}");
}

#[test]
fn process_kill_restarts_nodes_in_their_own_directories_and_pause_resumes_them() {
    let mut config = config("echo", 3, "echo", "echo-kill");
    config.time_limit_s = 4.0;
    config.nemesis = Faults { partition: false, kill: true, pause: true };
    config.nemesis_interval_s = 0.3;
    // The store of an earlier run of this test would hold earlier starts.
    let _ = std::fs::remove_dir_all(&config.out);
    let report = run(&config).expect("run");
    let nemesis: Vec<_> = report.history.iter().filter(|op| op.process == Process::Nemesis).collect();
    let did = |f: &str, result: &str| -> Vec<(String, u64)> {
        let done = nemesis.iter().filter(|op| op.f == f && op.value.is_object());
        done.flat_map(|op| {
            let hit = op.value.as_object().into_iter().flatten().filter(|(_, v)| *v == result);
            hit.map(|(node, _)| (node.clone(), op.time_ns)).collect::<Vec<_>>()
        })
        .collect()
    };
    let restarts = did("start", "started");
    assert!(!restarts.is_empty(), "no node was restarted: {:?}", nemesis.iter().map(|op| &op.f).collect::<Vec<_>>());
    assert!(!did("pause", "paused").is_empty() && !did("resume", "resumed").is_empty(), "no pause and resume");
    // test_node appends a line to `starts` in its working directory each time it starts.
    let starts = |node: &str| {
        let text = std::fs::read_to_string(config.out.join("nodes").join(node).join("starts")).unwrap_or_default();
        text.lines().count()
    };
    for (node, _) in &restarts {
        let lives = restarts.iter().filter(|(n, _)| n == node).count() + 1;
        assert_eq!(starts(node), lives, "{node} was not started again in its own directory");
    }
    assert!(report.faults.iter().any(|p| p.fault == glomer_harness::nemesis::Fault::Kill));
    // Maelstrom's echo checker counts ops that timed out on a dead node as wrong echoes, so
    // only the ops that completed `:ok` are checked here.
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let mut oks = report.history.iter().filter(|op| op.kind == OpType::Ok);
    assert!(oks.clone().count() > 10 && oks.all(|op| op.value["type"] == "echo_ok"));
}
