//! A process that appends deltas and prints each acknowledged one: the subject of the SIGKILL
//! test (durable/tests/kill.rs), which kills it at random moments and checks that every delta
//! it printed survives.
//!
//! `glomer-store-writer DIR ROUND group|sync`: opens the store in DIR as replica `n1` (mode
//! fsync, a small log bound so kills also land in snapshots), prints
//! `open <replica id> <incarnation> <elements>`, then inserts distinct values into a
//! `GSet<u64>` and prints `ack <value>` once each value is durable: with `group`, from
//! [`WRITERS`] threads through one group-commit writer; with `sync`, from one thread through
//! the synchronous core, [`BATCH`] values per commit. It runs until killed.

use std::io::Write;
use std::sync::Arc;

use glomer_crdt::GSet;
use glomer_store::{GroupCommit, Store, StoreConfig};

/// A log bound small enough that a few hundred acknowledged values trigger a snapshot, so
/// kills land before, during and after snapshots too.
const LOG_BYTES_MAX: u64 = 4 << 10;

/// Writer threads with `group`: enough that commits hold several deltas.
const WRITERS: u64 = 4;

/// Values per commit with `sync`, as a node commits the mutations of one batch of requests.
const BATCH: u64 = 8;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, round, api] = args.as_slice() else {
        return Err("usage: glomer-store-writer DIR ROUND group|sync".into());
    };
    let round: u64 = round.parse()?;
    let config = StoreConfig { log_bytes_max: LOG_BYTES_MAX, ..StoreConfig::default() };
    let store: Store<GSet<u64>> = Store::open(dir, "n1", config)?;
    let identity = store.identity();
    println!("open {} {} {}", identity.replica_id.0, identity.incarnation, store.state().len());
    match api.as_str() {
        "group" => write_concurrently(store, round << 40)?,
        "sync" => write_batches(store, round << 40)?,
        other => return Err(format!("unknown api {other:?}: expected group or sync").into()),
    }
    Ok(())
}

fn write_concurrently(store: Store<GSet<u64>>, base: u64) -> Result<(), Box<dyn std::error::Error>> {
    let group = Arc::new(GroupCommit::start(store));
    let threads: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let group = Arc::clone(&group);
            std::thread::spawn(move || write_values(&group, base | writer << 32))
        })
        .collect();
    for thread in threads {
        thread.join().map_err(|_| "a writer thread panicked")??;
    }
    Ok(())
}

/// Appends [`BATCH`] values, commits, prints them; again.
fn write_batches(mut store: Store<GSet<u64>>, base: u64) -> Result<(), glomer_store::Error> {
    for first in (base..).step_by(BATCH as usize) {
        let values = first..first + BATCH;
        for value in values.clone() {
            store.append(&GSet::from_iter([value]))?;
        }
        store.commit()?;
        let lines: String = values.map(|value| format!("ack {value}\n")).collect();
        if std::io::stdout().lock().write_all(lines.as_bytes()).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// Inserts `base`, `base + 1`, … one at a time, printing each once it is durable.
fn write_values(group: &GroupCommit<GSet<u64>>, base: u64) -> Result<(), glomer_store::Error> {
    for value in base.. {
        group.append(GSet::from_iter([value])).wait()?;
        // One `write(2)` per line: a kill never leaves half a line that parses as a value.
        let line = format!("ack {value}\n");
        if std::io::stdout().lock().write_all(line.as_bytes()).is_err() {
            return Ok(());
        }
    }
    Ok(())
}
