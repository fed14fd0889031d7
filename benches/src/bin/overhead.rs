//! Prints the message-overhead, BP/RR-apart and delta-size tables of docs/benchmarks.md, one
//! kind of table per run (scripts/bench-overhead.sh, scripts/bench-apart.sh and
//! scripts/bench-sizes.sh pass the exact flags of the published tables).
//!
//! `cargo run --release -p glomer-benches --bin overhead -- --table overhead --updates 100,1000`

use anyhow::Context;
use clap::{Parser, ValueEnum};
use glomer_benches::overhead::OverheadError;
use glomer_benches::report::{apart_table, overhead_table, plan, sizes_table, Plan};
use glomer_benches::workload::{GSetInserts, LwwMapWrites, PNCounterAdds, Workload};

/// Which table to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Table {
    /// Messages and bytes per update: full state, classic δ, BP+RR δ.
    Overhead,
    /// Messages and bytes per update: classic δ, BP only, RR only, BP+RR.
    Apart,
    /// Delta-group size against state size.
    Sizes,
}

/// Message overhead per update (exact counts from the simulator) and delta-group sizes.
#[derive(Debug, Parser)]
struct Args {
    /// The table to print.
    #[arg(long, value_enum, default_value_t = Table::Overhead)]
    table: Table,
    /// Update counts to run.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1_000, 10_000, 100_000])]
    updates: Vec<u64>,
    /// Run the protocols whose simulation cost is quadratic (all but BP+RR) only up to this
    /// many updates.
    #[arg(long, default_value_t = 1_000)]
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
    if args.table == Table::Sizes {
        println!("{}", sizes_table(&args.elements));
        return Ok(());
    }
    let mut plan = plan(args.updates, args.unoptimised_max);
    if !args.topologies.is_empty() {
        plan.topologies = args.topologies;
    }
    let wants = |name: &str| args.types.is_empty() || args.types.iter().any(|t| t.eq_ignore_ascii_case(name));
    if wants("gset") {
        println!("{}", table::<GSetInserts>(args.table, &plan).context("GSet")?);
    }
    if wants("pncounter") {
        println!("{}", table::<PNCounterAdds>(args.table, &plan).context("PNCounter")?);
    }
    if wants("lwwmap") {
        println!("{}", table::<LwwMapWrites>(args.table, &plan).context("LwwMap")?);
    }
    Ok(())
}

fn table<W: Workload>(table: Table, plan: &Plan) -> Result<String, OverheadError> {
    match table {
        Table::Apart => apart_table::<W>(plan),
        _ => overhead_table::<W>(plan),
    }
}
