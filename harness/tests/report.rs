//! The report a run leaves in its store folder: every page and figure index.html links is
//! written, and messages.svg draws the journaled window, partitions included.

mod support;

use glomer_harness::net::journal::MessageWindow;
use glomer_harness::run::write_store;

#[test]
fn a_partitioned_broadcast_run_writes_every_linked_page_and_draws_its_drops() {
    let mut config = support::short_config("broadcast", 3);
    config.nemesis.partition = true;
    config.nemesis_interval_s = 1.0;
    config.latency_ms = 20;
    config.message_window = MessageWindow { from_ns: 1_000_000_000, to_ns: u64::MAX, max_messages: 300 };
    let report = support::run_sim(&config, "broadcast");
    let dir = std::env::temp_dir().join(format!("glomer-report-test-{}", std::process::id()));
    write_store(&dir, &report).expect("store written");

    let index = std::fs::read_to_string(dir.join("index.html")).expect("index.html");
    for linked in ["timeline.html", "messages.svg", "results.json", "history.json", "latency-raw.svg", "rate.svg"] {
        assert!(index.contains(&format!("\"{linked}\"")), "index.html links {linked}");
        assert!(dir.join(linked).is_file(), "{linked} written");
    }
    let messages = std::fs::read_to_string(dir.join("messages.svg")).expect("messages.svg");
    assert!(messages.contains("300 of "), "the window's limit is kept and said");
    assert!(messages.contains("dropped"), "messages refused by a partition are drawn (seed {})", config.seed);
    assert!(messages.contains(">partition</text>"), "the partition is shaded");
    assert!(!messages.contains(">0.000 s</text>"), "nothing before --diagram-from");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
