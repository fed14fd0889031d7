//! The replica's loop: one task owns the sync engine and feeds it commands from the handle,
//! messages from the links, membership changes and the engine's own deadlines.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use glomer_crdt::{Engine, Outgoing, ReplicaId, SyncMessage};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::config::NetConfig;
use crate::durability::{Durability, DurabilityError, Pending};
use crate::gate::Gate;
use crate::link::{Connection, Inbound, Link, LinkContext, WireCounters};
use crate::membership::{sleep_until, SwimCounters, View};
use crate::wire::{self, Frame, Hello, FRAME_BYTES_MAX};
use crate::{Member, NetStats, Replicated};

/// Peer links at most: one per live member, plus members not yet in the view that dialed in.
/// Far above the clusters this crate targets (dozens), it bounds what a flood of made-up
/// identities can open.
const LINKS_MAX: usize = 1_024;

/// Commands handled per turn before the loop looks at the network again, so a burst of
/// mutations cannot starve ticks and acks.
const COMMANDS_PER_TURN: usize = 256;

/// A local mutation as the loop runs it: on the engine, with the store at hand; it replies
/// on its own channel.
pub(crate) type Mutation<L> = Box<dyn FnOnce(&mut Engine<L>, &mut dyn Durability<L>) + Send>;

/// What the handle asks of the loop.
pub(crate) enum Command<L: Replicated> {
    Mutate(Mutation<L>),
    Read(oneshot::Sender<Arc<L>>),
    /// Runs on the state in place; the closure replies on its own channel.
    Query(Box<dyn FnOnce(&L) + Send>),
    Stats(oneshot::Sender<NetStats>),
}

/// Where the loop's inputs come from.
pub(crate) struct Inputs<L: Replicated> {
    pub commands: mpsc::Receiver<Command<L>>,
    pub inbound: mpsc::Receiver<Inbound<L>>,
    pub accepted: mpsc::Receiver<(Hello, Connection)>,
    pub view: watch::Receiver<View>,
    pub shutdown: watch::Receiver<bool>,
}

pub(crate) struct SyncLoop<L: Replicated> {
    pub engine: Engine<L>,
    pub config: NetConfig,
    pub durability: Box<dyn Durability<L>>,
    pub link_context: LinkContext<L>,
    pub changes: watch::Sender<Arc<L>>,
    pub wire: Arc<WireCounters>,
    pub swim: Arc<SwimCounters>,
    pub links: BTreeMap<ReplicaId, Link>,
    pub lagging: BTreeSet<ReplicaId>,
    pub frames_dropped: u64,
    /// Messages waiting until the deltas they may carry are durable.
    pub gate: Gate<L>,
    /// The state as last handed out, until it changes.
    pub snapshot: Option<Arc<L>>,
    /// The state may have changed this turn.
    pub changed: bool,
    pub started: Instant,
}

impl<L: Replicated> SyncLoop<L> {
    pub async fn run(mut self, mut inputs: Inputs<L>) {
        let lag_check = Duration::from_millis(self.config.sync.batch_interval_ms.max(10));
        let mut housekeeping = tokio::time::interval(lag_check);
        self.on_membership(&inputs.view.borrow_and_update().clone());
        loop {
            let deadline = self.engine.next_deadline_ms().map(|ms| self.started + Duration::from_millis(ms));
            tokio::select! {
                _ = inputs.shutdown.changed() => break,
                command = inputs.commands.recv() => {
                    let Some(command) = command else { break };
                    self.on_command(command);
                    for _ in 1..COMMANDS_PER_TURN {
                        match inputs.commands.try_recv() {
                            Ok(command) => self.on_command(command),
                            Err(_) => break,
                        }
                    }
                }
                Some(inbound) = inputs.inbound.recv() => match inbound {
                    Inbound::Message(from, message) => self.on_message(from, message),
                    Inbound::Connected(peer) => self.resync(peer),
                },
                Some((hello, connection)) = inputs.accepted.recv() => self.on_accepted(hello, connection),
                Ok(()) = inputs.view.changed() => self.on_membership(&inputs.view.borrow_and_update().clone()),
                _ = sleep_until(deadline) => {
                    let out = self.engine.tick(self.now_ms());
                    self.send(out);
                }
                _ = housekeeping.tick() => self.readmit_caught_up(&inputs.view.borrow().clone()),
                result = self.gate.settled() => self.on_barrier(result),
            }
            if std::mem::take(&mut self.changed) {
                self.snapshot = None;
                if self.changes.receiver_count() > 0 {
                    let snapshot = self.snapshot();
                    self.changes.send_replace(snapshot);
                }
            }
        }
        let (replica, state) = (self.engine.id(), self.engine.state());
        if let Err(error) = self.durability.snapshot(replica, state) {
            tracing::error!(%error, "saving the state at shutdown");
        }
    }

    fn on_message(&mut self, from: ReplicaId, message: SyncMessage<L>) {
        let new_before = self.new_data_received();
        let out = self.engine.receive(from, message, self.now_ms());
        self.changed |= self.new_data_received() != new_before;
        self.send(out);
    }

    /// Takes `peer` out of the neighbours and back in, so it starts from nothing acked and
    /// gets the buffered groups or the full state: a process restarted from its store keeps
    /// its replica id but not what it received, and nothing else would tell this side.
    fn resync(&mut self, peer: ReplicaId) {
        let neighbours = self.engine.neighbours().to_vec();
        if neighbours.contains(&peer) {
            self.engine.set_neighbours(neighbours.iter().copied().filter(|id| *id != peer));
            self.engine.set_neighbours(neighbours);
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Data messages that added something to the state.
    fn new_data_received(&self) -> u64 {
        let stats = self.engine.stats();
        stats.data_received - stats.redundant_received
    }

    fn snapshot(&mut self) -> Arc<L> {
        self.snapshot.get_or_insert_with(|| Arc::new(self.engine.state().clone())).clone()
    }

    fn on_command(&mut self, command: Command<L>) {
        match command {
            Command::Mutate(mutation) => {
                mutation(&mut self.engine, self.durability.as_mut());
                self.changed = true;
            }
            Command::Read(reply) => {
                let _ = reply.send(self.snapshot());
            }
            Command::Query(query) => query(self.engine.state()),
            Command::Stats(reply) => {
                let _ = reply.send(self.stats());
            }
        }
    }

    /// Sends what the gate lets out now; the rest waits for a barrier.
    fn send(&mut self, out: Vec<Outgoing<L>>) {
        let now = self.gate.pass(out, self.durability.as_mut());
        self.transmit(now);
    }

    /// A barrier settled. If it failed, a delta it covered may not be on disk while it is in
    /// the state, so the messages it held are dropped (loss, which the sync protocol repairs)
    /// and the whole state is recorded, so the next barrier covers that delta too.
    fn on_barrier(&mut self, result: Result<(), DurabilityError>) {
        if let Err(error) = &result {
            tracing::warn!(%error, "store barrier failed; holding gossip until the state is recorded");
            // Its own failure shows in the next barrier, which the store reports whether or
            // not this record is awaited.
            drop(self.durability.append(self.engine.id(), self.engine.state()));
        }
        let now = self.gate.release(&result, self.durability.as_mut());
        self.transmit(now);
    }

    /// Queues each message on its peer's link; a full queue marks the peer lagging.
    fn transmit(&mut self, out: Vec<Outgoing<L>>) {
        for Outgoing { to, message } in out {
            let Some(link) = self.links.get(&to) else { continue };
            if link.queue.capacity() == 0 {
                self.frames_dropped += 1;
                self.mark_lagging(to);
                continue;
            }
            match wire::encode(&Frame::Sync(message)) {
                Ok(frame) if frame.len() <= FRAME_BYTES_MAX => {
                    let _ = link.queue.try_send(frame);
                }
                Ok(frame) => tracing::error!(%to, bytes = frame.len(), "message over the frame cap; not sent"),
                Err(error) => tracing::error!(%to, %error, "encoding a message"),
            }
        }
    }

    /// A lagging peer leaves the engine's neighbours, so its backlog stops growing and the
    /// buffer can be freed; it comes back with a full resync once its queue drains.
    fn mark_lagging(&mut self, peer: ReplicaId) {
        if self.lagging.insert(peer) {
            tracing::warn!(%peer, "peer queue full; resync once it drains");
            let neighbours: Vec<ReplicaId> =
                self.engine.neighbours().iter().copied().filter(|id| *id != peer).collect();
            self.engine.set_neighbours(neighbours);
        }
    }

    fn readmit_caught_up(&mut self, view: &View) {
        let before = self.lagging.len();
        let links = &self.links;
        self.lagging
            .retain(|peer| links.get(peer).is_some_and(|link| link.queued_frames() > link.queue.max_capacity() / 2));
        if self.lagging.len() != before {
            self.on_membership(view);
        }
    }

    /// Links follow the live members; the engine's neighbours follow the topology over them.
    fn on_membership(&mut self, view: &View) {
        let me = self.engine.id();
        let live: Vec<&Member> = view.iter().filter(|member| member.state.is_live()).collect();
        let live_ids: BTreeSet<ReplicaId> = live.iter().map(|member| member.replica).collect();
        self.links.retain(|id, _| live_ids.contains(id));
        self.lagging.retain(|id| live_ids.contains(id));
        for member in live.iter().filter(|member| member.replica != me) {
            if !self.links.contains_key(&member.replica) && self.links.len() < LINKS_MAX {
                let link = self.new_link(member.replica, member.addr);
                self.links.insert(member.replica, link);
            }
        }
        let neighbours = self.neighbours(&live);
        self.engine.set_neighbours(neighbours);
    }

    /// The topology over the live members ordered by name, so every replica computes the same
    /// graph from the same view.
    fn neighbours(&self, live: &[&Member]) -> Vec<ReplicaId> {
        let mut ordered: Vec<&Member> = live.to_vec();
        ordered.sort_by(|a, b| a.name.cmp(&b.name).then(a.replica.cmp(&b.replica)));
        let Some(my_index) = ordered.iter().position(|member| member.replica == self.engine.id()) else {
            return Vec::new();
        };
        let graph = self.config.topology.neighbours(ordered.len(), self.config.topology_seed);
        graph[my_index].iter().map(|&index| ordered[index].replica).filter(|id| !self.lagging.contains(id)).collect()
    }

    fn new_link(&self, peer: ReplicaId, addr: std::net::SocketAddr) -> Link {
        let dial = self.engine.id() < peer;
        Link::spawn(peer, addr, dial, self.config.peer_queue_frames, self.link_context.clone())
    }

    /// A handshaken connection goes to its peer's link, which is created if the peer dialed in
    /// before this replica's view had it.
    fn on_accepted(&mut self, hello: Hello, connection: Connection) {
        if !self.links.contains_key(&hello.replica) {
            if self.links.len() >= LINKS_MAX {
                tracing::warn!(name = %hello.name, "too many links; refusing a connection");
                return;
            }
            let link = self.new_link(hello.replica, hello.addr);
            self.links.insert(hello.replica, link);
        }
        if let Some(link) = self.links.get(&hello.replica) {
            if link.accepted.try_send(connection).is_err() {
                tracing::debug!(name = %hello.name, "link busy; dropping a duplicate connection");
            }
        }
    }

    fn stats(&self) -> NetStats {
        NetStats {
            sync: self.engine.stats().clone(),
            buffered_groups: self.engine.buffered_groups(),
            queued_frames: self.links.values().map(Link::queued_frames).sum(),
            neighbours: self.engine.neighbours().len(),
            links: self.links.len(),
            lagging_peers: self.lagging.len(),
            frames_dropped: self.frames_dropped + self.gate.dropped,
            wire_bytes_sent: self.wire.bytes_sent.load(Ordering::Relaxed),
            wire_bytes_received: self.wire.bytes_received.load(Ordering::Relaxed),
            swim_bytes_sent: self.swim.bytes_sent.load(Ordering::Relaxed),
            swim_bytes_received: self.swim.bytes_received.load(Ordering::Relaxed),
        }
    }
}

/// Runs a local mutation and starts recording its delta; the caller gets the result and the
/// record to wait for before acknowledging.
pub(crate) fn mutation<L, R, F>(f: F, reply: oneshot::Sender<(R, Option<Pending>)>) -> Command<L>
where
    L: Replicated,
    R: Send + 'static,
    F: FnOnce(&mut L) -> (L, R) + Send + 'static,
{
    Command::Mutate(Box::new(move |engine: &mut Engine<L>, durability: &mut dyn Durability<L>| {
        let replica = engine.id();
        let mut recorded = None;
        let result = engine.mutate_with(|state| {
            let (delta, result) = f(state);
            if !delta.is_bottom() {
                recorded = durability.append(replica, &delta);
            }
            (delta, result)
        });
        let _ = reply.send((result, recorded));
    }))
}
