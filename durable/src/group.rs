//! Group commit for concurrent callers: a writer thread owns the [`Store`], takes every delta
//! queued while its previous commit ran, commits them with one `fdatasync`, and answers each
//! caller. Callers wait with [`Ack::wait`] (threads) or `.await` (async tasks); no runtime is
//! needed.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;

use glomer_crdt::Lattice;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Error, Identity, Store};

/// Deltas waiting for the writer: 65,536. Past it [`GroupCommit::append`] blocks until the
/// writer catches up (back-pressure instead of unbounded memory); at the measured rates this is
/// several fsyncs' worth of deltas, so a healthy disk never fills it.
pub const QUEUE_DELTAS_MAX: usize = 65_536;

/// Deltas in one commit at most: 8,192. Bounds the latency a batch adds to its last caller
/// (one write of a few hundred KiB for small deltas) while amortising one `fdatasync` over far
/// more deltas than the 20,000/s target needs at 0.3 ms per sync.
pub const BATCH_DELTAS_MAX: usize = 8_192;

/// A running group-commit writer over a [`Store`].
///
/// ```
/// use std::sync::Arc;
/// use glomer_crdt::GSet;
/// use glomer_store::{GroupCommit, Store, StoreConfig};
///
/// let dir = std::env::temp_dir().join(format!("glomer-group-doc-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let store: Store<GSet<u64>> = Store::open(&dir, "n1", StoreConfig::default())?;
/// let group = Arc::new(GroupCommit::start(store));
/// // Concurrent callers: their deltas share fdatasyncs; each waits for its own.
/// let callers: Vec<_> = (0..4u64)
///     .map(|caller| {
///         let group = Arc::clone(&group);
///         std::thread::spawn(move || group.append(GSet::from_iter([caller])).wait())
///     })
///     .collect();
/// for caller in callers {
///     caller.join().unwrap()?; // durable: now the caller may answer its client
/// }
/// Arc::into_inner(group).unwrap().close()?;
/// let store: Store<GSet<u64>> = Store::open(&dir, "n1", StoreConfig::default())?;
/// assert_eq!(store.state().len(), 4);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), glomer_store::Error>(())
/// ```
#[derive(Debug)]
pub struct GroupCommit<L> {
    queue: Option<SyncSender<Append<L>>>,
    writer: Option<JoinHandle<Result<(), Error>>>,
    identity: Identity,
}

/// A delta to commit, or (`None`) a barrier that resolves with the commit after everything
/// queued before it.
struct Append<L> {
    delta: Option<L>,
    ack: Arc<AckSlot>,
}

impl<L: Lattice + Serialize + DeserializeOwned + Send + 'static> GroupCommit<L> {
    /// Starts the writer thread, which owns `store` from now on. Read the recovered state and
    /// the identity from `store` before.
    pub fn start(store: Store<L>) -> Self {
        let identity = store.identity().clone();
        let (queue, deltas) = mpsc::sync_channel(QUEUE_DELTAS_MAX);
        let writer = std::thread::Builder::new()
            .name("glomer-store-writer".into())
            .spawn(move || run_writer(store, deltas))
            .expect("spawning the store's writer thread");
        GroupCommit { queue: Some(queue), writer: Some(writer), identity }
    }

    /// Queues `delta` for the next commit. The returned [`Ack`] resolves once the delta is
    /// durable in the store's mode, or with the error that kept it from being; acknowledge
    /// the mutation to the client only on `Ok`.
    pub fn append(&self, delta: L) -> Ack {
        self.enqueue(Some(delta))
    }

    /// An [`Ack`] that resolves once every delta appended before this call is durable (or
    /// failed). A host that sends a delta to peers before its own caller waits must wait on a
    /// barrier first: a delta a peer holds must survive a crash of this replica, or a restart
    /// under the same id would mint the same dot or counter entry again.
    pub fn barrier(&self) -> Ack {
        self.enqueue(None)
    }

    fn enqueue(&self, delta: Option<L>) -> Ack {
        let ack = Arc::new(AckSlot::default());
        let request = Append { delta, ack: Arc::clone(&ack) };
        let sent = self.queue.as_ref().map(|queue| queue.send(request));
        if !matches!(sent, Some(Ok(()))) {
            ack.resolve(Err(Error::Stopped));
        }
        Ack { slot: ack }
    }

    /// The store's identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Commits what is queued, stops the writer and closes the store cleanly.
    pub fn close(mut self) -> Result<(), Error> {
        self.queue = None;
        let writer = self.writer.take().expect("the writer runs until close");
        writer.join().unwrap_or(Err(Error::Stopped))
    }
}

impl<L> Drop for GroupCommit<L> {
    fn drop(&mut self) {
        // Closing the queue lets the writer answer what is queued and close the store, in the
        // background; `close` does the same and waits.
        self.queue = None;
    }
}

fn run_writer<L: Lattice + Serialize + DeserializeOwned>(
    mut store: Store<L>,
    deltas: Receiver<Append<L>>,
) -> Result<(), Error> {
    let mut batch: Vec<Arc<AckSlot>> = Vec::with_capacity(BATCH_DELTAS_MAX);
    while let Ok(first) = deltas.recv() {
        let mut result = Ok(());
        let mut next = Some(first);
        while let Some(request) = next.take() {
            if let (Ok(()), Some(delta)) = (&result, &request.delta) {
                result = store.append(delta);
            }
            batch.push(request.ack);
            if batch.len() < BATCH_DELTAS_MAX {
                next = deltas.try_recv().ok();
            }
        }
        let result = result.and_then(|()| store.commit());
        if let Err(error) = &result {
            tracing::warn!(%error, deltas = batch.len(), "group commit failed");
        }
        for ack in batch.drain(..) {
            ack.resolve(result.clone());
        }
    }
    store.close()
}

/// The answer to one [`GroupCommit::append`]: wait on it from a thread, or await it.
#[derive(Debug)]
pub struct Ack {
    slot: Arc<AckSlot>,
}

#[derive(Debug, Default)]
struct AckSlot {
    answer: Mutex<AckState>,
    answered: Condvar,
}

#[derive(Debug, Default)]
struct AckState {
    result: Option<Result<(), Error>>,
    waker: Option<Waker>,
}

impl AckSlot {
    fn resolve(&self, result: Result<(), Error>) {
        let mut state = self.answer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.result = Some(result);
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
        self.answered.notify_all();
    }
}

impl Ack {
    /// Blocks until the delta is durable (`Ok`) or failed. Do not call from an async task:
    /// `.await` the `Ack` there.
    pub fn wait(self) -> Result<(), Error> {
        let mut state = self.slot.answer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            if let Some(result) = state.result.take() {
                return result;
            }
            state = self.slot.answered.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

impl Future for Ack {
    type Output = Result<(), Error>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.slot.answer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match state.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                state.waker = Some(context.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use glomer_crdt::GSet;

    use super::*;
    use crate::StoreConfig;

    #[test]
    fn a_failed_commit_answers_every_caller_in_its_batch_with_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut store: Store<GSet<u64>> = Store::open(dir.path(), "n1", StoreConfig::default()).unwrap();
        store.fail_log_writes_past(Some(0));
        let writer = GroupCommit::start(store);
        let failed: Vec<Ack> = (0..4).map(|value| writer.append(GSet::from_iter([value]))).collect();
        for ack in failed {
            assert!(matches!(ack.wait(), Err(Error::Io { .. })));
        }
        writer.close().unwrap();
    }
}
