//! Message overhead (the three protocols, and BP and RR apart), delta sizes, engine memory and a
//! 100-replica scale run: exact counts from the deterministic simulator and a counting
//! allocator, printed as the tables of docs/benchmarks.md. Nothing here is timed, so it is a
//! plain program rather than a criterion bench; `cargo bench -p glomer-benches` runs it with the
//! other benches.
//!
//! This target runs 10^2 to 10^4 updates (the quadratic protocols up to 10^3); the figures of the
//! doc come from the `overhead` and `scale` binaries, run by scripts/bench-overhead.sh,
//! bench-apart.sh, bench-sizes.sh, bench-memory.sh and bench-scale.sh.

use glomer_benches::footprint::memory_tables;
use glomer_benches::memory::CountingAllocator;
use glomer_benches::report::{apart_table, overhead_table, plan, sizes_table};
use glomer_benches::scale::scale_table;
use glomer_benches::workload::{GSetInserts, LwwMapWrites, PNCounterAdds};

// Nothing here is timed, so counting allocations costs no figure; the memory tables need it.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn main() {
    // `cargo test --benches` runs bench targets once to check them: keep that to a smoke run.
    let quick = std::env::args().all(|arg| arg != "--bench");
    let plan = if quick { plan(vec![100], 100) } else { plan(vec![100, 1_000, 10_000], 1_000) };
    let elements: &[u64] = if quick { &[100, 1_000] } else { &[100, 1_000, 10_000, 100_000] };
    let tables = [
        overhead_table::<GSetInserts>(&plan),
        overhead_table::<PNCounterAdds>(&plan),
        overhead_table::<LwwMapWrites>(&plan),
        apart_table::<GSetInserts>(&plan),
        apart_table::<PNCounterAdds>(&plan),
        apart_table::<LwwMapWrites>(&plan),
    ];
    println!("## Message overhead\n");
    for table in tables {
        match table {
            Ok(table) => println!("{table}"),
            Err(error) => {
                eprintln!("overhead: {error}");
                std::process::exit(1);
            }
        }
    }
    println!("## Delta-group size against state size\n");
    println!("{}", sizes_table(elements));
    if !quick {
        println!("## Engine memory\n");
        println!("{}", memory_tables());
    }
    // The 1,000-replica rows take minutes: scripts/bench-scale.sh runs them.
    let (nodes, rounds) = if quick { (20, 2) } else { (100, 10) };
    let topologies = ["random:4", "tree:4", "stars:10"].map(String::from);
    match scale_table(nodes, &topologies, rounds, 1) {
        Ok(table) => println!("## Scale by simulation\n\n{table}"),
        Err(error) => {
            eprintln!("scale: {error}");
            std::process::exit(1);
        }
    }
}
