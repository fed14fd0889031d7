//! Prints the message-overhead and delta-size tables of docs/benchmarks.md.
//!
//! `cargo run --release -p glomer-benches --bin overhead -- --updates 100,1000,10000,100000`

use anyhow::Context;
use clap::Parser;
use glomer_benches::report::{overhead_table, plan, sizes_table};
use glomer_benches::workload::{GSetInserts, LwwMapWrites, PNCounterAdds};

/// Message overhead per update (exact counts from the simulator) and delta-group sizes.
#[derive(Debug, Parser)]
struct Args {
    /// Update counts to run.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1_000, 10_000])]
    updates: Vec<u64>,
    /// Run full-state and classic delta only up to this many updates (their cost is quadratic).
    #[arg(long, default_value_t = 10_000)]
    unoptimised_max: u64,
    /// Topologies (default: line, ring, tree:4, star, total, random:4).
    #[arg(long, value_delimiter = ',')]
    topologies: Vec<String>,
    /// Types to run: gset, pncounter, lwwmap (default: all).
    #[arg(long, value_delimiter = ',')]
    types: Vec<String>,
    /// Element counts of the delta-size table.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1_000, 10_000, 100_000])]
    elements: Vec<u64>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut plan = plan(args.updates, args.unoptimised_max);
    if !args.topologies.is_empty() {
        plan.topologies = args.topologies;
    }
    let wants = |name: &str| args.types.is_empty() || args.types.iter().any(|t| t.eq_ignore_ascii_case(name));
    println!("## Message overhead\n");
    if wants("gset") {
        println!("{}", overhead_table::<GSetInserts>(&plan).context("GSet")?);
    }
    if wants("pncounter") {
        println!("{}", overhead_table::<PNCounterAdds>(&plan).context("PNCounter")?);
    }
    if wants("lwwmap") {
        println!("{}", overhead_table::<LwwMapWrites>(&plan).context("LwwMap")?);
    }
    println!("## Delta-group size against state size\n");
    println!("{}", sizes_table(&args.elements));
    Ok(())
}
