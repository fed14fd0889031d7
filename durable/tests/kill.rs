//! SIGKILL at random moments loses nothing acknowledged.
//!
//! A child process (`glomer-store-writer`) appends deltas and prints each one once it is
//! durable, through group commit in even rounds and the synchronous core in odd ones. The test kills it with SIGKILL after a random delay, reopens the
//! store itself, checks that every printed delta is there and that the replica kept its id,
//! and restarts the child, for many rounds. The delays come from a seed, printed on failure;
//! set `GLOMER_KILL_SEED` to replay one.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use glomer_crdt::GSet;
use glomer_store::{Store, StoreConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Rounds of start, write, kill. With delays of at most `KILL_AFTER_MS_MAX` this keeps the
/// test to a few seconds on 2 cores.
const ROUNDS: u64 = 40;
/// Kills land between 0 and this many milliseconds after the start: early ones hit recovery
/// itself, later ones a stream of group commits and snapshots.
const KILL_AFTER_MS_MAX: u64 = 120;

/// Kills the child if the test panics, so no process outlives it.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads the child's stdout to its end: the values it acknowledged, and its `open` line.
fn read_acks(child: &mut Child) -> JoinHandle<(Vec<u64>, Option<String>)> {
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    thread::spawn(move || {
        let (mut acked, mut opened) = (Vec::new(), None);
        let mut line = String::new();
        // A line without its newline was cut by the kill: it acknowledges nothing.
        while stdout.read_line(&mut line).is_ok_and(|_| line.ends_with('\n')) {
            let line = std::mem::take(&mut line);
            let line = line.trim_end();
            if let Some(value) = line.strip_prefix("ack ") {
                acked.push(value.parse().unwrap_or_else(|_| panic!("bad ack line {line:?}")));
            } else if line.starts_with("open ") {
                opened = Some(line.to_string());
            }
        }
        (acked, opened)
    })
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_delta() {
    let seed: u64 = std::env::var("GLOMER_KILL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(15);
    eprintln!("kill test seed {seed} (replay with GLOMER_KILL_SEED={seed})");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig { log_bytes_max: 4 << 10, ..StoreConfig::default() };
    let started = Instant::now();
    let (mut acked_total, mut identity) = (Vec::new(), None);
    for round in 0..ROUNDS {
        let kill_after_ms = rng.gen_range(0..KILL_AFTER_MS_MAX);
        let mut child = Command::new(env!("CARGO_BIN_EXE_glomer-store-writer"))
            .arg(dir.path())
            .arg(round.to_string())
            .arg(if round % 2 == 0 { "group" } else { "sync" })
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawning glomer-store-writer");
        let reader = read_acks(&mut child);
        let mut child = Killed(child);
        thread::sleep(Duration::from_millis(kill_after_ms));
        child.0.kill().expect("SIGKILL");
        let status = child.0.wait().unwrap();
        assert!(status.code().is_none(), "seed {seed} round {round}: the writer exited by itself: {status}");
        let (acked, opened) = reader.join().unwrap();
        // The child itself recovered everything acknowledged in earlier rounds.
        if let Some(elements) = opened.and_then(|line| line.rsplit(' ').next()?.parse::<usize>().ok()) {
            assert!(elements >= acked_total.len(), "seed {seed} round {round}: the writer recovered {elements} values");
        }
        acked_total.extend(acked);

        let store: Store<GSet<u64>> = Store::open(dir.path(), "n1", config)
            .unwrap_or_else(|error| panic!("seed {seed} round {round} (killed after {kill_after_ms} ms): {error}"));
        let lost: Vec<u64> = acked_total.iter().filter(|v| !store.state().contains(v)).copied().collect();
        assert!(lost.is_empty(), "seed {seed} round {round}: {} acknowledged values lost: {lost:?}", lost.len());
        let now = (store.identity().replica_id, store.identity().incarnation);
        assert_eq!(*identity.get_or_insert(now), now, "seed {seed} round {round}: the id changed");
    }
    eprintln!("{ROUNDS} kills, {} acknowledged values all recovered, in {:?}", acked_total.len(), started.elapsed());
    assert!(acked_total.len() as u64 > ROUNDS, "seed {seed}: too few acknowledgements to test anything");
}

#[test]
fn a_directory_in_use_is_refused_until_its_process_dies() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_glomer-store-writer"))
        .args([dir.path().to_str().unwrap(), "0", "sync"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawning glomer-store-writer");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut child = Killed(child);
    let mut opened = String::new();
    stdout.read_line(&mut opened).unwrap();
    assert!(opened.starts_with("open "), "{opened:?}");
    let refused = Store::<GSet<u64>>::open(dir.path(), "n1", StoreConfig::default());
    assert!(matches!(refused, Err(glomer_store::Error::Locked { .. })), "{refused:?}");
    child.0.kill().expect("SIGKILL");
    child.0.wait().unwrap();
    Store::<GSet<u64>>::open(dir.path(), "n1", StoreConfig::default()).expect("a killed process holds no lock");
}
