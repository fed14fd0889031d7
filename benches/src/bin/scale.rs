//! Prints the scale and engine-memory tables of docs/benchmarks.md (scripts/bench-scale.sh and
//! scripts/bench-memory.sh pass the exact flags of the published tables).
//!
//! `cargo run --release -p glomer-benches --bin scale -- --table scale --nodes 100 --topologies random:4`

use clap::{Parser, ValueEnum};
use glomer_benches::footprint::memory_tables;
use glomer_benches::memory::CountingAllocator;
use glomer_benches::scale::scale_table;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Which table to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Table {
    /// Messages, bytes, rounds, memory and run time of the simulator at scale.
    Scale,
    /// Heap bytes of one engine per neighbour and per buffered delta-group.
    Memory,
}

/// Scale by simulation, and what one engine holds.
#[derive(Debug, Parser)]
struct Args {
    /// The table to print.
    #[arg(long, value_enum, default_value_t = Table::Scale)]
    table: Table,
    /// Replica counts.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1_000])]
    nodes: Vec<usize>,
    /// Topologies, as `Topology` parses them.
    #[arg(long, value_delimiter = ',', default_values_t = ["random:4".to_string(), "tree:4".to_string(), "stars:10".to_string()])]
    topologies: Vec<String>,
    /// Rounds of updates per run.
    #[arg(long, default_value_t = 10)]
    rounds: u64,
    /// Seed of the topology (random:K) and the network.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match args.table {
        Table::Memory => print!("{}", memory_tables()),
        Table::Scale => {
            for (index, &nodes) in args.nodes.iter().enumerate() {
                let table = scale_table(nodes, &args.topologies, args.rounds, args.seed)?;
                // One table: the header only once.
                let skip = if index == 0 { 0 } else { 2 };
                table.lines().skip(skip).for_each(|line| println!("{line}"));
            }
        }
    }
    Ok(())
}
