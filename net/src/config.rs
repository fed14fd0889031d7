//! Tunables of a networked replica.

use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use glomer_crdt::{SyncConfig, Topology};

/// Default [`SwimConfig::probe_period_ms`]: memberlist's LAN setting (one probe a second),
/// which foca's `Config::new_lan` follows.
pub const DEFAULT_PROBE_PERIOD_MS: u64 = 1_000;

/// Default [`SwimConfig::probe_rtt_ms`]: memberlist's LAN probe timeout.
pub const DEFAULT_PROBE_RTT_MS: u64 = 500;

/// Default [`SwimConfig::suspect_to_down_after_ms`]: memberlist's LAN suspicion time for a
/// cluster of a few dozen (4 × log10(n) probe periods, about 6 s at n = 32); a dead replica is
/// reported down within seconds while a slow one has several probe rounds to refute.
pub const DEFAULT_SUSPECT_TO_DOWN_AFTER_MS: u64 = 6_000;

/// Default [`SwimConfig::gossip_interval_ms`]: memberlist's LAN gossip interval.
pub const DEFAULT_GOSSIP_INTERVAL_MS: u64 = 200;

/// Default [`SwimConfig::announce_interval_ms`]: how often a replica announces itself to down
/// members and to its seeds while it knows nobody, so that both sides of a healed partition
/// and a replica started before its seeds find each other within seconds.
pub const DEFAULT_ANNOUNCE_INTERVAL_MS: u64 = 2_000;

/// The cluster size foca tunes its dissemination for (`max_transmissions` grows with its log);
/// the benches run up to 25 replicas.
const SWIM_CLUSTER_SIZE: u32 = 32;

/// SWIM timings (foca's `Config`). Tests shorten them to see failures in a second or two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwimConfig {
    /// One direct probe of a random member per period.
    pub probe_period_ms: u64,
    /// How long a direct probe waits before asking others to probe indirectly.
    pub probe_rtt_ms: u64,
    /// How long a suspect has to refute before it is declared down.
    pub suspect_to_down_after_ms: u64,
    /// Membership updates are gossiped to a few members this often.
    pub gossip_interval_ms: u64,
    /// Announce to down members and, while alone, to the seeds, this often.
    pub announce_interval_ms: u64,
}

impl Default for SwimConfig {
    fn default() -> Self {
        Self {
            probe_period_ms: DEFAULT_PROBE_PERIOD_MS,
            probe_rtt_ms: DEFAULT_PROBE_RTT_MS,
            suspect_to_down_after_ms: DEFAULT_SUSPECT_TO_DOWN_AFTER_MS,
            gossip_interval_ms: DEFAULT_GOSSIP_INTERVAL_MS,
            announce_interval_ms: DEFAULT_ANNOUNCE_INTERVAL_MS,
        }
    }
}

impl SwimConfig {
    /// Timings for tests on loopback: failures seen in about a second.
    pub fn fast() -> Self {
        Self {
            probe_period_ms: 200,
            probe_rtt_ms: 100,
            suspect_to_down_after_ms: 600,
            gossip_interval_ms: 50,
            announce_interval_ms: 300,
        }
    }

    /// foca's configuration: its LAN preset with these timings.
    pub(crate) fn to_foca(&self) -> foca::Config {
        let mut config = foca::Config::new_lan(NonZeroU32::new(SWIM_CLUSTER_SIZE).expect("non-zero"));
        config.probe_period = Duration::from_millis(self.probe_period_ms.max(1));
        config.probe_rtt = Duration::from_millis(self.probe_rtt_ms.clamp(1, config.probe_period.as_millis() as u64));
        config.suspect_to_down_after = Duration::from_millis(self.suspect_to_down_after_ms.max(1));
        let every = |interval_ms: u64, num_members: usize| foca::PeriodicParams {
            frequency: Duration::from_millis(interval_ms.max(1)),
            num_members: NonZeroUsize::new(num_members).expect("non-zero"),
        };
        config.periodic_gossip = Some(every(self.gossip_interval_ms, 3));
        config.periodic_announce = Some(every(self.announce_interval_ms * 5, 1));
        config.periodic_announce_to_down_members = Some(every(self.announce_interval_ms, 2));
        config
    }
}

/// Everything a replica needs to start; build it with [`crate::ReplicaBuilder`].
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// The replica's name: unique in the cluster, kept across restarts.
    pub name: String,
    /// Where to listen, TCP and UDP on the same port.
    pub listen: SocketAddr,
    /// The address others reach this replica at (`listen` unless behind a proxy or NAT).
    pub advertise: Option<SocketAddr>,
    /// Members to join through.
    pub seeds: Vec<SocketAddr>,
    /// Who syncs with whom among the live members, ordered by name.
    pub topology: Topology,
    /// Seed of `random:K` topologies; every replica must use the same.
    pub topology_seed: u64,
    /// The sync engine's tunables.
    pub sync: SyncConfig,
    /// SWIM timings.
    pub swim: SwimConfig,
    /// Frames waiting per peer; a peer whose queue is full is resynced once it catches up.
    pub peer_queue_frames: usize,
}

/// Default [`NetConfig::peer_queue_frames`]: the engine sends one data message per neighbour
/// per batch interval (100 ms), so 64 frames are over six seconds of backlog, far beyond a
/// healthy peer's, while a stalled peer costs at most 64 frames of memory.
pub const DEFAULT_PEER_QUEUE_FRAMES: usize = 64;

impl NetConfig {
    /// Defaults for a replica named `name` listening on `listen`.
    pub fn new(name: impl Into<String>, listen: SocketAddr) -> Self {
        Self {
            name: name.into(),
            listen,
            advertise: None,
            seeds: Vec::new(),
            topology: Topology::Total,
            topology_seed: 0,
            sync: SyncConfig::default(),
            swim: SwimConfig::default(),
            peer_queue_frames: DEFAULT_PEER_QUEUE_FRAMES,
        }
    }
}
