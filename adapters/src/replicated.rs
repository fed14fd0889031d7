//! The one replicated workload: any CRDT kept in sync across Maelstrom's nodes by the delta
//! anti-entropy engine. It owns the engine and routes `init`, `topology`, peer gossip and the
//! sync timer; a CRDT workload ([`Crdt`]) supplies only its state lattice, its typed requests
//! and one handler that reads the state and changes it through delta-mutators.
//!
//! A grow-only counter node, whole:
//!
//! ```
//! use glomer_adapters::gossip_config::GossipConfig;
//! use glomer_adapters::replicated::{Crdt, Replica, Replicated, GOSSIP_TYPE};
//! use glomer_adapters::{Context, Error, Message, Node};
//! use glomer_crdt::GCounter;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "snake_case")]
//! enum Request {
//!     Add { delta: u64 },
//! }
//!
//! #[derive(Serialize)]
//! #[serde(tag = "type", rename = "add_ok")]
//! struct AddOk {}
//!
//! struct Counter;
//!
//! impl Crdt for Counter {
//!     type State = GCounter;
//!     type Request = Request;
//!
//!     fn on_request(&mut self, replica: &mut Replica<GCounter>, ctx: &mut Context, msg: Message, request: Request) -> Result<(), Error> {
//!         let Request::Add { delta } = request;
//!         let me = replica.id();
//!         replica.mutate(ctx, |counter| counter.increment(me, delta));
//!         ctx.reply(&msg, AddOk {});
//!         Ok(())
//!     }
//! }
//!
//! let mut node = Node::new(Replicated::new(Counter, GossipConfig::default()));
//! node.handle_line(r#"{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0","n1"]}}"#, 0);
//! node.handle_line(r#"{"src":"c1","dest":"n0","body":{"type":"add","msg_id":1,"delta":5}}"#, 1);
//! let sent = node.take_outbox();
//! assert!(sent.iter().any(|m| m.dest == "n1" && m.body.kind == GOSSIP_TYPE), "the delta went to n1 at once");
//! assert_eq!(node.workload().replica().map(|r| r.state().value()), Some(5));
//! ```
//!
//! # Wire format and identities
//!
//! A peer message is `{"type":"gossip","sync":<SyncMessage as JSON>}`, with no `msg_id`: it is
//! never answered with a Maelstrom reply, the engine's acks (piggybacked or standalone) do that
//! job. The engine's `ReplicaId` of a node is its index in `init`'s `node_ids`, the same list
//! in the same order on every node. The engine is built at `init`, with that id; peer messages
//! that arrive earlier wait in the [`crate::Node`]'s pre-init buffer.
//!
//! # Timing
//!
//! The transport-free part is [`glomer_crdt::Synced`]: after every event this module polls
//! it, which ticks the engine once if its (exact) deadline has come and says when to wake up
//! next; that becomes one [`Timer::Sync`]. An idle node sets no timers and sends nothing, and
//! `--flush now` sends within the event that made the change. Each message is encoded once,
//! straight into its body, and a delta that goes to several neighbours is encoded once for all.

use std::collections::HashMap;
use std::path::PathBuf;

use glomer_crdt::{Engine, Lattice, ReplicaId, SyncMessage, Synced, Topology};
use glomer_store::{Store, StoreConfig};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::{to_raw_value, RawValue};

use crate::gossip_config::GossipConfig;
use crate::protocol::{Body, Error, ErrorCode, Message, TopologyOk};
use crate::request;
use crate::workload::{CallId, Context, RpcError, Timer, Workload};

/// The `type` of every peer message this module sends and accepts.
pub const GOSSIP_TYPE: &str = "gossip";

/// The gossip field naming the sender's process start (durable nodes only): a peer that sees
/// it change knows the sender restarted with only its own durable deltas, and sends it
/// everything again.
pub const BOOT_FIELD: &str = "boot";

/// Boot numbers stay below 2^53 so that every JSON reader (Maelstrom's included) reads them
/// exactly.
const BOOT_MASK: u64 = (1 << 53) - 1;

/// Where a replica keeps its state across restarts (`--data-dir`): the directory that holds
/// one subdirectory per node id, and the store's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct DataDir {
    /// The directory given; the node's own files are in `path/<node id>`.
    pub path: PathBuf,
    /// Durability mode and log bound of the node's store.
    pub store: StoreConfig,
}

/// What one CRDT workload supplies: its state, its requests and one handler.
pub trait Crdt {
    /// The replicated state: a lattice whose deltas travel as JSON.
    type State: Lattice + Serialize + DeserializeOwned;
    /// The requests it serves: a serde enum tagged by `type`, the one list of its request
    /// types (others get error 10, malformed ones error 12).
    type Request: DeserializeOwned;

    /// Serves one request: reads `replica.state()`, changes it only through
    /// [`Replica::mutate`], answers (or calls another node) through `ctx`. An error is sent
    /// back to the client.
    fn on_request(
        &mut self,
        replica: &mut Replica<Self::State>,
        ctx: &mut Context,
        msg: Message,
        request: Self::Request,
    ) -> Result<(), Error>;

    /// Called once, right after the replica was built at `init` (a clock that needs the
    /// replica id starts here).
    fn on_start(&mut self, replica: &Replica<Self::State>) {
        let _ = replica;
    }

    /// The outcome of a call made with [`Context::call`] from `on_request`.
    fn on_reply(
        &mut self,
        replica: &mut Replica<Self::State>,
        ctx: &mut Context,
        call: CallId,
        reply: Result<Message, RpcError>,
    ) {
        let _ = (replica, ctx, call, reply);
    }
}

/// Maelstrom's `topology` request: node id to the ids of its suggested neighbours.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TopologyRequest {
    Topology { topology: HashMap<String, Vec<String>> },
}

/// A node of any [`Crdt`] workload: the workload plus its replica, built at `init`.
#[derive(Debug)]
pub struct Replicated<C: Crdt> {
    crdt: C,
    config: GossipConfig,
    replica: Option<Replica<C::State>>,
}

impl<C: Crdt> Replicated<C> {
    /// A node of `crdt`, replicating with `config` once `init` names it.
    pub fn new(crdt: C, config: GossipConfig) -> Self {
        Self { crdt, config, replica: None }
    }

    /// The workload's own part, for inspection.
    pub fn crdt(&self) -> &C {
        &self.crdt
    }

    /// The replica (`None` before `init`).
    pub fn replica(&self) -> Option<&Replica<C::State>> {
        self.replica.as_ref()
    }

    /// The replica, to retune its engine at run time (`None` before `init`).
    pub fn replica_mut(&mut self) -> Option<&mut Replica<C::State>> {
        self.replica.as_mut()
    }
}

impl<C: Crdt> Workload for Replicated<C> {
    fn on_init(&mut self, ctx: &mut Context) {
        let replica = Replica::start(self.config.clone(), ctx);
        self.crdt.on_start(&replica);
        self.replica = Some(replica);
    }

    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let Some(replica) = self.replica.as_mut() else {
            // The node hands nothing over before `init`; answer as it would.
            return Err(Error::new(ErrorCode::TemporarilyUnavailable, "node not initialised yet"));
        };
        match &*msg.body.kind {
            GOSSIP_TYPE => replica.on_gossip(ctx, msg),
            "topology" => {
                let TopologyRequest::Topology { topology } = request::parse(&msg)?;
                replica.on_topology(ctx, &topology);
                ctx.reply(&msg, TopologyOk {});
            }
            _ => {
                let request = request::parse(&msg)?;
                self.crdt.on_request(replica, ctx, msg, request)?;
            }
        }
        Ok(())
    }

    fn on_reply(&mut self, ctx: &mut Context, call: CallId, reply: Result<Message, RpcError>) {
        if let Some(replica) = self.replica.as_mut() {
            self.crdt.on_reply(replica, ctx, call, reply);
        }
    }

    fn on_timer(&mut self, ctx: &mut Context, timer: Timer) {
        match (timer, self.replica.as_mut()) {
            (Timer::Sync, Some(replica)) => replica.poll(ctx),
            (timer, _) => tracing::debug!(?timer, "a timer nobody set; ignored"),
        }
    }

    fn commit(&mut self) -> Result<(), Error> {
        self.replica.as_mut().map_or(Ok(()), Replica::commit)
    }
}

/// One node's replica of an `L`: the engine (through [`Synced`]), the node names its replica
/// ids stand for, and the settings it was started with.
#[derive(Debug)]
pub struct Replica<L: Lattice> {
    config: GossipConfig,
    synced: Synced<L>,
    node_ids: Vec<String>,
    /// This node's index in `node_ids`: its routing id in the engine.
    me: usize,
    /// The id mutations mint under: the store's drawn id with a data directory (a restart
    /// keeps it, an emptied directory draws a new one), else the routing id.
    minting_id: ReplicaId,
    durable: Durable<L>,
}

/// A replica's durable side: its store, what is appended but not committed, and what its
/// peers' process starts were.
#[derive(Debug)]
struct Durable<L> {
    /// `None` without a data directory, or when it could not be opened (then `broken` says
    /// why and every batch that mutates fails).
    store: Option<Store<L>>,
    broken: Option<String>,
    /// Deltas were appended since the last commit.
    uncommitted: bool,
    /// An append failed since the last commit.
    append_error: Option<String>,
    /// This process start's number, sent in every gossip (durable nodes only).
    boot: Option<u64>,
    /// The last boot number heard from each node, by index.
    peer_boots: Vec<Option<u64>>,
}

impl<L: Lattice + Serialize + DeserializeOwned> Replica<L> {
    /// The replica of the node `ctx` names, connected as the topology says (or waiting for
    /// Maelstrom's `topology` message when the topology is `maelstrom`).
    fn start(config: GossipConfig, ctx: &mut Context) -> Self {
        let node_ids = ctx.node_ids().to_vec();
        let me = node_ids.iter().position(|id| id == ctx.node_id()).unwrap_or_else(|| {
            tracing::warn!(node_id = %ctx.node_id(), "init's node_ids do not list this node; acting as the first");
            0
        });
        let lists = match config.topology {
            Topology::Given(_) => Vec::new(),
            ref topology => topology.neighbours(node_ids.len(), config.topology_seed),
        };
        let (neighbours, sync) = plan(&config, node_ids.len(), me, lists);
        let durable = Durable::<L>::open(config.data_dir.as_ref(), ctx.node_id(), node_ids.len());
        let (engine, minting_id) = match &durable.store {
            Some(store) => {
                let recovered = store.state().clone();
                (Engine::with_state(replica(me), neighbours, recovered, sync), store.identity().replica_id)
            }
            None => (Engine::new(replica(me), neighbours, sync), replica(me)),
        };
        let mut replica = Self { config, synced: Synced::new(engine), node_ids, me, minting_id, durable };
        replica.announce(ctx);
        replica.poll(ctx);
        replica
    }

    /// Tells every neighbour that this process started (a durable node only), so each sends
    /// it what this start lost: the deltas it had received, which are not in its store.
    fn announce(&mut self, ctx: &mut Context) {
        if self.durable.boot.is_none() {
            return;
        }
        let mut encoder = Encoder { boot: self.durable.boot, ..Encoder::default() };
        for to in self.synced.engine().neighbours().to_vec() {
            encoder.send::<L>(ctx, &self.node_ids, to, SyncMessage::Ack { seq: 0 });
        }
    }

    /// Makes every delta appended since the last commit durable.
    fn commit(&mut self) -> Result<(), Error> {
        self.durable.commit()
    }

    /// The current state.
    pub fn state(&self) -> &L {
        self.synced.engine().state()
    }

    /// The id this replica mints counter entries, dots and timestamps under: what
    /// per-replica types such as `GCounter` need. It is the node's index in `node_ids`, or
    /// with a data directory the store's drawn id (docs/durability.md), never reused by
    /// another replica or another incarnation.
    pub fn id(&self) -> ReplicaId {
        self.minting_id
    }

    /// The engine, for its statistics and neighbour set.
    pub fn engine(&self) -> &Engine<L> {
        self.synced.engine()
    }

    /// The engine, to retune it at run time ([`Engine::set_config`]).
    pub fn engine_mut(&mut self) -> &mut Engine<L> {
        self.synced.engine_mut()
    }

    /// The settings in force.
    pub fn config(&self) -> &GossipConfig {
        &self.config
    }

    /// Runs a delta-mutator (`f` changes the state and returns its delta) and sends or
    /// schedules what the neighbours now lack.
    pub fn mutate(&mut self, ctx: &mut Context, f: impl FnOnce(&mut L) -> L) {
        self.mutate_with(ctx, |state| (f(state), ()));
    }

    /// Like [`Replica::mutate`] for a mutator that also returns a result, e.g. an offset.
    pub fn mutate_with<R>(&mut self, ctx: &mut Context, f: impl FnOnce(&mut L) -> (L, R)) -> R {
        let durable = &mut self.durable;
        let result = self.synced.engine_mut().mutate_with(|state| {
            let (delta, result) = f(state);
            durable.append(&delta);
            (delta, result)
        });
        self.poll(ctx);
        result
    }

    /// A peer's gossip: joins what is new, records acks, answers as the ack policy says. A
    /// message from an unknown node or with an unreadable payload is logged and dropped (the
    /// sender retransmits what matters).
    fn on_gossip(&mut self, ctx: &mut Context, mut msg: Message) {
        let Some(from) = self.index_of(&msg.src) else {
            tracing::warn!(src = %msg.src, "gossip from a node not in node_ids; dropped");
            return;
        };
        let boot = msg.body.get(BOOT_FIELD).and_then(serde_json::Value::as_u64);
        if self.durable.peer_restarted(from, boot) {
            self.start_over_with(replica(from));
        }
        match msg.body.take_decoded::<SyncMessage<L>>("sync") {
            Some(Ok(message)) => {
                let acks = self.synced.engine_mut().receive(replica(from), message, ctx.now_ms());
                let mut encoder = Encoder { boot: self.durable.boot, ..Encoder::default() };
                for ack in acks {
                    encoder.send(ctx, &self.node_ids, ack.to, ack.message.as_ref());
                }
                self.poll(ctx);
            }
            Some(Err(err)) => tracing::warn!(src = %msg.src, %err, "unreadable gossip; dropped"),
            None => tracing::warn!(src = %msg.src, "gossip without a sync field; dropped"),
        }
    }

    /// Maelstrom's `topology` message: the neighbours when the topology is `maelstrom`,
    /// ignored otherwise. The graph is made symmetric, so a node also sends to the nodes that
    /// list it. State and acknowledgements are kept, so peers that talked to this node before
    /// it learnt its topology lose nothing.
    fn on_topology(&mut self, ctx: &mut Context, topology: &HashMap<String, Vec<String>>) {
        if !matches!(self.config.topology, Topology::Given(_)) {
            return;
        }
        let mut lists = vec![Vec::new(); self.node_ids.len()];
        for (node, neighbours) in topology {
            if let Some(list) = self.index_of(node).and_then(|at| lists.get_mut(at)) {
                list.extend(neighbours.iter().filter_map(|id| self.index_of(id)));
            }
        }
        let symmetric = Topology::Given(lists).neighbours(self.node_ids.len(), 0);
        let (neighbours, sync) = plan(&self.config, self.node_ids.len(), self.me, symmetric);
        let engine = self.synced.engine_mut();
        engine.set_config(sync);
        engine.set_neighbours(neighbours);
        self.poll(ctx);
    }

    /// Ticks the engine if its deadline has come and arms the sync timer for the next one.
    fn poll(&mut self, ctx: &mut Context) {
        let now_ms = ctx.now_ms();
        let mut encoder = Encoder { boot: self.durable.boot, ..Encoder::default() };
        let node_ids = &self.node_ids;
        let wake_at_ms = self.synced.poll(now_ms, |to, message| encoder.send(ctx, node_ids, to, message));
        if let Some(at_ms) = wake_at_ms {
            ctx.set_timer(at_ms.saturating_sub(now_ms), Timer::Sync);
        }
    }

    /// Starts over with `peer`, which restarted from its store: it gets the buffered deltas
    /// again or, when the buffer no longer reaches back that far, the whole state, and what
    /// it sent before its restart no longer counts towards acknowledging its new deltas.
    fn start_over_with(&mut self, peer: ReplicaId) {
        tracing::info!(%peer, "a node restarted; starting over with it");
        self.synced.engine_mut().peer_restarted(peer);
    }

    fn index_of(&self, node: &str) -> Option<usize> {
        self.node_ids.iter().position(|id| id == node)
    }
}

/// The neighbours of node `me` in the graph `lists` (every node's neighbour list) and the
/// engine settings they call for: the batch interval depends on the neighbour count,
/// relaying on whether the graph is complete.
fn plan(
    config: &GossipConfig,
    nodes: usize,
    me: usize,
    lists: Vec<Vec<usize>>,
) -> (Vec<ReplicaId>, glomer_crdt::SyncConfig) {
    let complete = nodes > 1 && lists.len() == nodes && lists.iter().all(|list| list.len() + 1 == nodes);
    let neighbours = lists.into_iter().nth(me).unwrap_or_default();
    let sync = config.sync_config(neighbours.len(), complete);
    (neighbours.into_iter().map(replica).collect(), sync)
}

/// Encodes the sync messages of one event as gossip bodies. A delta lent to several
/// neighbours (the same join) is encoded once; each message then only copies that text.
#[derive(Default)]
struct Encoder {
    /// This process start's number, sent with every message of a durable node.
    boot: Option<u64>,
    /// Deltas encoded during this event, by the address of the payload the engine lent:
    /// every lent payload lives until the event ends, so an address names one payload.
    deltas: Vec<(usize, Box<RawValue>)>,
}

impl Encoder {
    fn send<L: Serialize>(&mut self, ctx: &mut Context, node_ids: &[String], to: ReplicaId, message: SyncMessage<&L>) {
        let Some(dest) = node_ids.get(to.0 as usize) else { return };
        match self.encode(message) {
            Ok(sync) => {
                let body = Body::new(GOSSIP_TYPE).with_encoded("sync", sync);
                ctx.send(dest, if let Some(boot) = self.boot { body.with(BOOT_FIELD, boot) } else { body });
            }
            Err(err) => tracing::error!(%err, "gossip message not encodable; dropped"),
        }
    }

    fn encode<L: Serialize>(&mut self, message: SyncMessage<&L>) -> serde_json::Result<Box<RawValue>> {
        let SyncMessage::Delta { delta, .. } = message else { return to_raw_value(&message) };
        if std::mem::size_of::<L>() == 0 {
            // Zero-sized payloads share addresses; nothing to save on them anyway.
            return to_raw_value(&message);
        }
        let address = delta as *const L as usize;
        let at = match self.deltas.iter().position(|(seen, _)| *seen == address) {
            Some(at) => at,
            None => {
                self.deltas.push((address, to_raw_value(delta)?));
                self.deltas.len() - 1
            }
        };
        let encoded: &RawValue = &self.deltas[at].1;
        to_raw_value(&message.map(|_| encoded))
    }
}

/// The replica id of the node at `index` in `node_ids` (Maelstrom runs at most a few dozen).
fn replica(index: usize) -> ReplicaId {
    ReplicaId(u32::try_from(index).unwrap_or(u32::MAX))
}

impl<L: Lattice + Serialize + DeserializeOwned> Durable<L> {
    /// Opens `data_dir/<node_id>` when a data directory is given. A directory that cannot be
    /// opened (another node's, damaged, unwritable) leaves the node running without one, and
    /// failing every batch that mutates: a node never exits on its own, and never
    /// acknowledges what it could not keep.
    fn open(data_dir: Option<&DataDir>, node_id: &str, nodes: usize) -> Self {
        let mut durable = Durable {
            store: None,
            broken: None,
            uncommitted: false,
            append_error: None,
            boot: None,
            peer_boots: vec![None; nodes],
        };
        let Some(data_dir) = data_dir else { return durable };
        let dir = data_dir.path.join(node_id);
        match Store::open(&dir, node_id, data_dir.store) {
            Ok(store) => {
                tracing::info!(dir = %dir.display(), replica_id = %store.identity().replica_id, recovery = ?store.recovery(), "store open");
                durable.store = Some(store);
            }
            Err(err) => {
                tracing::error!(dir = %dir.display(), %err, "cannot open the data directory; every write will fail");
                durable.broken = Some(err.to_string());
            }
        }
        durable.boot = Some(data_dir.store.id_seed.unwrap_or_else(random_u64) & BOOT_MASK);
        durable
    }

    fn append(&mut self, delta: &L) {
        if self.boot.is_none() || delta.is_bottom() {
            return;
        }
        self.uncommitted = true;
        if let Some(Err(err)) = self.store.as_mut().map(|store| store.append(delta)) {
            self.append_error.get_or_insert(err.to_string());
        }
    }

    fn commit(&mut self) -> Result<(), Error> {
        if !std::mem::take(&mut self.uncommitted) {
            return Ok(());
        }
        let failure = match (self.store.as_mut(), self.append_error.take()) {
            (_, Some(err)) => err,
            (None, None) => self.broken.clone().unwrap_or_default(),
            (Some(store), None) => match store.commit() {
                Ok(()) => return Ok(()),
                Err(err) => err.to_string(),
            },
        };
        Err(Error::new(ErrorCode::Crash, format!("not durable: {failure}")))
    }

    /// Records `from`'s boot number; true when it changed, i.e. that node restarted.
    fn peer_restarted(&mut self, from: usize, boot: Option<u64>) -> bool {
        let (Some(boot), Some(seen)) = (boot, self.peer_boots.get_mut(from)) else { return false };
        seen.replace(boot).is_some_and(|before| before != boot)
    }
}

/// A number that differs between process starts, from the standard library's per-process
/// random hash keys (no other source of entropy is needed for this).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use glomer_store::DRAWN_ID_BIT;
    use serde_json::json;

    use crate::flags::FromFlags;
    use crate::workloads::g_counter::GCounter;
    use crate::{Message, Name, Node};

    fn message(src: &str, dest: &str, body: serde_json::Value) -> Message {
        Message { src: Name::new(src), dest: Name::new(dest), body: serde_json::from_value(body).unwrap() }
    }

    /// A g-counter node `n0` of two, durable in `dir`, initialised.
    fn durable_node(dir: &std::path::Path, seed: u64) -> Node<GCounter> {
        durable_node_named("n0", dir, seed, 0)
    }

    /// G-counter node `id` of `n0` and `n1`, durable in `dir`, initialised at `now_ms`; what
    /// its start sent (the init reply, its boot to the peer) is dropped.
    fn durable_node_named(id: &str, dir: &std::path::Path, seed: u64, now_ms: u64) -> Node<GCounter> {
        let args = ["--data-dir", &dir.to_string_lossy(), "--store-id-seed", &seed.to_string()].map(String::from);
        let mut node = Node::new(GCounter::from_args(&args));
        let init = json!({"type": "init", "msg_id": 1, "node_id": id, "node_ids": ["n0", "n1"]});
        node.handle_message(message("c0", id, init), now_ms);
        node.take_outbox();
        node
    }

    fn read(node: &mut Node<GCounter>) -> serde_json::Value {
        read_at(node, 10)
    }

    fn read_at(node: &mut Node<GCounter>, now_ms: u64) -> serde_json::Value {
        let id = node.node_id().to_owned();
        node.handle_message(message("c1", &id, json!({"type": "read", "msg_id": 9})), now_ms);
        let reply = node.take_outbox().into_iter().find(|m| m.dest == "c1").expect("a reply");
        reply.body.get("value").cloned().unwrap_or_default()
    }

    fn add(node: &mut Node<GCounter>, delta: u64, now_ms: u64) {
        let id = node.node_id().to_owned();
        node.handle_message(message("c1", &id, json!({"type": "add", "msg_id": 2, "delta": delta})), now_ms);
    }

    /// Ticks both nodes and hands each the other's peer messages, from `from_ms` to `to_ms`
    /// in steps of 10 ms; messages from `n0` are dropped while `cut` is set.
    fn run(nodes: &mut [Node<GCounter>; 2], from_ms: u64, to_ms: u64, cut: bool) {
        for now_ms in (from_ms..to_ms).step_by(10) {
            for at in 0..2 {
                nodes[at].tick(now_ms);
                let sent = nodes[at].take_outbox();
                let peer = &mut nodes[1 - at];
                let peer_id = peer.node_id().to_owned();
                for msg in sent.into_iter().filter(|m| m.dest == peer_id && !(cut && at == 0)) {
                    peer.handle_message(msg, now_ms);
                }
            }
        }
    }

    #[test]
    fn a_durable_node_keeps_what_it_acknowledged_and_its_drawn_id_across_a_restart() {
        let dir = std::env::temp_dir().join(format!("glomer-replicated-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut node = durable_node(&dir, 1);
        node.handle_message(message("c1", "n0", json!({"type": "add", "msg_id": 2, "delta": 7})), 5);
        let sent = node.take_outbox();
        assert!(sent.iter().any(|m| m.dest == "c1" && m.body.kind == "add_ok"), "{sent:?}");
        assert!(sent.iter().any(|m| m.dest == "n1" && m.body.get(super::BOOT_FIELD).is_some()), "{sent:?}");
        drop(node); // as a SIGKILL would

        let mut node = durable_node(&dir, 2);
        assert_eq!(read(&mut node), json!(7), "the acknowledged add survived");
        let GCounter::Crdt(counter) = node.workload() else { panic!("a CRDT counter") };
        let id = counter.replica().expect("initialised").id();
        assert_ne!(id.0 & DRAWN_ID_BIT, 0, "entries are minted under the store's drawn id, not the index");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_node_that_cannot_open_its_data_dir_answers_writes_with_crash() {
        let file = std::env::temp_dir().join(format!("glomer-replicated-file-{}", std::process::id()));
        std::fs::write(&file, b"not a directory").unwrap();
        let mut node = durable_node(&file, 1);
        node.handle_message(message("c1", "n0", json!({"type": "add", "msg_id": 2, "delta": 7})), 5);
        let reply = node.take_outbox().into_iter().find(|m| m.dest == "c1").expect("a reply");
        assert_eq!((&*reply.body.kind, reply.body.get("code")), ("error", Some(&json!(13))), "{reply:?}");
        assert_eq!(reply.body.in_reply_to, Some(2));
        std::fs::remove_file(&file).unwrap();
    }

    #[test]
    fn a_restarted_node_whose_first_delta_is_lost_in_a_partition_converges() {
        let base = std::env::temp_dir().join(format!("glomer-replicated-restart-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let (dir0, dir1) = (base.join("n0"), base.join("n1"));
        let mut nodes = [durable_node_named("n0", &dir0, 1, 0), durable_node_named("n1", &dir1, 2, 0)];
        for (i, delta) in [1, 2, 4].into_iter().enumerate() {
            add(&mut nodes[0], delta, i as u64 * 1_000);
            run(&mut nodes, i as u64 * 1_000, (i as u64 + 1) * 1_000, false);
        }
        assert_eq!(read_at(&mut nodes[1], 3_000), json!(7), "n1 heard n0's first three adds");

        // n0 is killed and comes back from its store; its first new add is lost in a partition,
        // its second reaches n1, stamped with the new boot.
        let [killed, n1] = nodes;
        drop(killed); // before the restart opens its directory, as a dead process holds no lock
        let mut nodes = [durable_node_named("n0", &dir0, 3, 3_000), n1];
        add(&mut nodes[0], 8, 3_010);
        run(&mut nodes, 3_010, 3_500, true);
        add(&mut nodes[0], 16, 3_500);
        run(&mut nodes, 3_500, 20_000, false);
        assert_eq!(read_at(&mut nodes[0], 20_000), json!(31));
        assert_eq!(read_at(&mut nodes[1], 20_000), json!(31), "n1 got the add lost in the partition");
        // The engine's own test (crdt/tests/engine.rs) shows the case the reset is for: a
        // restarted replica's lost group that its peer would otherwise acknowledge unseen.
        std::fs::remove_dir_all(&base).unwrap();
    }
}
