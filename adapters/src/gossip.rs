//! A replicated CRDT for Maelstrom nodes: any [`Lattice`] kept in sync with the other nodes by
//! the delta anti-entropy [`Engine`], over Maelstrom's network.
//!
//! A workload holds one [`Gossip<L>`], changes the state only through [`Gossip::mutate`], reads
//! it with [`Gossip::state`], and forwards three things to it: `init` ([`Gossip::on_init`]),
//! peer messages of type [`GOSSIP_TYPE`] ([`is_gossip`], [`Gossip::on_gossip`]) and its own timers
//! ([`Gossip::on_timer`]). Everything else (when to send, acks, retransmission after a
//! partition, batching) is the engine's, configured by [`GossipConfig`], which the shared
//! [`GossipFlags`] build from the node's command line.
//!
//! A grow-only counter node, whole (its flags would `#[command(flatten)]` a [`GossipFlags`] and
//! pass `flags.gossip.config()` to [`Gossip::new`]):
//!
//! ```
//! use glomer_adapters::gossip::{self, Gossip, GossipConfig};
//! use glomer_adapters::{Body, Context, Error, Message, Node, Workload};
//! use glomer_crdt::GCounter;
//!
//! struct Counter {
//!     total: Gossip<GCounter>,
//! }
//!
//! impl Workload for Counter {
//!     fn on_init(&mut self, ctx: &mut Context) {
//!         self.total.on_init(ctx);
//!     }
//!
//!     fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
//!         if gossip::is_gossip(&msg) {
//!             self.total.on_gossip(ctx, msg);
//!             return Ok(());
//!         }
//!         let me = self.total.replica_id();
//!         let delta = msg.body.get("delta").and_then(|d| d.as_u64()).unwrap_or(0);
//!         self.total.mutate(ctx, |counter| counter.increment(me, delta));
//!         ctx.reply(&msg, Body::new("add_ok"));
//!         Ok(())
//!     }
//!
//!     fn on_timer(&mut self, ctx: &mut Context, token: u64) {
//!         self.total.on_timer(ctx, token);
//!     }
//! }
//!
//! let mut node = Node::new(Counter { total: Gossip::new(GossipConfig::default()) });
//! node.handle_line(r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}}"#, 0);
//! node.handle_line(r#"{"src":"c1","dest":"n0","body":{"type":"add","msg_id":1,"delta":5}}"#, 1);
//! let sent = node.take_outbox();
//! assert!(sent.iter().any(|m| m.dest == "n1" && gossip::is_gossip(m)), "the delta went to n1 at once");
//! assert_eq!(node.workload().total.state().value(), 5);
//! ```
//!
//! # Wire format and identities
//!
//! A peer message is `{"type":"gossip","sync":<SyncMessage as JSON>}`, with no `msg_id`: it is
//! never answered with a Maelstrom reply, the engine's acks (piggybacked or standalone) do that
//! job. The engine's `ReplicaId` of a node is its index in `init`'s `node_ids`, which is the
//! same list, in the same order, on every node (spec section 1.4). Peer messages that arrive
//! before `init` wait in the [`crate::Node`]'s pre-init buffer and reach [`Gossip::on_gossip`]
//! right after [`Gossip::on_init`].
//!
//! # Ticking
//!
//! The engine says when it next has something to send ([`Engine::next_deadline_ms`]); after
//! every event this module ticks it if that time has come and otherwise arms one timer for it,
//! so an idle node sets no timers and sends nothing, and `--flush now` sends within the same
//! event that made the change.

use std::collections::HashMap;

use glomer_crdt::{Engine, Lattice, Outgoing, ReplicaId, SyncConfig, SyncMessage, Topology};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::protocol::{Body, Message};
use crate::workload::Context;

/// The `type` of every peer message this module sends and accepts.
pub const GOSSIP_TYPE: &str = "gossip";

/// Timer tokens with this bit set belong to [`Gossip`]; a workload's own tokens must leave it
/// clear. The rest of the token is the due time, so a timer that fired late is recognised.
pub const TIMER_BIT: u64 = 1 << 63;

/// Ticks in one event before giving up on a deadline that stays due: the engine settles a
/// spurious early deadline in one tick, so a second one is already a sign of a bug, and a
/// bound keeps such a bug from spinning the node.
const TICKS_PER_EVENT_MAX: usize = 3;

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

/// Everything that decides how a [`Gossip`] node talks to its peers.
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
        }
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
    /// frugal (star, everyone batches 400 ms).
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
}

fn parse_topology(text: &str) -> Result<Topology, glomer_crdt::TopologyError> {
    text.parse()
}

impl GossipFlags {
    /// The preset's settings with every explicit flag applied on top.
    pub fn config(&self) -> GossipConfig {
        let mut config = GossipConfig::preset(self.preset);
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
        config
    }
}

/// Whether `msg` is a peer message for [`Gossip::on_gossip`].
pub fn is_gossip(msg: &Message) -> bool {
    msg.body.kind == GOSSIP_TYPE
}

/// One node's replica of an `L`, kept in sync with its neighbours through the engine.
#[derive(Debug)]
pub struct Gossip<L: Lattice> {
    config: GossipConfig,
    engine: Engine<L>,
    node_ids: Vec<String>,
    /// The earliest gossip timer armed and not yet fired.
    armed_ms: Option<u64>,
}

impl<L: Lattice + Serialize + DeserializeOwned> Gossip<L> {
    /// A replica at bottom, not yet connected (that happens in [`Gossip::on_init`]).
    pub fn new(config: GossipConfig) -> Self {
        // A placeholder identity until `on_init` names the node: no replica has this index.
        let engine = Engine::new(ReplicaId(u32::MAX), [], config.sync_config(0, false));
        Self { config, engine, node_ids: Vec::new(), armed_ms: None }
    }

    /// The current state.
    pub fn state(&self) -> &L {
        self.engine.state()
    }

    /// The engine, for its statistics and neighbour set.
    pub fn engine(&self) -> &Engine<L> {
        &self.engine
    }

    /// The configuration in force.
    pub fn config(&self) -> &GossipConfig {
        &self.config
    }

    /// Learns the node ids and the neighbours (unless they come with Maelstrom's topology).
    pub fn on_init(&mut self, ctx: &mut Context) {
        self.node_ids = ctx.node_ids().to_vec();
        let me = self.node_ids.iter().position(|id| id == ctx.node_id()).unwrap_or(0);
        let lists = match self.config.topology {
            Topology::Given(_) => Vec::new(),
            ref topology => topology.neighbours(self.node_ids.len(), self.config.topology_seed),
        };
        self.connect(ctx, me, lists);
    }

    /// Maelstrom's `topology` message (node id to neighbour ids): the neighbours when the
    /// topology is `maelstrom`, ignored otherwise. The graph is made symmetric, so a node also
    /// sends to the nodes that list it.
    pub fn on_topology(&mut self, ctx: &mut Context, topology: &HashMap<String, Vec<String>>) {
        if !matches!(self.config.topology, Topology::Given(_)) {
            return;
        }
        let mut lists = vec![Vec::new(); self.node_ids.len()];
        for (node, neighbours) in topology {
            if let Some(list) = self.index_of(node).and_then(|at| lists.get_mut(at)) {
                list.extend(neighbours.iter().filter_map(|id| self.index_of(id)));
            }
        }
        let me = self.engine.id().0 as usize;
        let symmetric = Topology::Given(lists).neighbours(self.node_ids.len(), 0);
        self.connect(ctx, me, symmetric);
    }

    /// Runs a delta-mutator (`f` changes the state and returns its delta) and sends or
    /// schedules what the neighbours now lack.
    pub fn mutate(&mut self, ctx: &mut Context, f: impl FnOnce(&mut L) -> L) {
        self.mutate_with(ctx, |state| (f(state), ()));
    }

    /// Like [`Gossip::mutate`] for a mutator that also returns a result, e.g. an offset.
    pub fn mutate_with<R>(&mut self, ctx: &mut Context, f: impl FnOnce(&mut L) -> (L, R)) -> R {
        let result = self.engine.mutate_with(f);
        self.pump(ctx);
        result
    }

    /// This node's replica id (its index in `node_ids`), once [`Gossip::on_init`] ran: what
    /// per-replica types such as `GCounter` need.
    pub fn replica_id(&self) -> ReplicaId {
        self.engine.id()
    }

    /// Handles a peer's gossip message: joins what is new, records acks, answers as the ack
    /// policy says. A message from an unknown node or with an unreadable body is logged and
    /// dropped (the sender retransmits what matters).
    pub fn on_gossip(&mut self, ctx: &mut Context, mut msg: Message) {
        let Some(from) = self.index_of(&msg.src) else {
            tracing::warn!(src = %msg.src, "gossip from a node not in node_ids; dropped");
            return;
        };
        let sync = msg.body.fields.remove("sync").unwrap_or_default();
        match serde_json::from_value::<SyncMessage<L>>(sync) {
            Ok(message) => {
                let replies = self.engine.receive(replica(from), message, ctx.now_ms());
                self.send_all(ctx, replies);
                self.pump(ctx);
            }
            Err(err) => tracing::warn!(src = %msg.src, %err, "unreadable gossip; dropped"),
        }
    }

    /// Handles a timer: `true` if `token` was one of this module's (see [`TIMER_BIT`]).
    pub fn on_timer(&mut self, ctx: &mut Context, token: u64) -> bool {
        if token & TIMER_BIT == 0 {
            return false;
        }
        if self.armed_ms == Some(token & !TIMER_BIT) {
            self.armed_ms = None;
        }
        self.pump(ctx);
        true
    }

    /// Gives the engine its neighbours in the graph `lists` (every node's neighbour list) and
    /// the settings they call for: the batch interval depends on the neighbour count, relaying
    /// on whether the graph is complete. State and acknowledgements are kept, so peers that
    /// talked to this node before it learnt its topology lose nothing.
    fn connect(&mut self, ctx: &mut Context, me: usize, lists: Vec<Vec<usize>>) {
        let nodes = self.node_ids.len();
        let complete = nodes > 1 && lists.len() == nodes && lists.iter().all(|list| list.len() + 1 == nodes);
        let neighbours = lists.into_iter().nth(me).unwrap_or_default();
        let config = self.config.sync_config(neighbours.len(), complete);
        if self.engine.id() != replica(me) {
            // Only at `init`, before any peer message reached the engine (the node holds them
            // until `init` is handled).
            self.engine = Engine::with_state(replica(me), [], self.engine.state().clone(), config.clone());
        }
        self.engine.set_config(config);
        self.engine.set_neighbours(neighbours.into_iter().map(replica));
        self.pump(ctx);
    }

    /// Ticks the engine while a send is due, then arms a timer for the next deadline.
    fn pump(&mut self, ctx: &mut Context) {
        for _ in 0..TICKS_PER_EVENT_MAX {
            let now_ms = ctx.now_ms();
            match self.engine.next_deadline_ms() {
                Some(due_ms) if due_ms <= now_ms => {
                    let out = self.engine.tick(now_ms);
                    self.send_all(ctx, out);
                }
                Some(due_ms) => return self.arm(ctx, due_ms),
                None => return,
            }
        }
        tracing::warn!("gossip deadline still due after {TICKS_PER_EVENT_MAX} ticks; retrying in 1 ms");
        self.arm(ctx, ctx.now_ms().saturating_add(1));
    }

    /// Sets a timer for `due_ms` unless an earlier one is armed already.
    fn arm(&mut self, ctx: &mut Context, due_ms: u64) {
        if self.armed_ms.is_some_and(|armed| armed <= due_ms) {
            return;
        }
        self.armed_ms = Some(due_ms);
        ctx.set_timer(due_ms.saturating_sub(ctx.now_ms()), TIMER_BIT | (due_ms & !TIMER_BIT));
    }

    fn send_all(&self, ctx: &mut Context, out: Vec<Outgoing<L>>) {
        for Outgoing { to, message } in out {
            let Some(dest) = self.node_ids.get(to.0 as usize) else { continue };
            match serde_json::to_value(&message) {
                Ok(sync) => ctx.send(dest, Body::new(GOSSIP_TYPE).with("sync", sync)),
                Err(err) => tracing::error!(%err, "gossip message not encodable; dropped"),
            }
        }
    }

    fn index_of(&self, node: &str) -> Option<usize> {
        self.node_ids.iter().position(|id| id == node)
    }
}

/// The replica id of the node at `index` in `node_ids` (Maelstrom runs at most a few dozen).
fn replica(index: usize) -> ReplicaId {
    ReplicaId(u32::try_from(index).unwrap_or(u32::MAX))
}

/// A JSON value with a total order, so any JSON can be an element of a [`glomer_crdt::GSet`]
/// or a key of an ordered map. Equality is serde_json's: `1`, `1.0` and `"1"` stay three
/// different values (spec section 1.2), and a value serialises back exactly as it came.
///
/// The order: null < booleans < numbers < strings < arrays < objects; integers (by value)
/// before floats (by value); arrays lexicographically; objects by their key-sorted entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct JsonElement(pub serde_json::Value);

impl Ord for JsonElement {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        json_cmp(&self.0, &other.0)
    }
}

impl PartialOrd for JsonElement {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

fn json_cmp(a: &serde_json::Value, b: &serde_json::Value) -> std::cmp::Ordering {
    use serde_json::Value;
    fn rank(value: &Value) -> u8 {
        match value {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            let first_difference = x.iter().zip(y).map(|(p, q)| json_cmp(p, q)).find(|o| o.is_ne());
            first_difference.unwrap_or_else(|| x.len().cmp(&y.len()))
        }
        (Value::Object(x), Value::Object(y)) => {
            let (x, y) = (sorted_entries(x), sorted_entries(y));
            let entry_cmp =
                |(p, q): (&(&String, &Value), &(&String, &Value))| p.0.cmp(q.0).then_with(|| json_cmp(p.1, q.1));
            x.iter().zip(&y).map(entry_cmp).find(|o| o.is_ne()).unwrap_or_else(|| x.len().cmp(&y.len()))
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

fn sorted_entries(map: &serde_json::Map<String, serde_json::Value>) -> Vec<(&String, &serde_json::Value)> {
    let mut entries: Vec<(&String, &serde_json::Value)> = map.iter().collect();
    entries.sort_by(|p, q| p.0.cmp(q.0));
    entries
}

/// Integers before floats, so that `1` and `1.0` (unequal in serde_json) never compare equal.
fn number_cmp(x: &serde_json::Number, y: &serde_json::Number) -> std::cmp::Ordering {
    let integer = |n: &serde_json::Number| n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from));
    match (integer(x), integer(y)) {
        (Some(p), Some(q)) => p.cmp(&q),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => {
            let (p, q) = (x.as_f64().unwrap_or_default(), y.as_f64().unwrap_or_default());
            p.partial_cmp(&q).unwrap_or(std::cmp::Ordering::Equal)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

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
    fn json_elements_are_distinct_by_type_and_ordered_consistently_with_equality() {
        let values = [
            json!(null),
            json!(false),
            json!(true),
            json!(-3),
            json!(1),
            json!(u64::MAX),
            json!(-0.5),
            json!(1.0),
            json!("1"),
            json!([1, 2]),
            json!([1, 2, 0]),
            json!({"a": 1}),
            json!({"a": 1, "b": 2}),
        ];
        let elements: Vec<JsonElement> = values.iter().cloned().map(JsonElement).collect();
        for (i, a) in elements.iter().enumerate() {
            for (j, b) in elements.iter().enumerate() {
                assert_eq!(a.cmp(b), i.cmp(&j), "{a:?} vs {b:?}");
                assert_eq!(a == b, i == j, "{a:?} vs {b:?}");
            }
        }
        let set: std::collections::BTreeSet<JsonElement> = elements.iter().cloned().collect();
        assert_eq!(set.len(), values.len());
    }

    #[test]
    fn json_elements_round_trip_exactly() {
        let text = r#"[1,1.0,"1",-0.5,{"b":[null],"a":true}]"#;
        let elements: Vec<JsonElement> = serde_json::from_str(text).unwrap();
        let back: serde_json::Value = serde_json::from_str(&serde_json::to_string(&elements).unwrap()).unwrap();
        assert_eq!(back, serde_json::from_str::<serde_json::Value>(text).unwrap());
    }
}
