//! Prints the durability tables of docs/benchmarks.md: acknowledged mutations per second and
//! exact p50/p99 acknowledgement latency per mode, with concurrent writers over group commit
//! and with the synchronous core; and recovery time for a log of many deltas.
//!
//! `cargo run --release -p glomer-benches --bin store -- --dir /var/tmp/glomer-store-bench`
//!
//! The directory must be on the disk being measured (not a tmpfs, where `fdatasync` is free).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use glomer_crdt::{GCounter, GSet, Lattice, ReplicaId};
use glomer_store::{Durability, GroupCommit, Store, StoreConfig};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Durable mutations per second, acknowledgement latency, recovery time.
#[derive(Debug, Parser)]
struct Args {
    /// Scratch directory (emptied before each run) on the disk to measure.
    #[arg(long, default_value = "/var/tmp/glomer-store-bench")]
    dir: PathBuf,
    /// Modes to measure.
    #[arg(long, value_delimiter = ',', default_values_t = [Durability::Fsync, Durability::Write, Durability::None])]
    modes: Vec<Durability>,
    /// Concurrent writer threads over one group-commit writer.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 16, 64])]
    writers: Vec<usize>,
    /// Deltas per commit for the synchronous core.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 10, 100])]
    batches: Vec<usize>,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Deltas in the log whose recovery is timed (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    recovery_deltas: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let run = Duration::from_secs_f64(args.seconds);
    println!("## Group commit: concurrent writers, one GSet<u64> insert each per acknowledgement\n");
    println!("| mode | writers | acked mutations/s | p50 ack ms | p99 ack ms | max ack ms | acks |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for &mode in &args.modes {
        for &writers in &args.writers {
            let figures = group_commit(&scratch(&args.dir)?, mode, writers, run)?;
            println!("| {mode} | {writers} | {} |", figures.row());
        }
    }
    println!("\n## Synchronous core: append a batch, one commit, acknowledge the batch\n");
    println!(
        "| mode | deltas per commit | acked mutations/s | p50 commit ms | p99 commit ms | max commit ms | commits |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for &mode in &args.modes {
        for &batch in &args.batches {
            let figures = sync_core(&scratch(&args.dir)?, mode, batch, run)?;
            println!("| {mode} | {batch} | {} |", figures.row());
        }
    }
    if args.recovery_deltas > 0 {
        println!("\n## Recovery: open = read the log, check every frame, decode and join every delta\n");
        println!("| deltas | state | log MiB | open s | deltas/s |");
        println!("|---:|---|---:|---:|---:|");
        let n = args.recovery_deltas;
        recovery(&scratch(&args.dir)?, "GSet<u64>, n elements", n, |i| GSet::from_iter([i]))?;
        recovery(&scratch(&args.dir)?, "GCounter, 16 entries", n, counter_delta)?;
    }
    std::fs::remove_dir_all(&args.dir).ok();
    Ok(())
}

/// An empty directory under `dir` for one run.
fn scratch(dir: &Path) -> anyhow::Result<PathBuf> {
    let path = dir.join("run");
    if path.exists() {
        std::fs::remove_dir_all(&path).with_context(|| format!("emptying {}", path.display()))?;
    }
    Ok(path)
}

/// Acknowledgement latencies of one run, and how long it took.
struct Figures {
    latencies_ns: Vec<u64>,
    acked: u64,
    elapsed: Duration,
}

impl Figures {
    /// `acked/s | p50 | p99 | max | count`, latencies in milliseconds, quantiles exact.
    fn row(mut self) -> String {
        self.latencies_ns.sort_unstable();
        let ms = |q: f64| nearest_rank(&self.latencies_ns, q) as f64 / 1e6;
        format!(
            "{:.0} | {:.3} | {:.3} | {:.3} | {}",
            self.acked as f64 / self.elapsed.as_secs_f64(),
            ms(0.5),
            ms(0.99),
            ms(1.0),
            self.latencies_ns.len()
        )
    }
}

/// The element at index `min(n - 1, floor(n * q))` of the sorted sample (no interpolation, as
/// Maelstrom reports its quantiles).
fn nearest_rank(sorted: &[u64], q: f64) -> u64 {
    let index = ((sorted.len() as f64) * q).floor() as usize;
    sorted.get(index.min(sorted.len().saturating_sub(1))).copied().unwrap_or(0)
}

/// `writers` threads each insert distinct values and wait for each acknowledgement.
fn group_commit(dir: &Path, mode: Durability, writers: usize, run: Duration) -> anyhow::Result<Figures> {
    let store: Store<GSet<u64>> = Store::open(dir, "bench", StoreConfig::with_durability(mode))?;
    let group = Arc::new(GroupCommit::start(store));
    let started = Instant::now();
    let threads: Vec<_> = (0..writers as u64)
        .map(|writer| {
            let group = Arc::clone(&group);
            std::thread::spawn(move || -> anyhow::Result<Vec<u64>> {
                let mut latencies_ns = Vec::new();
                for value in (writer << 40).. {
                    let sent = Instant::now();
                    group.append(GSet::from_iter([value])).wait()?;
                    latencies_ns.push(sent.elapsed().as_nanos() as u64);
                    if started.elapsed() >= run {
                        break;
                    }
                }
                Ok(latencies_ns)
            })
        })
        .collect();
    let mut latencies_ns = Vec::new();
    for thread in threads {
        latencies_ns.extend(thread.join().expect("writer thread")?);
    }
    let elapsed = started.elapsed();
    Arc::into_inner(group).context("writers still hold the group")?.close()?;
    Ok(Figures { acked: latencies_ns.len() as u64, latencies_ns, elapsed })
}

/// One thread: append `batch` deltas, commit, repeat; one latency per commit.
fn sync_core(dir: &Path, mode: Durability, batch: usize, run: Duration) -> anyhow::Result<Figures> {
    let mut store: Store<GSet<u64>> = Store::open(dir, "bench", StoreConfig::with_durability(mode))?;
    let (mut latencies_ns, mut acked, mut next) = (Vec::new(), 0, 0u64);
    let started = Instant::now();
    while started.elapsed() < run {
        let sent = Instant::now();
        for _ in 0..batch {
            store.append(&GSet::from_iter([next]))?;
            next += 1;
        }
        store.commit()?;
        latencies_ns.push(sent.elapsed().as_nanos() as u64);
        acked += batch as u64;
    }
    let elapsed = started.elapsed();
    store.close()?;
    Ok(Figures { latencies_ns, acked, elapsed })
}

/// Increment number `i`, spread over 16 replicas: the delta is that replica's new entry.
fn counter_delta(i: u64) -> GCounter {
    GCounter::new().increment(ReplicaId((i % 16) as u32), i / 16 + 1)
}

/// Writes `n` deltas to a log without snapshots, then times a fresh open that replays them.
fn recovery<L: Lattice + Serialize + DeserializeOwned>(
    dir: &Path,
    label: &str,
    n: u64,
    delta: impl Fn(u64) -> L,
) -> anyhow::Result<()> {
    let config = StoreConfig { durability: Durability::Write, log_bytes_max: u64::MAX, ..StoreConfig::default() };
    let mut store: Store<L> = Store::open(dir, "bench", config)?;
    for i in 0..n {
        store.append(&delta(i))?;
    }
    store.close()?;
    let log_bytes = std::fs::metadata(dir.join(glomer_store::LOG_FILE))?.len();
    let started = Instant::now();
    let store: Store<L> = Store::open(dir, "bench", config)?;
    let open = started.elapsed();
    anyhow::ensure!(store.recovery().deltas_replayed == n, "replayed {:?}", store.recovery());
    println!(
        "| {n} | {label} | {:.1} | {:.3} | {:.0} |",
        log_bytes as f64 / (1 << 20) as f64,
        open.as_secs_f64(),
        n as f64 / open.as_secs_f64()
    );
    Ok(())
}
