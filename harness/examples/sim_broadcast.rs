//! Times the sim executor on Glomers challenge 3d's shape: 25 nodes, 20 s, 100 ops/s, 100 ms
//! latency, with the flooding test node (each new value sent once to every peer).
//!
//! `cargo run --release -p glomer-harness --example sim_broadcast [SEED]`

#[path = "../tests/support/nodes.rs"]
mod nodes;

use std::time::Instant;

use glomer_harness::config::TestConfig;
use glomer_harness::executor::sim::SimExecutor;
use glomer_harness::run::run_with;
use glomer_harness::workload;

fn main() -> anyhow::Result<()> {
    let mut config = TestConfig::new("broadcast", 25);
    config.time_limit_s = 20.0;
    config.rate = 100.0;
    config.latency_ms = 100;
    config.seed = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1);
    let started = Instant::now();
    let mut exec = SimExecutor::new(|| nodes::build("broadcast-flood").expect("known behaviour"));
    let report = run_with(&config, workload::build(&config).map_err(anyhow::Error::msg)?, &mut exec)?;
    let elapsed = started.elapsed();
    println!(
        "seed {}: {} history records, {} messages, {:.3} s wall ({:.0} messages/s)",
        config.seed,
        report.history.len(),
        report.net.all.send_count,
        elapsed.as_secs_f64(),
        report.net.all.send_count as f64 / elapsed.as_secs_f64()
    );
    println!("servers msgs-per-op: {}", report.analysis.results["net"]["servers"]["msgs-per-op"]);
    Ok(())
}
