//! How a replicated workload talks to its peers: named presets, the settings they fix, and the
//! command-line flags that override them (docs/broadcast.md compares the presets).
//!
//! Every CRDT workload `#[command(flatten)]`s one [`GossipFlags`] into its own flags, and
//! [`GossipFlags::config`] gives the [`GossipConfig`] the node runs with.

use std::path::PathBuf;

use glomer_crdt::{SyncConfig, Topology};
use glomer_store::{Durability, StoreConfig};

use crate::replicated::DataDir;

use crate::adaptive::{IntervalController, LatencyModel};

/// The median stable latency the `adaptive` preset aims at when `--latency-target-ms` is not
/// given: the middle of the Glomers 3d bar (400 ms) and the balanced preset's figure.
pub const DEFAULT_LATENCY_TARGET_MS: u64 = 300;

/// The hop latency the `adaptive` preset assumes before it has measured one: Maelstrom's
/// 3d/3e `--latency 100`. It picks the graph (fixed at start) and the first interval; the
/// interval then follows the measured hop.
pub const ASSUMED_HOP_MS: u64 = 100;

/// Targets below this make the `adaptive` preset use the complete graph instead of the star.
/// A star's value crosses two hops, 200 ms at [`ASSUMED_HOP_MS`], and its hub needs some wait
/// to batch at all (docs/broadcast.md measures 209 ms at a 50 ms interval).
pub const STAR_TARGET_MIN_MS: u64 = 2 * ASSUMED_HOP_MS + 20;

/// A named set of gossip settings; explicit flags override any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Preset {
    /// Everyone sends to everyone at once (`total`, `--flush now`): one network hop, about
    /// `n - 1` messages per update; acks ride on the reverse data flow.
    Latency,
    /// A star around the first node; leaves send at once, the hub at most once per leaf per
    /// 100 ms: two hops, about three messages per operation at Maelstrom's 3d/3e rate.
    #[default]
    Balanced,
    /// A star where leaves and hub both send at most once per 400 ms: about one message per
    /// operation, in exchange for up to a second of latency.
    Frugal,
    /// Tunes the batch interval at run time to meet --latency-target-ms (median stable
    /// latency) with the fewest messages: a star (the complete graph for targets below
    /// 220 ms, STAR_TARGET_MIN_MS) whose batching node adapts.
    Adaptive,
}

/// When a node sends what its neighbours lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Flush {
    /// At once, in the event that made the change.
    Now,
    /// At most one data message per neighbour per `--interval-ms`.
    Interval,
    /// `interval` on nodes with more than one neighbour (hubs, inner tree nodes), `now` on
    /// nodes with one (star and tree leaves): leaves pay no wait, hubs batch.
    Hubs,
}

/// How received data is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Acks {
    /// Acks ride on the next data message to the sender; a standalone ack goes out only after
    /// `--ack-delay-ms` without one.
    Piggyback,
    /// Every data message is acked at once by a message of its own.
    Immediate,
}

/// Everything that decides how a replicated node talks to its peers.
#[derive(Debug, Clone, PartialEq)]
pub struct GossipConfig {
    /// Who talks to whom; [`Topology::Given`] waits for Maelstrom's `topology` message.
    pub topology: Topology,
    /// When data is sent.
    pub flush: Flush,
    /// The batch interval of [`Flush::Interval`] and [`Flush::Hubs`].
    pub interval_ms: u64,
    /// How data is acknowledged.
    pub acks: Acks,
    /// How long a piggybacked ack may wait for a data message to ride on.
    pub ack_delay_ms: u64,
    /// Resend whatever a neighbour has not acknowledged this long after sending it.
    pub retransmit_ms: u64,
    /// Seed of `random:K` topologies (every node must use the same one).
    pub topology_seed: u64,
    /// Whether a relay buffers only the part of a received delta that is new to it (smaller
    /// messages), rather than the whole delta. A lattice whose deltas must arrive whole, such
    /// as a transaction's writes to several keys of an LWW map, needs `false`: a delta split
    /// by a relay reaches a node whose copy of the other part was lost in a partition.
    pub remove_redundancy: bool,
    /// Where the replica keeps its state across restarts; `None` keeps it in memory only.
    pub data_dir: Option<DataDir>,
    /// The median stable latency the batch interval is tuned to meet at run time; `None`: the
    /// interval stays as set.
    pub latency_target_ms: Option<u64>,
}

impl GossipConfig {
    /// The settings of a preset. The ack delays are long so that acks nearly always ride on
    /// data; each retransmit timeout exceeds its ack delay by a second, several round trips at
    /// Maelstrom's 100 ms latency, so a healthy network never triggers a resend.
    pub fn preset(preset: Preset) -> Self {
        let (topology, flush, interval_ms, ack_delay_ms) = match preset {
            Preset::Latency => (Topology::Total, Flush::Now, 0, 2_000),
            Preset::Balanced => (Topology::Star, Flush::Hubs, 100, 1_000),
            Preset::Frugal => (Topology::Star, Flush::Interval, 400, 2_000),
            Preset::Adaptive => return Self::adaptive(DEFAULT_LATENCY_TARGET_MS),
        };
        Self {
            topology,
            flush,
            interval_ms,
            acks: Acks::Piggyback,
            ack_delay_ms,
            retransmit_ms: ack_delay_ms + 1_000,
            topology_seed: 0,
            remove_redundancy: true,
            data_dir: None,
            latency_target_ms: None,
        }
    }

    /// The `adaptive` preset for a median latency of `target_ms`: the balanced star (hubs
    /// batch, leaves send at once) or, for a target a star cannot meet, the latency preset's
    /// complete graph with batching; the controller sets the interval.
    pub fn adaptive(target_ms: u64) -> Self {
        let base = if target_ms < STAR_TARGET_MIN_MS {
            Self { flush: Flush::Interval, ..Self::preset(Preset::Latency) }
        } else {
            Self::preset(Preset::Balanced)
        };
        Self { interval_ms: crate::adaptive::MIN_INTERVAL_MS, latency_target_ms: Some(target_ms), ..base }
    }

    /// The controller of the batch interval when a latency target is set. The latency model
    /// is the complete graph's for `total` and the star's otherwise.
    pub fn controller(&self) -> Option<IntervalController> {
        let model = match self.topology {
            Topology::Total => LatencyModel::TOTAL,
            _ => LatencyModel::STAR,
        };
        Some(IntervalController::new(self.latency_target_ms?, model, ASSUMED_HOP_MS))
    }

    /// The engine's settings for a node with `neighbours` neighbours, in a graph that is
    /// `complete` (everyone a neighbour of everyone) or not.
    pub fn sync_config(&self, neighbours: usize, complete: bool) -> SyncConfig {
        let batch_interval_ms = match self.flush {
            Flush::Now => 0,
            Flush::Interval => self.interval_ms,
            Flush::Hubs if neighbours > 1 => self.interval_ms,
            Flush::Hubs => 0,
        };
        SyncConfig {
            batch_interval_ms,
            retransmit_after_ms: self.retransmit_ms,
            piggyback_acks: self.acks == Acks::Piggyback,
            ack_delay_ms: self.ack_delay_ms,
            // In a complete graph every node sends its own deltas to everyone.
            relay: !complete,
            remove_redundancy: self.remove_redundancy,
            ..SyncConfig::default()
        }
    }
}

impl Default for GossipConfig {
    fn default() -> Self {
        Self::preset(Preset::default())
    }
}

/// The gossip flags every CRDT workload shares; `#[command(flatten)]` them into its flags.
/// A preset sets every setting; each flag given explicitly overrides it, in any order.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct GossipFlags {
    /// Named settings: latency (total, send at once), balanced (star, hub batches 100 ms),
    /// frugal (star, everyone batches 400 ms), adaptive (batching tuned to
    /// --latency-target-ms).
    #[arg(long, value_enum, default_value_t = Preset::Balanced)]
    pub preset: Preset,
    /// Who gossips with whom: maelstrom (the test's topology message), total, star, tree:K,
    /// grid, line, ring or random:K.
    #[arg(long, value_parser = parse_topology)]
    pub topology: Option<Topology>,
    /// now: send at once; interval: at most one message per neighbour per --interval-ms;
    /// hubs: interval on nodes with several neighbours, now on the others.
    #[arg(long, value_enum)]
    pub flush: Option<Flush>,
    /// Batch interval of --flush interval and --flush hubs, in milliseconds.
    #[arg(long)]
    pub interval_ms: Option<u64>,
    /// piggyback: acks ride on data, standalone only after --ack-delay-ms; immediate: one ack
    /// message per data message.
    #[arg(long, value_enum)]
    pub acks: Option<Acks>,
    /// How long a piggybacked ack waits for a data message before it is sent alone.
    #[arg(long)]
    pub ack_delay_ms: Option<u64>,
    /// Resend what a neighbour has not acknowledged after this many milliseconds (this is what
    /// repairs a partition's losses).
    #[arg(long)]
    pub retransmit_ms: Option<u64>,
    /// Seed of random:K topologies.
    #[arg(long)]
    pub topology_seed: Option<u64>,
    /// Keep the replica's state in DIR/<node id> (created if needed), so a restarted node
    /// recovers everything it acknowledged. Without it, state lives in memory only.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// With --data-dir: when a mutation counts as durable, so when it is acknowledged. fsync
    /// (default): survives a machine crash; write: survives a process kill; none: only a clean
    /// exit.
    #[arg(long)]
    pub durability: Option<Durability>,
    /// With --data-dir: draw the store's replica id from this seed instead of the system's
    /// entropy, so a simulation replays exactly. Every start needs a different seed.
    #[arg(long, hide = true)]
    pub store_id_seed: Option<u64>,
    /// Median stable latency the adaptive preset tunes its batch interval to meet, in
    /// milliseconds (default 300); ignored by the other presets.
    #[arg(long)]
    pub latency_target_ms: Option<u64>,
}

fn parse_topology(text: &str) -> Result<Topology, glomer_crdt::TopologyError> {
    text.parse()
}

impl GossipFlags {
    /// The preset's settings with every explicit flag applied on top.
    pub fn config(&self) -> GossipConfig {
        let mut config = match (self.preset, self.latency_target_ms) {
            (Preset::Adaptive, Some(target_ms)) => GossipConfig::adaptive(target_ms),
            (preset, _) => GossipConfig::preset(preset),
        };
        let preset_retransmit_gap_ms = config.retransmit_ms.saturating_sub(config.ack_delay_ms);
        if let Some(topology) = &self.topology {
            config.topology = topology.clone();
        }
        config.flush = self.flush.unwrap_or(config.flush);
        config.interval_ms = self.interval_ms.unwrap_or(config.interval_ms);
        config.acks = self.acks.unwrap_or(config.acks);
        config.ack_delay_ms = self.ack_delay_ms.unwrap_or(config.ack_delay_ms);
        // A longer ack delay alone must not make every send look lost: keep the preset's gap.
        config.retransmit_ms =
            self.retransmit_ms.unwrap_or_else(|| config.ack_delay_ms.saturating_add(preset_retransmit_gap_ms));
        config.topology_seed = self.topology_seed.unwrap_or(config.topology_seed);
        config.data_dir = self.data_dir.clone().map(|path| DataDir {
            path,
            store: StoreConfig {
                id_seed: self.store_id_seed,
                ..StoreConfig::with_durability(self.durability.unwrap_or_default())
            },
        });
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Flags {
        #[command(flatten)]
        gossip: GossipFlags,
    }

    fn config(args: &[&str]) -> GossipConfig {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        crate::flags::parse::<Flags>(&args).unwrap().gossip.config()
    }

    #[test]
    fn the_default_is_the_balanced_preset() {
        assert_eq!(config(&[]), GossipConfig::preset(Preset::Balanced));
        assert_eq!(GossipConfig::default(), GossipConfig::preset(Preset::Balanced));
    }

    #[test]
    fn explicit_flags_override_the_preset_in_any_order() {
        let before = config(&["--interval-ms", "250", "--preset", "frugal", "--topology", "tree:3"]);
        let after = config(&["--preset", "frugal", "--topology", "tree:3", "--interval-ms", "250"]);
        assert_eq!(before, after);
        assert_eq!(after.interval_ms, 250);
        assert_eq!(after.topology, Topology::Tree(3));
        assert_eq!(after.flush, Flush::Interval, "the preset's own settings stay");
    }

    #[test]
    fn a_longer_ack_delay_moves_the_retransmit_timeout_with_it_unless_given() {
        let preset = GossipConfig::preset(Preset::Latency);
        let longer = config(&["--preset", "latency", "--ack-delay-ms", "5000"]);
        assert_eq!(longer.retransmit_ms - longer.ack_delay_ms, preset.retransmit_ms - preset.ack_delay_ms);
        assert_eq!(config(&["--ack-delay-ms", "5000", "--retransmit-ms", "700"]).retransmit_ms, 700);
    }

    #[test]
    fn bad_values_keep_the_preset() {
        assert_eq!(config(&["--topology", "mesh", "--flush", "sometimes"]), GossipConfig::preset(Preset::Balanced));
    }

    #[test]
    fn flush_policy_decides_the_engines_batch_interval() {
        let hubs = config(&["--flush", "hubs", "--interval-ms", "80"]);
        assert_eq!(hubs.sync_config(24, false).batch_interval_ms, 80, "a hub batches");
        assert_eq!(hubs.sync_config(1, false).batch_interval_ms, 0, "a leaf sends at once");
        assert_eq!(config(&["--flush", "now"]).sync_config(24, false).batch_interval_ms, 0);
        assert_eq!(config(&["--flush", "interval", "--interval-ms", "80"]).sync_config(1, false).batch_interval_ms, 80);
        assert!(!hubs.sync_config(4, true).relay, "no relaying in a complete graph");
        assert!(!config(&["--acks", "immediate"]).sync_config(1, false).piggyback_acks);
    }

    #[test]
    fn the_adaptive_preset_picks_its_graph_from_the_target() {
        let tight = config(&["--preset", "adaptive", "--latency-target-ms", "150"]);
        assert_eq!((tight.topology.clone(), tight.flush), (Topology::Total, Flush::Interval));
        let loose = config(&["--latency-target-ms", "600", "--preset", "adaptive"]);
        assert_eq!((loose.topology.clone(), loose.flush), (Topology::Star, Flush::Hubs));
        assert_eq!(loose.latency_target_ms, Some(600));
        assert!(loose.controller().is_some());
        assert_eq!(config(&["--preset", "adaptive"]).latency_target_ms, Some(DEFAULT_LATENCY_TARGET_MS));
        let ignored = config(&["--preset", "balanced", "--latency-target-ms", "150"]);
        assert!(ignored.controller().is_none(), "only the adaptive preset adapts");
    }
}
