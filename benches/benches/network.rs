//! Replicas on loopback, glomer-net against chitchat on one workload: every replica writes its
//! own keys at a fixed rate; we record when every other replica holds each update, and count
//! every byte both systems put on the wire (sync and membership alike).
//!
//! ```text
//! cargo bench -p glomer-benches --bench network -- [--replicas 3,10,25] [--rate 10]
//!     [--seconds 5] [--system glomer|chitchat|both] [--saturate] [--topology total] [--no-relay]
//! ```
//!
//! `--saturate` makes every replica write as fast as it can instead of at `--rate`, for the
//! replicated-updates-per-second figure. Results in docs/benchmarks.md.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chitchat::transport::{RecvOutcome, SendOutcome, Socket, Transport, UdpSocket as ChitchatUdp};
use chitchat::{spawn_chitchat, ChitchatConfig, ChitchatEnvelope, ChitchatHandle, ChitchatId, FailureDetectorConfig};
use glomer_crdt::{MaxMap, SyncConfig, Topology};
use glomer_net::{MemberState, Replica, ReplicaBuilder, SwimConfig};

/// Keys each replica cycles through: update `s` of replica `w` writes key `s % KEYS_PER_REPLICA`.
const KEYS_PER_REPLICA: u64 = 10;
/// Gossip period of both systems: glomer's batch interval and chitchat's gossip interval.
const INTERVAL_MS: u64 = 100;
/// How long to wait for the last updates to reach everyone after the writers stop.
const DRAIN_MAX: Duration = Duration::from_secs(10);
/// How long a cluster may take to see all its members.
const FORM_MAX: Duration = Duration::from_secs(60);

/// The glomer state: (writer, key) -> highest update number written there.
type State = MaxMap<(u32, u64)>;

struct Args {
    replicas: Vec<usize>,
    rate_per_s: u64,
    seconds: u64,
    systems: Vec<&'static str>,
    saturate: bool,
    topology: Topology,
    relay: bool,
}

fn parse_args() -> Args {
    let mut args = Args {
        replicas: vec![3, 10, 25],
        rate_per_s: 10,
        seconds: 5,
        systems: vec!["glomer", "chitchat"],
        saturate: false,
        topology: Topology::Total,
        relay: true,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let value = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--replicas" => args.replicas = value.split(',').filter_map(|n| n.parse().ok()).collect(),
            "--rate" => args.rate_per_s = value.parse().unwrap_or(args.rate_per_s),
            "--seconds" => args.seconds = value.parse().unwrap_or(args.seconds),
            "--system" if value == "glomer" => args.systems = vec!["glomer"],
            "--system" if value == "chitchat" => args.systems = vec!["chitchat"],
            "--topology" => args.topology = value.parse().expect("a topology"),
            "--no-relay" => {
                args.relay = false;
                i += 1;
                continue;
            }
            "--saturate" => {
                args.saturate = true;
                i += 1;
                continue;
            }
            _ => {
                i += 1; // cargo bench passes --bench; ignore what is not ours
                continue;
            }
        }
        i += 2;
    }
    args
}

/// When each update was written and when each other replica first held it.
struct Tracker {
    n: usize,
    written: Mutex<HashMap<(u32, u64), Instant>>,
    /// [observer][writer][key]: highest update number seen.
    held: Mutex<Vec<Vec<Vec<u64>>>>,
    /// (writer, update) -> (observers holding it, when the last one got it).
    arrivals: Mutex<HashMap<(u32, u64), (usize, Instant)>>,
}

impl Tracker {
    fn new(n: usize) -> Self {
        Self {
            n,
            written: Mutex::default(),
            held: Mutex::new(vec![vec![vec![0; KEYS_PER_REPLICA as usize]; n]; n]),
            arrivals: Mutex::default(),
        }
    }

    fn written(&self, writer: u32, update: u64) {
        self.written.lock().unwrap().insert((writer, update), Instant::now());
    }

    /// Observer `r` holds `value` at `writer`'s `key`: every update of that key up to `value`
    /// has reached it (a later write of a key covers the earlier ones, in both systems).
    fn observed(&self, r: usize, writer: u32, key: u64, value: u64) {
        if r == writer as usize {
            return;
        }
        let now = Instant::now();
        let mut held = self.held.lock().unwrap();
        let last = &mut held[r][writer as usize][key as usize];
        if value <= *last {
            return;
        }
        let mut arrivals = self.arrivals.lock().unwrap();
        let mut update = if *last == 0 { key } else { *last + KEYS_PER_REPLICA };
        if update == 0 {
            update = KEYS_PER_REPLICA;
        }
        while update <= value {
            let entry = arrivals.entry((writer, update)).or_insert((0, now));
            entry.0 += 1;
            entry.1 = now;
            update += KEYS_PER_REPLICA;
        }
        *last = value;
    }

    fn all_arrived(&self) -> bool {
        let written = self.written.lock().unwrap();
        let arrivals = self.arrivals.lock().unwrap();
        written.keys().all(|id| arrivals.get(id).is_some_and(|(count, _)| *count == self.n - 1))
    }

    /// Convergence times in ms, sorted, and how many updates never reached everyone.
    fn latencies_ms(&self) -> (Vec<f64>, usize) {
        let written = self.written.lock().unwrap();
        let arrivals = self.arrivals.lock().unwrap();
        let mut latencies = Vec::new();
        let mut missing = 0;
        for (id, at) in written.iter() {
            match arrivals.get(id) {
                Some((count, last)) if *count == self.n - 1 => latencies.push((*last - *at).as_secs_f64() * 1e3),
                _ => missing += 1,
            }
        }
        latencies.sort_by(f64::total_cmp);
        (latencies, missing)
    }
}

/// One system under test: a cluster that can write and count its bytes.
trait Cluster {
    fn write(&self, writer: usize, key: u64, update: u64) -> impl std::future::Future<Output = ()> + Send;
    fn bytes_sent(&self) -> impl std::future::Future<Output = u64> + Send;
}

struct GlomerCluster(Vec<Replica<State>>);

impl Cluster for GlomerCluster {
    async fn write(&self, writer: usize, key: u64, update: u64) {
        let id = (writer as u32, key);
        self.0[writer].mutate(move |map| map.raise(id, update)).await.expect("running");
    }

    async fn bytes_sent(&self) -> u64 {
        let mut total = 0;
        for replica in &self.0 {
            let stats = replica.stats().await.expect("running");
            total += stats.wire_bytes_sent + stats.swim_bytes_sent;
        }
        total
    }
}

async fn glomer_cluster(n: usize, args: &Args, tracker: &Arc<Tracker>) -> GlomerCluster {
    let topology = &args.topology;
    let sync = SyncConfig {
        batch_interval_ms: INTERVAL_MS,
        ack_delay_ms: INTERVAL_MS,
        relay: args.relay,
        ..SyncConfig::default()
    };
    let mut replicas: Vec<Replica<State>> = Vec::new();
    for i in 0..n {
        let mut builder = ReplicaBuilder::new(format!("r{i:02}"), "127.0.0.1:0".parse().unwrap())
            .topology(topology.clone())
            .sync(sync.clone())
            .swim(SwimConfig::default());
        if let Some(first) = replicas.first() {
            builder = builder.seed(first.addr());
        }
        replicas.push(builder.start().await.expect("replica starts"));
    }
    for (r, replica) in replicas.iter().enumerate() {
        let mut changes = replica.subscribe();
        let tracker = tracker.clone();
        tokio::spawn(async move {
            while let Some(state) = changes.next().await {
                for (&(writer, key), value) in state.iter() {
                    tracker.observed(r, writer, key, value);
                }
            }
        });
    }
    let formed = Instant::now();
    while !replicas.iter().all(|r| r.members().iter().filter(|m| m.state == MemberState::Alive).count() == n) {
        assert!(formed.elapsed() < FORM_MAX, "glomer cluster of {n} did not form");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    GlomerCluster(replicas)
}

/// chitchat's UDP transport, counting bytes sent.
struct CountingTransport(Arc<AtomicU64>);
struct CountingSocket(ChitchatUdp, Arc<AtomicU64>);

#[async_trait]
impl Transport for CountingTransport {
    async fn open(&self, listen_addr: SocketAddr) -> anyhow::Result<Box<dyn Socket>> {
        Ok(Box::new(CountingSocket(ChitchatUdp::open(listen_addr).await?, self.0.clone())))
    }
}

#[async_trait]
impl Socket for CountingSocket {
    fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        self.0.local_addr()
    }

    async fn send(&mut self, to: SocketAddr, envelope: ChitchatEnvelope) -> anyhow::Result<SendOutcome> {
        let outcome = self.0.send(to, envelope).await?;
        self.1.fetch_add(outcome.num_bytes_sent as u64, Ordering::Relaxed);
        Ok(outcome)
    }

    async fn recv(&mut self) -> anyhow::Result<RecvOutcome> {
        self.0.recv().await
    }
}

struct ChitchatCluster {
    handles: Vec<ChitchatHandle>,
    bytes: Arc<AtomicU64>,
    _listeners: Vec<chitchat::ListenerHandle>,
}

impl Cluster for ChitchatCluster {
    async fn write(&self, writer: usize, key: u64, update: u64) {
        let chitchat = self.handles[writer].chitchat();
        chitchat.lock().await.self_node_state().set(format!("k{key}"), update);
    }

    async fn bytes_sent(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn chitchat_cluster(n: usize, tracker: &Arc<Tracker>) -> ChitchatCluster {
    let bytes = Arc::new(AtomicU64::new(0));
    let transport = CountingTransport(bytes.clone());
    let addrs: Vec<SocketAddr> = (0..n).map(|_| SocketAddr::from(([127, 0, 0, 1], free_port()))).collect();
    let mut handles = Vec::new();
    let mut listeners = Vec::new();
    for (i, addr) in addrs.iter().enumerate() {
        let config = ChitchatConfig {
            chitchat_id: ChitchatId::new(format!("{i}"), 0, *addr),
            cluster_id: "bench".into(),
            gossip_interval: Duration::from_millis(INTERVAL_MS),
            listen_addr: *addr,
            seed_nodes: vec![addrs[0].to_string()],
            failure_detector_config: FailureDetectorConfig::default(),
            marked_for_deletion_grace_period: Duration::from_secs(3_600),
            catchup_callback: None,
            extra_liveness_predicate: None,
            protocol_version: chitchat::ProtocolVersion::V1,
        };
        let handle = spawn_chitchat(config, Vec::new(), &transport).await.expect("chitchat starts");
        let tracker = tracker.clone();
        let listener = handle.chitchat().lock().await.subscribe_event("k", move |event| {
            let (Ok(writer), Ok(key), Ok(value)) =
                (event.node.node_id.parse::<u32>(), event.key.parse::<u64>(), event.value.parse::<u64>())
            else {
                return;
            };
            tracker.observed(i, writer, key, value);
        });
        listeners.push(listener);
        handles.push(handle);
    }
    let formed = Instant::now();
    loop {
        let mut all = true;
        for handle in &handles {
            all &= handle.chitchat().lock().await.live_nodes().count() == n;
        }
        if all {
            break;
        }
        assert!(formed.elapsed() < FORM_MAX, "chitchat cluster of {n} did not form");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ChitchatCluster { handles, bytes, _listeners: listeners }
}

/// Runs the writers, waits for the drain, prints one row.
async fn run<C: Cluster + Send + Sync + 'static>(
    system: &str,
    n: usize,
    args: &Args,
    cluster: C,
    tracker: Arc<Tracker>,
) {
    let bytes_before = cluster.bytes_sent().await;
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let cluster = Arc::new(cluster);
    let writers = (0..n).map(|w| {
        let (cluster, tracker) = (cluster.clone(), tracker.clone());
        let period = Duration::from_micros(1_000_000 / args.rate_per_s.max(1));
        let saturate = args.saturate;
        async move {
            let mut tick = tokio::time::interval(period);
            let mut update = 0u64;
            while Instant::now() < until {
                if saturate {
                    tokio::task::yield_now().await;
                } else {
                    tick.tick().await;
                }
                update += 1;
                tracker.written(w as u32, update);
                cluster.write(w, update % KEYS_PER_REPLICA, update).await;
            }
        }
    });
    futures_join(writers.collect()).await;
    let drain_started = Instant::now();
    while !tracker.all_arrived() && drain_started.elapsed() < DRAIN_MAX {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    let bytes = cluster.bytes_sent().await - bytes_before;
    let (latencies, missing) = tracker.latencies_ms();
    let updates = latencies.len() + missing;
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "| {system} | {n} | {updates} | {:.0} | {:.0} | {:.0} | {missing} | {:.0} |",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99),
        bytes as f64 / updates.max(1) as f64,
    );
}

async fn futures_join(tasks: Vec<impl std::future::Future<Output = ()> + Send + 'static>) {
    let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
    for handle in handles {
        handle.await.expect("writer");
    }
}

fn main() {
    let args = parse_args();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mode =
        if args.saturate { "as fast as possible".to_string() } else { format!("{} updates/s each", args.rate_per_s) };
    println!("each replica writes {KEYS_PER_REPLICA} keys of its own, {mode}, for {} s; gossip interval {INTERVAL_MS} ms; glomer topology {:?}, relay {}", args.seconds, args.topology, args.relay);
    println!(
        "| system | replicas | updates | replicated updates/s | p50 ms | p99 ms | not everywhere | bytes/update |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for &n in &args.replicas {
        for system in &args.systems {
            runtime.block_on(async {
                let tracker = Arc::new(Tracker::new(n));
                match *system {
                    "glomer" => {
                        let cluster = glomer_cluster(n, &args, &tracker).await;
                        let replicas = cluster.0.clone();
                        run(system, n, &args, cluster, tracker).await;
                        for replica in replicas {
                            replica.shutdown().await;
                        }
                    }
                    _ => {
                        let cluster = chitchat_cluster(n, &tracker).await;
                        run(system, n, &args, cluster, tracker).await;
                    }
                }
            });
        }
    }
}
