//! glomer-kv with `--data-dir` under SIGKILL: three replicas take a write load while one
//! replica at a time, and sometimes all three at once, are killed at random moments and
//! restarted; afterwards every replica must read back every write that was answered 200.
//!
//! The same run with `--durability none` or without a data directory loses acknowledged
//! writes, and the tests below show that it does, so the check can fail.
//!
//! Seeded: the seed is printed; replay a run with `GLOMER_KV_KILL_SEED=N`.

mod support;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use support::{spawn_with, Node};
use tempfile::TempDir;

/// Replicas in the cluster.
const REPLICAS: usize = 3;
/// Client threads writing at once; each picks a random replica per write.
const WRITERS: usize = 4;
/// A write that takes longer than this is given up (and not counted as acknowledged).
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the load runs at most, whatever it has reached by then.
const LOAD_MAX: Duration = Duration::from_secs(30);
/// Pause between two faults, drawn uniformly.
const FAULT_GAP_MS: std::ops::Range<u64> = 300..900;
/// How long a killed replica stays down, drawn uniformly.
const DOWN_MS: std::ops::Range<u64> = 0..400;
/// How long the replicas may take, after the load, to agree on one set of keys.
const SETTLE_MAX: Duration = Duration::from_secs(30);

/// Where the replicas keep their state.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Storage {
    /// `--data-dir` in a durability mode.
    DataDir(&'static str),
    /// No `--data-dir`.
    Memory,
}

/// How much load and how many faults a run needs before it stops.
struct Load {
    acked_min: usize,
    duration_min: Duration,
    all_killed_min: usize,
}

struct Cluster {
    storage: Storage,
    dirs: Vec<TempDir>,
    ports: Vec<(SocketAddr, SocketAddr)>,
    nodes: Vec<Option<Node>>,
}

fn name(index: usize) -> String {
    format!("r{index}")
}

impl Cluster {
    fn start(storage: Storage) -> Self {
        let dirs = (0..REPLICAS).map(|_| tempfile::tempdir().expect("a temporary directory")).collect();
        let mut cluster = Cluster { storage, dirs, ports: Vec::new(), nodes: Vec::new() };
        for index in 0..REPLICAS {
            let seeds: Vec<SocketAddr> = cluster.ports.iter().map(|(_, gossip)| *gossip).collect();
            let node = spawn_with(&name(index), &seeds, None, &cluster.flags(index));
            cluster.ports.push((node.http, node.gossip));
            cluster.nodes.push(Some(node));
        }
        cluster
    }

    fn flags(&self, index: usize) -> Vec<String> {
        match self.storage {
            Storage::DataDir(mode) => {
                let dir = self.dirs[index].path().display().to_string();
                vec!["--data-dir".into(), dir, "--durability".into(), mode.into()]
            }
            Storage::Memory => Vec::new(),
        }
    }

    /// Starts every replica that is down, on its old ports and with its old directory.
    fn restart_stopped(&mut self) {
        for index in 0..REPLICAS {
            if self.nodes[index].is_none() {
                let seeds: Vec<SocketAddr> =
                    (0..REPLICAS).filter(|other| *other != index).map(|other| self.ports[other].1).collect();
                let node = spawn_with(&name(index), &seeds, Some(self.ports[index]), &self.flags(index));
                self.nodes[index] = Some(node);
            }
        }
    }

    /// SIGKILLs the replicas in `victims`, all before reaping any.
    fn kill(&mut self, victims: &[usize]) {
        for &index in victims {
            if let Some(node) = self.nodes[index].as_mut() {
                node.kill();
            }
        }
        for &index in victims {
            self.nodes[index] = None;
        }
    }

    fn running(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().flatten()
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(WRITE_TIMEOUT).build()
}

/// Writes each key once, to a random replica, until told to stop; returns the keys answered 200.
fn write_load(
    writer: usize,
    seed: u64,
    http: Vec<SocketAddr>,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed ^ (writer as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let agent = agent();
    let mut acked = Vec::new();
    for i in 0u64.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let key = format!("w{writer}-{i}");
        let addr = http[rng.gen_range(0..http.len())];
        let answer = agent.put(&format!("http://{addr}/kv/{key}")).send_string(&i.to_string());
        match answer {
            Ok(response) if response.status() == 200 => {
                acked.push(key);
                count.fetch_add(1, Ordering::Relaxed);
            }
            // Refused (the replica is down), cut (killed mid-request) or an error answer: not
            // acknowledged, so the write may or may not have happened.
            _ => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    acked
}

/// What a run left: the acknowledged writes, and per replica those it cannot read back.
struct Outcome {
    seed: u64,
    acked: BTreeSet<String>,
    missing: Vec<Vec<String>>,
    kills: usize,
    all_kills: usize,
}

fn keys_at(agent: &ureq::Agent, node: &Node) -> Option<BTreeSet<String>> {
    let response = agent.get(&format!("http://{}/kv", node.http)).call().ok()?;
    let body: Value = response.into_json().ok()?;
    serde_json::from_value(body["keys"].clone()).ok()
}

fn run(storage: Storage, load: Load) -> (Outcome, Cluster) {
    let seed = std::env::var("GLOMER_KV_KILL_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen_range(0..1_000_000));
    eprintln!("durable_kill: seed {seed} ({storage:?}); replay with GLOMER_KV_KILL_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut cluster = Cluster::start(storage);
    let http: Vec<SocketAddr> = cluster.ports.iter().map(|(http, _)| *http).collect();
    let (stop, count) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (http, stop, count) = (http.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || write_load(writer, seed, http, stop, count))
        })
        .collect();

    let started = Instant::now();
    let (mut kills, mut all_kills) = (0, 0);
    while started.elapsed() < LOAD_MAX {
        std::thread::sleep(Duration::from_millis(rng.gen_range(FAULT_GAP_MS)));
        let enough_faults = all_kills >= load.all_killed_min;
        // Every third fault kills everyone until the run has its share of those.
        let victims: Vec<usize> = if !enough_faults && kills % 3 == 2 {
            all_kills += 1;
            (0..REPLICAS).collect()
        } else {
            vec![rng.gen_range(0..REPLICAS)]
        };
        kills += 1;
        cluster.kill(&victims);
        std::thread::sleep(Duration::from_millis(rng.gen_range(DOWN_MS)));
        cluster.restart_stopped();
        let done = started.elapsed() >= load.duration_min && all_kills >= load.all_killed_min;
        if done && count.load(Ordering::Relaxed) >= load.acked_min {
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let acked: BTreeSet<String> = writers.into_iter().flat_map(|writer| writer.join().expect("a writer")).collect();
    eprintln!("durable_kill: {} writes acknowledged, {kills} kills ({all_kills} of all replicas)", acked.len());

    let agent = agent();
    let mut agreed_since: Option<Instant> = None;
    let settled = Instant::now();
    let missing = loop {
        let keys: Vec<BTreeSet<String>> =
            cluster.running().map(|node| keys_at(&agent, node).unwrap_or_default()).collect();
        let missing: Vec<Vec<String>> = keys.iter().map(|held| acked.difference(held).cloned().collect()).collect();
        let agree = keys.windows(2).all(|pair| pair[0] == pair[1]);
        agreed_since = if agree { agreed_since.or(Some(Instant::now())) } else { None };
        let stable = agreed_since.is_some_and(|since| since.elapsed() > Duration::from_secs(1));
        if missing.iter().all(Vec::is_empty) || stable || settled.elapsed() > SETTLE_MAX {
            break missing;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    (Outcome { seed, acked, missing, kills, all_kills }, cluster)
}

/// Every replica reads each acknowledged key back with the value written (its only writer).
fn assert_values(cluster: &Cluster, acked: &BTreeSet<String>, seed: u64) {
    let agent = agent();
    for node in cluster.running() {
        for key in acked {
            let body: Value = agent
                .get(&format!("http://{}/kv/{key}", node.http))
                .call()
                .ok()
                .and_then(|response| response.into_json().ok())
                .unwrap_or(Value::Null);
            let written: u64 = key.rsplit('-').next().and_then(|i| i.parse().ok()).expect("key w{writer}-{i}");
            let values = body["values"].as_array().cloned().unwrap_or_default();
            assert!(
                values.contains(&Value::from(written)),
                "seed {seed}: {} reads {key} as {values:?}, acknowledged as {written}",
                node.name
            );
        }
    }
}

#[test]
fn no_acknowledged_write_is_lost_when_replicas_are_killed() {
    let load = Load { acked_min: 1_000, duration_min: Duration::from_secs(8), all_killed_min: 2 };
    let (outcome, cluster) = run(Storage::DataDir("fsync"), load);
    let seed = outcome.seed;
    assert!(outcome.acked.len() >= 1_000, "seed {seed}: only {} writes acknowledged", outcome.acked.len());
    assert!(outcome.all_kills >= 2 && outcome.kills >= 6, "seed {seed}: too few faults");
    for (index, missing) in outcome.missing.iter().enumerate() {
        assert!(
            missing.is_empty(),
            "seed {seed}: r{index} lost {} of {} acknowledged writes, first {:?}",
            missing.len(),
            outcome.acked.len(),
            missing.iter().take(5).collect::<Vec<_>>()
        );
    }
    assert_values(&cluster, &outcome.acked, seed);
}

/// A shorter run of the same test, to show it catches losses.
fn lossy_run(storage: Storage) -> Outcome {
    run(storage, Load { acked_min: 100, duration_min: Duration::from_secs(3), all_killed_min: 1 }).0
}

fn assert_lost(outcome: &Outcome) {
    let lost = outcome.missing.iter().map(Vec::len).max().unwrap_or(0);
    eprintln!("durable_kill: {lost} of {} acknowledged writes lost", outcome.acked.len());
    assert!(lost > 0, "seed {}: expected lost writes, none were", outcome.seed);
}

#[test]
fn without_a_data_dir_the_same_kills_lose_acknowledged_writes() {
    assert_lost(&lossy_run(Storage::Memory));
}

#[test]
fn with_durability_none_the_same_kills_lose_acknowledged_writes() {
    assert_lost(&lossy_run(Storage::DataDir("none")));
}
