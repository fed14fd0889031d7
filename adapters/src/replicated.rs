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
//! #[serde(tag = "type", rename_all = "snake_case")]
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

use glomer_crdt::{Engine, Lattice, ReplicaId, SyncMessage, Synced, Topology};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::{to_raw_value, RawValue};

use crate::gossip_config::GossipConfig;
use crate::protocol::{Body, Error, ErrorCode, Message, TopologyOk};
use crate::request;
use crate::workload::{CallId, Context, RpcError, Timer, Workload};

/// The `type` of every peer message this module sends and accepts.
pub const GOSSIP_TYPE: &str = "gossip";

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
#[serde(tag = "type", rename_all = "snake_case")]
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
        match msg.body.kind.as_str() {
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
}

/// One node's replica of an `L`: the engine (through [`Synced`]), the node names its replica
/// ids stand for, and the settings it was started with.
#[derive(Debug)]
pub struct Replica<L: Lattice> {
    config: GossipConfig,
    synced: Synced<L>,
    node_ids: Vec<String>,
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
        let engine = Engine::new(replica(me), neighbours, sync);
        let mut replica = Self { config, synced: Synced::new(engine), node_ids };
        replica.poll(ctx);
        replica
    }

    /// The current state.
    pub fn state(&self) -> &L {
        self.synced.engine().state()
    }

    /// This node's replica id (its index in `node_ids`): what per-replica types such as
    /// `GCounter` need.
    pub fn id(&self) -> ReplicaId {
        self.synced.engine().id()
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
        let result = self.synced.engine_mut().mutate_with(f);
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
        match msg.body.take_decoded::<SyncMessage<L>>("sync") {
            Some(Ok(message)) => {
                let acks = self.synced.engine_mut().receive(replica(from), message, ctx.now_ms());
                let mut encoder = Encoder::default();
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
        let me = self.id().0 as usize;
        let (neighbours, sync) = plan(&self.config, self.node_ids.len(), me, symmetric);
        let engine = self.synced.engine_mut();
        engine.set_config(sync);
        engine.set_neighbours(neighbours);
        self.poll(ctx);
    }

    /// Ticks the engine if its deadline has come and arms the sync timer for the next one.
    fn poll(&mut self, ctx: &mut Context) {
        let now_ms = ctx.now_ms();
        let mut encoder = Encoder::default();
        let node_ids = &self.node_ids;
        let wake_at_ms = self.synced.poll(now_ms, |to, message| encoder.send(ctx, node_ids, to, message));
        if let Some(at_ms) = wake_at_ms {
            ctx.set_timer(at_ms.saturating_sub(now_ms), Timer::Sync);
        }
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
    /// Deltas encoded during this event, by the address of the payload the engine lent:
    /// every lent payload lives until the event ends, so an address names one payload.
    deltas: Vec<(usize, Box<RawValue>)>,
}

impl Encoder {
    fn send<L: Serialize>(&mut self, ctx: &mut Context, node_ids: &[String], to: ReplicaId, message: SyncMessage<&L>) {
        let Some(dest) = node_ids.get(to.0 as usize) else { return };
        match self.encode(message) {
            Ok(sync) => ctx.send(dest, Body::new(GOSSIP_TYPE).with_encoded("sync", sync)),
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
