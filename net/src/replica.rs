//! The API an application uses: a builder that starts a replica, and the handle it returns.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use glomer_crdt::{Engine, ReplicaId, SyncConfig, Topology};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::config::{NetConfig, SwimConfig};
use crate::durability::{Durability, InMemory};
use crate::identity::Name;
use crate::link::{LinkContext, WireCounters};
use crate::membership::{Membership, SwimCounters, View};
use crate::sync_loop::{self, Command, Inputs, SyncLoop};
use crate::wire::{self, Frame, Hello, PROTOCOL_VERSION};
use crate::{listener, Member, MemberState, NetError, NetStats, Replicated};

/// Mutations and reads waiting for the loop; callers wait (back-pressure) beyond it.
const COMMANDS_MAX: usize = 1_024;
/// Received messages waiting for the loop; link readers wait (and TCP pushes back) beyond it.
const INBOUND_MAX: usize = 1_024;
/// Handshaken connections waiting for the loop to route them.
const ACCEPTED_MAX: usize = 64;
/// How long shutdown waits for a task (leaving the cluster, saving the state) before aborting it.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);
/// Tries to find a port free for both TCP and UDP when the listen port is 0.
const BIND_ATTEMPTS: usize = 16;

/// Starts a replica: name, address, seeds, topology, sync settings, then [`ReplicaBuilder::start`].
pub struct ReplicaBuilder<L> {
    config: NetConfig,
    durability: Box<dyn Durability<L>>,
}

impl<L: Replicated> ReplicaBuilder<L> {
    /// A replica named `name` (unique in the cluster) listening on `listen` (TCP and UDP;
    /// port 0 picks a free one).
    pub fn new(name: impl Into<String>, listen: SocketAddr) -> Self {
        Self { config: NetConfig::new(name, listen), durability: Box::new(InMemory) }
    }

    /// Starts from a whole [`NetConfig`].
    pub fn from_config(config: NetConfig) -> Self {
        Self { config, durability: Box::new(InMemory) }
    }

    /// Adds a member to join through.
    pub fn seed(mut self, addr: SocketAddr) -> Self {
        self.config.seeds.push(addr);
        self
    }

    /// Adds members to join through.
    pub fn seeds(mut self, addrs: impl IntoIterator<Item = SocketAddr>) -> Self {
        self.config.seeds.extend(addrs);
        self
    }

    /// The address others reach this replica at, when it is not the listen address.
    pub fn advertise(mut self, addr: SocketAddr) -> Self {
        self.config.advertise = Some(addr);
        self
    }

    /// Who syncs with whom among the live members (default `total`).
    pub fn topology(mut self, topology: Topology) -> Self {
        self.config.topology = topology;
        self
    }

    /// The sync engine's tunables.
    pub fn sync(mut self, sync: SyncConfig) -> Self {
        self.config.sync = sync;
        self
    }

    /// SWIM timings.
    pub fn swim(mut self, swim: SwimConfig) -> Self {
        self.config.swim = swim;
        self
    }

    /// Where the state is loaded from and recorded to (default: nowhere).
    pub fn durability(mut self, durability: impl Durability<L>) -> Self {
        self.durability = Box::new(durability);
        self
    }

    /// Binds the address, loads the state, joins the cluster and returns the handle.
    pub async fn start(mut self) -> Result<Replica<L>, NetError> {
        let (tcp, udp) = bind(self.config.listen).await?;
        let listen = tcp.local_addr().map_err(|source| NetError::Bind { addr: self.config.listen, source })?;
        let addr = self.config.advertise.unwrap_or(listen);
        let recovered = self.durability.load().map_err(NetError::Durability)?;
        let (replica, engine) = match recovered {
            Some(recovered) => {
                let engine = Engine::with_state(recovered.replica, [], recovered.state, self.config.sync.clone());
                (recovered.replica, engine)
            }
            None => {
                let replica = ReplicaId(rand::random());
                (replica, Engine::new(replica, [], self.config.sync.clone()))
            }
        };
        let me = Name { addr, name: self.config.name.clone(), replica, started_ms: wall_clock_ms(), bump: 0 };
        let hello = Hello { version: PROTOCOL_VERSION, name: me.name.clone(), replica, addr };
        let hello_frame = wire::encode::<()>(&Frame::Hello(hello.clone())).expect("a hello always encodes");

        let myself = Member { name: me.name.clone(), addr, replica, state: MemberState::Alive };
        let (view_tx, view_rx) = watch::channel(View::new(vec![myself]));
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (commands_tx, commands) = mpsc::channel(COMMANDS_MAX);
        let (inbound_tx, inbound) = mpsc::channel(INBOUND_MAX);
        let (accepted_tx, accepted) = mpsc::channel(ACCEPTED_MAX);
        // The handle keeps a sender, not a receiver: the loop publishes (cloning the state) only
        // while someone subscribed, and a handle's receiver would always count as one.
        let (changes, _) = watch::channel(Arc::new(engine.state().clone()));
        let changes_tx = changes.clone();
        let (wire, swim) = (Arc::new(WireCounters::default()), Arc::new(SwimCounters::default()));

        let membership = Membership::new(me, udp, self.config.seeds.clone(), &self.config.swim, view_tx, swim.clone());
        let listener = listener::accept(tcp, hello, hello_frame.clone(), view_rx.clone(), accepted_tx);
        let link_context = LinkContext { hello: hello_frame, inbound: inbound_tx, counters: wire.clone() };
        let sync_loop = SyncLoop {
            engine,
            config: self.config.clone(),
            durability: self.durability,
            link_context,
            changes,
            wire,
            swim,
            links: Default::default(),
            lagging: Default::default(),
            frames_dropped: 0,
            gate: Default::default(),
            snapshot: None,
            changed: false,
            started: Instant::now(),
        };
        let inputs = Inputs { commands, inbound, accepted, view: view_rx.clone(), shutdown: shutdown_rx.clone() };
        let tasks = vec![
            tokio::spawn(membership.run(shutdown_rx)),
            tokio::spawn(sync_loop.run(inputs)),
            tokio::spawn(listener),
        ];
        tracing::info!(name = %self.config.name, %listen, %addr, %replica, "replica started");
        Ok(Replica {
            name: self.config.name,
            listen,
            addr,
            replica,
            commands: commands_tx,
            view: view_rx,
            changes: changes_tx,
            shutdown: Arc::new(shutdown_tx),
            tasks: Arc::new(Mutex::new(tasks)),
        })
    }
}

/// TCP and UDP on the same port; with port 0, a port free for both.
async fn bind(listen: SocketAddr) -> Result<(TcpListener, UdpSocket), NetError> {
    let attempts = if listen.port() == 0 { BIND_ATTEMPTS } else { 1 };
    let mut last_error = None;
    for _ in 0..attempts {
        let error = match TcpListener::bind(listen).await {
            Ok(tcp) => {
                let port_addr = tcp.local_addr().map_err(|source| NetError::Bind { addr: listen, source })?;
                match UdpSocket::bind(port_addr).await {
                    Ok(udp) => return Ok((tcp, udp)),
                    Err(error) => error,
                }
            }
            Err(error) => error,
        };
        last_error = Some(error);
    }
    Err(NetError::Bind { addr: listen, source: last_error.expect("at least one attempt") })
}

fn wall_clock_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as u64)
}

/// A running replica. Cheap to clone; every clone talks to the same replica.
pub struct Replica<L: Replicated> {
    name: String,
    listen: SocketAddr,
    addr: SocketAddr,
    replica: ReplicaId,
    commands: mpsc::Sender<Command<L>>,
    view: watch::Receiver<View>,
    changes: watch::Sender<Arc<L>>,
    shutdown: Arc<watch::Sender<bool>>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl<L: Replicated> Clone for Replica<L> {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            listen: self.listen,
            addr: self.addr,
            replica: self.replica,
            commands: self.commands.clone(),
            view: self.view.clone(),
            changes: self.changes.clone(),
            shutdown: self.shutdown.clone(),
            tasks: self.tasks.clone(),
        }
    }
}

impl<L: Replicated> Replica<L> {
    /// This replica's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The address others reach it at: the advertised address, else the listen address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address it listens on (the bound port when asked for port 0).
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen
    }

    /// Its replica id in this incarnation; delta-mutators that need one (counters, causal
    /// types, clocks) use this.
    pub fn replica(&self) -> ReplicaId {
        self.replica
    }

    /// Runs a delta-mutator on the state: `f` changes it and returns the delta. Resolves once
    /// the delta is applied locally and, with a store, durable (an error if the store failed:
    /// the delta stays applied, so the outcome is unknown); peers get it at the next batch
    /// interval, once it is durable.
    pub async fn mutate(&self, f: impl FnOnce(&mut L) -> L + Send + 'static) -> Result<(), NetError> {
        self.mutate_with(|state| (f(state), ())).await
    }

    /// Like [`Replica::mutate`] for a mutator that also returns a result.
    pub async fn mutate_with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut L) -> (L, R) + Send + 'static,
    ) -> Result<R, NetError> {
        let (reply, result) = oneshot::channel();
        self.commands.send(sync_loop::mutation(f, reply)).await.map_err(|_| NetError::Stopped)?;
        let (result, recorded) = result.await.map_err(|_| NetError::Stopped)?;
        if let Some(recorded) = recorded {
            recorded.await.map_err(NetError::Durability)?;
        }
        Ok(result)
    }

    /// A snapshot of the state, which the caller may keep while the replica moves on. It
    /// reflects every mutation that resolved before the call. The replica keeps it until the
    /// state changes, so reads between two changes share one copy; the first read after a
    /// change clones the state (O(n) for `BTreeMap`-backed lattices). For a lookup, prefer
    /// [`Replica::query`].
    pub async fn read(&self) -> Result<Arc<L>, NetError> {
        let (reply, snapshot) = oneshot::channel();
        self.commands.send(Command::Read(reply)).await.map_err(|_| NetError::Stopped)?;
        snapshot.await.map_err(|_| NetError::Stopped)
    }

    /// Runs `f` on the current state in place and returns what it computes: a lookup without
    /// the copy a snapshot may cost (see [`Replica::read`]). Like `read`, it sees every
    /// mutation that resolved before the call; `f` runs on the replica's loop, so keep it short.
    pub async fn query<R: Send + 'static>(&self, f: impl FnOnce(&L) -> R + Send + 'static) -> Result<R, NetError> {
        let (reply, result) = oneshot::channel();
        let query = Box::new(move |state: &L| {
            let _ = reply.send(f(state));
        });
        self.commands.send(Command::Query(query)).await.map_err(|_| NetError::Stopped)?;
        result.await.map_err(|_| NetError::Stopped)
    }

    /// Changes of the state as they happen, local or replicated. A slow subscriber skips to
    /// the newest state instead of queueing every intermediate one.
    pub fn subscribe(&self) -> Changes<L> {
        Changes { changes: self.changes.subscribe(), stopped: self.shutdown.subscribe() }
    }

    /// The cluster as SWIM sees it, this replica first.
    pub fn members(&self) -> Vec<Member> {
        self.view.borrow().to_vec()
    }

    /// Counters and memory figures.
    pub async fn stats(&self) -> Result<NetStats, NetError> {
        let (reply, stats) = oneshot::channel();
        self.commands.send(Command::Stats(reply)).await.map_err(|_| NetError::Stopped)?;
        stats.await.map_err(|_| NetError::Stopped)
    }

    /// Leaves the cluster, saves the state to the store, closes every connection and waits
    /// for the replica's tasks to end. Every clone of the handle stops working.
    pub async fn shutdown(&self) {
        self.shutdown.send_replace(true);
        let mut tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|poison| poison.into_inner()));
        // The listener ends only when aborted; the others end on the shutdown signal.
        if let Some(listener) = tasks.pop() {
            listener.abort();
        }
        for mut task in tasks {
            if tokio::time::timeout(SHUTDOWN_WAIT, &mut task).await.is_err() {
                task.abort();
            }
        }
    }
}

/// A stream of state changes from [`Replica::subscribe`].
pub struct Changes<L> {
    changes: watch::Receiver<Arc<L>>,
    stopped: watch::Receiver<bool>,
}

impl<L> Changes<L> {
    /// Waits for the next change and returns the state after it; `None` once the replica stopped.
    pub async fn next(&mut self) -> Option<Arc<L>> {
        if *self.stopped.borrow() {
            return None;
        }
        tokio::select! {
            changed = self.changes.changed() => changed.ok()?,
            _ = self.stopped.wait_for(|stopped| *stopped) => return None,
        }
        Some(self.changes.borrow_and_update().clone())
    }
}
