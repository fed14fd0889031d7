//! One TCP connection per pair of live members, opened by the one with the lower replica id,
//! reopened with capped exponential backoff; a bounded queue of frames per peer.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use glomer_crdt::{ReplicaId, SyncMessage};
use serde::de::DeserializeOwned;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

use crate::wire::{self, Frame, Hello, WireError};

/// First reconnect delay: a peer that restarts is usually listening again within tens of ms.
const BACKOFF_MIN_MS: u64 = 50;
/// Cap of the reconnect delay: doubling stops here so a peer back from a long outage is found
/// again within two seconds, while a dead address costs one connect attempt per two seconds.
const BACKOFF_MAX_MS: u64 = 2_000;
/// A handshake that takes longer than this is abandoned: on loopback or a LAN it takes
/// well under a millisecond, and a silent peer must not hold a connection slot.
pub(crate) const HANDSHAKE_TIMEOUT_MS: u64 = 2_000;
/// Connections replacing the current one that may wait for the link to take them; a peer
/// reconnecting faster than that is dropped.
const ACCEPTED_PENDING_MAX: usize = 2;

/// Bytes on the wire (frames and their 4-byte length prefixes), counted by every link.
#[derive(Debug, Default)]
pub(crate) struct WireCounters {
    pub bytes_sent: AtomicU64,
    pub bytes_received: AtomicU64,
}

/// Both halves of an established, handshaken connection.
pub(crate) struct Connection {
    read: FramedRead<OwnedReadHalf, LengthDelimitedCodec>,
    write: FramedWrite<OwnedWriteHalf, LengthDelimitedCodec>,
}

impl Connection {
    pub fn new(stream: TcpStream) -> Self {
        // Frames are whole messages written at tick boundaries; Nagle would only delay them.
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        Self { read: FramedRead::new(read, wire::codec()), write: FramedWrite::new(write, wire::codec()) }
    }

    /// Sends `hello` and reads the peer's, with a timeout.
    pub async fn exchange_hello(&mut self, hello: &Bytes) -> Result<Hello, LinkError> {
        self.write.send(hello.clone()).await.map_err(WireError::from)?;
        self.read_hello().await
    }

    /// Reads the first frame, which must be a hello of this version.
    pub async fn read_hello(&mut self) -> Result<Hello, LinkError> {
        let timeout = Duration::from_millis(HANDSHAKE_TIMEOUT_MS);
        let frame = tokio::time::timeout(timeout, self.read.next()).await.map_err(|_| LinkError::Timeout)?;
        let payload = frame.ok_or(LinkError::Closed)?.map_err(WireError::from)?;
        match wire::decode::<()>(&payload) {
            Ok(Frame::Hello(hello)) => Ok(hello),
            Ok(Frame::Sync(_)) => Err(LinkError::NoHello),
            Err(error) => Err(error.into()),
        }
    }

    /// Sends one encoded frame.
    pub async fn send(&mut self, frame: Bytes) -> Result<(), LinkError> {
        Ok(self.write.send(frame).await.map_err(WireError::from)?)
    }
}

/// Why a connection ended or was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LinkError {
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("connect: {0}")]
    Connect(std::io::Error),
    #[error("no hello within {HANDSHAKE_TIMEOUT_MS} ms")]
    Timeout,
    #[error("connection closed")]
    Closed,
    #[error("the first frame was not a hello")]
    NoHello,
    #[error("reached {found} instead of {expected}")]
    WrongPeer { expected: ReplicaId, found: ReplicaId },
    #[error("{0}")]
    Refused(String),
}

/// What a link tells the replica's loop.
pub(crate) enum Inbound<L> {
    /// A new connection to the peer is up. The peer may be a new process under the same
    /// replica id (a restart from its store) that lacks what it had acked before, so the loop
    /// resyncs it from nothing acked.
    Connected(ReplicaId),
    /// A message the peer sent.
    Message(ReplicaId, SyncMessage<L>),
}

/// What every link shares: this replica's hello, where received messages go, counters.
pub(crate) struct LinkContext<L> {
    pub hello: Bytes,
    pub inbound: mpsc::Sender<Inbound<L>>,
    pub counters: Arc<WireCounters>,
}

impl<L> Clone for LinkContext<L> {
    fn clone(&self) -> Self {
        Self { hello: self.hello.clone(), inbound: self.inbound.clone(), counters: self.counters.clone() }
    }
}

/// The sending side of a peer: its frame queue and where accepted connections are handed over.
pub(crate) struct Link {
    pub queue: mpsc::Sender<Bytes>,
    pub accepted: mpsc::Sender<Connection>,
    task: JoinHandle<()>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Link {
    /// Starts the link to `peer` at `addr`; it dials when `dial`, otherwise waits to be dialed.
    pub fn spawn<L>(peer: ReplicaId, addr: SocketAddr, dial: bool, queue_frames: usize, context: LinkContext<L>) -> Self
    where
        L: DeserializeOwned + Send + 'static,
    {
        let (queue, frames) = mpsc::channel(queue_frames.max(1));
        let (accepted, connections) = mpsc::channel(ACCEPTED_PENDING_MAX);
        let target = Target { peer, addr, dial };
        let task = tokio::spawn(run(target, frames, connections, context));
        Self { queue, accepted, task }
    }

    /// Frames waiting to be written.
    pub fn queued_frames(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }
}

#[derive(Clone, Copy)]
struct Target {
    peer: ReplicaId,
    addr: SocketAddr,
    dial: bool,
}

async fn run<L>(
    target: Target,
    mut frames: mpsc::Receiver<Bytes>,
    mut connections: mpsc::Receiver<Connection>,
    context: LinkContext<L>,
) where
    L: DeserializeOwned + Send + 'static,
{
    let mut backoff_ms = BACKOFF_MIN_MS;
    let mut next = None;
    loop {
        let connection = match next.take() {
            Some(connection) => connection,
            None if target.dial => match dial(target, &context.hello).await {
                Ok(connection) => {
                    backoff_ms = BACKOFF_MIN_MS;
                    connection
                }
                Err(error) => {
                    tracing::debug!(peer = %target.peer, addr = %target.addr, %error, backoff_ms, "dial failed");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(backoff_ms)) => {}
                        Some(connection) = connections.recv() => next = Some(connection),
                    }
                    backoff_ms = (backoff_ms * 2).min(BACKOFF_MAX_MS);
                    continue;
                }
            },
            None => match connections.recv().await {
                Some(connection) => connection,
                None => return,
            },
        };
        next = serve(target.peer, connection, &mut frames, &mut connections, &context).await;
    }
}

async fn dial(target: Target, hello: &Bytes) -> Result<Connection, LinkError> {
    let timeout = Duration::from_millis(HANDSHAKE_TIMEOUT_MS);
    let stream = tokio::time::timeout(timeout, TcpStream::connect(target.addr))
        .await
        .map_err(|_| LinkError::Timeout)?
        .map_err(LinkError::Connect)?;
    let mut connection = Connection::new(stream);
    let theirs = connection.exchange_hello(hello).await?;
    if theirs.replica != target.peer {
        return Err(LinkError::WrongPeer { expected: target.peer, found: theirs.replica });
    }
    Ok(connection)
}

/// Writes queued frames while a separate task reads, so two peers writing large frames to
/// each other never wait on each other. Returns a replacing connection, if one arrived.
async fn serve<L>(
    peer: ReplicaId,
    connection: Connection,
    frames: &mut mpsc::Receiver<Bytes>,
    connections: &mut mpsc::Receiver<Connection>,
    context: &LinkContext<L>,
) -> Option<Connection>
where
    L: DeserializeOwned + Send + 'static,
{
    let Connection { read, mut write } = connection;
    if context.inbound.send(Inbound::Connected(peer)).await.is_err() {
        return None;
    }
    let reader = AbortOnDrop(tokio::spawn(read_frames(peer, read, context.clone())));
    let mut reader = reader;
    loop {
        tokio::select! {
            frame = frames.recv() => {
                let frame = frame?;
                let len = frame.len() as u64 + 4;
                if let Err(error) = write.send(frame).await {
                    tracing::debug!(%peer, %error, "write failed; reconnecting");
                    return None;
                }
                context.counters.bytes_sent.fetch_add(len, Ordering::Relaxed);
            }
            _ = &mut reader.0 => return None,
            replacement = connections.recv() => return replacement,
        }
    }
}

async fn read_frames<L: DeserializeOwned>(
    peer: ReplicaId,
    mut read: FramedRead<OwnedReadHalf, LengthDelimitedCodec>,
    context: LinkContext<L>,
) {
    while let Some(payload) = read.next().await {
        let payload = match payload {
            Ok(payload) => payload,
            Err(error) => {
                tracing::warn!(%peer, %error, "bad frame; dropping the connection");
                return;
            }
        };
        context.counters.bytes_received.fetch_add(payload.len() as u64 + 4, Ordering::Relaxed);
        match wire::decode::<L>(&payload) {
            Ok(Frame::Sync(message)) => {
                if context.inbound.send(Inbound::Message(peer, message)).await.is_err() {
                    return;
                }
            }
            Ok(Frame::Hello(_)) => {
                tracing::warn!(%peer, "second hello on a connection; dropping it");
                return;
            }
            Err(error) => {
                tracing::warn!(%peer, %error, "bad frame; dropping the connection");
                return;
            }
        }
    }
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
