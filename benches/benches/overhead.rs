//! Message overhead and delta sizes: exact counts from the deterministic simulator, printed as
//! the tables of docs/benchmarks.md. Nothing here is timed, so it is a plain program rather
//! than a criterion bench; `cargo bench -p glomer-benches` runs it with the other benches.
//!
//! This target runs 10^2 to 10^4 updates (full state and classic delta up to 10^3, whose
//! simulation cost is quadratic); the `overhead` binary runs the figures of the doc:
//! `cargo run --release -p glomer-benches --bin overhead -- --updates 100,1000,10000,100000`.

use glomer_benches::report::{overhead_table, plan, sizes_table};
use glomer_benches::workload::{GSetInserts, LwwMapWrites, PNCounterAdds};

fn main() {
    // `cargo test --benches` runs bench targets once to check them: keep that to a smoke run.
    let quick = std::env::args().all(|arg| arg != "--bench");
    let plan = if quick { plan(vec![100], 100) } else { plan(vec![100, 1_000, 10_000], 1_000) };
    let elements: &[u64] = if quick { &[100, 1_000] } else { &[100, 1_000, 10_000, 100_000] };
    let tables = [
        overhead_table::<GSetInserts>(&plan),
        overhead_table::<PNCounterAdds>(&plan),
        overhead_table::<LwwMapWrites>(&plan),
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
}
