//! The test's scheduling, client and phase rules, observed through sim runs.

mod support;

use glomer_harness::history::{OpType, Process};
use support::{run_sim, short_config};

#[test]
fn the_global_rate_gives_about_rate_times_limit_ops() {
    let mut config = short_config("echo", 3);
    config.rate = 20.0;
    config.time_limit_s = 100.0;
    let report = run_sim(&config, "echo");
    let invokes = report.history.iter().filter(|op| op.kind == OpType::Invoke).count();
    assert!((1800..=2200).contains(&invokes), "seed {}: {invokes} ops, expected about 2000", config.seed);
}

#[test]
fn no_op_is_invoked_after_the_time_limit_from_the_first_op() {
    let report = run_sim(&short_config("echo", 1), "echo");
    let first = report.history.first().expect("ops").time_ns;
    let last = report.history.iter().filter(|op| op.kind == OpType::Invoke).map(|op| op.time_ns).max().expect("ops");
    assert!(last < first + 5_000_000_000, "last op {last} ns, first {first} ns");
    assert!(last > first + 4_000_000_000, "the main phase ended early: last op {last} ns, first {first} ns");
}

#[test]
fn final_reads_come_ten_seconds_after_the_heal() {
    let mut config = short_config("broadcast", 3);
    config.nemesis.partition = true;
    let report = run_sim(&config, "broadcast");
    let heal = report.history.iter().rposition(|op| op.f == "stop-partition").expect("a heal");
    let heal_ns = report.history[heal].time_ns;
    let finals: Vec<_> = report.history.iter().filter(|op| op.is_final).collect();
    assert_eq!(finals.len(), 6, "invoke and ok of one final read per worker");
    assert!(finals.iter().all(|op| op.time_ns >= heal_ns + 10_000_000_000 && op.index > heal));
    let last_main = report.history[..heal].iter().filter(|op| op.is_client()).map(|op| op.time_ns).max();
    assert!(last_main <= Some(heal_ns), "the heal came before the main phase drained");
}

#[test]
fn clients_are_numbered_after_init_and_setup_clients() {
    let mut config = short_config("echo", 2);
    config.concurrency = 2;
    let report = run_sim(&config, "echo-src");
    let mut ids: Vec<String> = report
        .history
        .iter()
        .filter(|op| op.kind == OpType::Ok)
        .filter_map(|op| op.value["echo"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids, ["c4", "c5"], "two init and two setup clients come first");
}

#[test]
fn a_reply_with_an_extra_field_is_info_with_a_malformed_response_exception() {
    let report = run_sim(&short_config("echo", 1), "echo-extra-field");
    let completions: Vec<_> = report.history.iter().filter(|op| op.kind != OpType::Invoke).collect();
    assert!(!completions.is_empty());
    for op in completions {
        assert_eq!(op.kind, OpType::Info);
        assert!(op.exception.as_deref().is_some_and(|e| e.contains("unexpected field \"extra\"")), "{op:?}");
    }
}

#[test]
fn nemesis_ops_alternate_and_start_with_a_partition() {
    let mut config = short_config("g-set", 5);
    config.nemesis.partition = true;
    config.nemesis_interval_s = 0.5;
    let report = run_sim(&config, "g-set");
    let nemesis: Vec<&str> =
        report.history.iter().filter(|op| op.process == Process::Nemesis).map(|op| op.f.as_str()).collect();
    assert!(nemesis.len() >= 8, "{nemesis:?}");
    assert_eq!(nemesis[0], "start-partition");
    for pair in nemesis.chunks(2) {
        assert_eq!(pair[0], pair[1], "invoke and completion of one op");
    }
    let ops: Vec<&str> = nemesis.iter().step_by(2).copied().collect();
    // The final heal is issued whatever state the main phase left (the nemesis package's final
    // generator), so only the main-phase ops alternate.
    let (final_heal, main) = ops.split_last().expect("ops");
    assert!(main.windows(2).all(|w| w[0] != w[1]), "{ops:?}");
    assert_eq!(*final_heal, "stop-partition", "healed before the final phase");
}
