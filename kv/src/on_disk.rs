//! glomer-store behind glomer-net's durability seam: the replica's deltas go through group
//! commit, each write is acknowledged once its delta is durable, and gossip waits for a
//! barrier (docs/durability.md, "Hosts, concretely").
//!
//! It lives here rather than in glomer-net so that the network crate stays free of storage;
//! it is generic over the lattice, so another host can take it as it is.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use glomer_crdt::{Lattice, ReplicaId};
use glomer_net::{Durability, DurabilityError, Pending, Recovered};
use glomer_store::{Ack, GroupCommit, Identity, Recovery, Store, StoreConfig, QUEUE_DELTAS_MAX};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::oneshot;

/// Records waiting for the watcher, in the order the writer answers them: the same bound as
/// the writer's own queue. Past it an append waits for the watcher (back-pressure on the
/// replica's loop, as the writer's queue gives), which only a stalled disk makes happen.
const RECORDS_IN_FLIGHT_MAX: usize = QUEUE_DELTAS_MAX;

/// A replica's store on disk, opened and recovered, with its group-commit writer running.
pub struct OnDisk<L> {
    group: Option<GroupCommit<L>>,
    recovered: Option<Recovered<L>>,
    recovery: Recovery,
    /// To the thread that learns each record's outcome, in order.
    outcomes: Option<SyncSender<Record>>,
    watcher: Option<JoinHandle<()>>,
    appended_since_barrier: bool,
}

/// An answer the watcher waits for, and where it tells the result.
enum Record {
    Delta(Ack, oneshot::Sender<Result<(), DurabilityError>>),
    Barrier(Ack, oneshot::Sender<Result<(), DurabilityError>>),
}

impl<L: Lattice + Clone + Serialize + DeserializeOwned + Send + 'static> OnDisk<L> {
    /// Opens and recovers the store in `dir` for the replica `name`: refused if `dir` belongs
    /// to another replica or holds a damaged frame (glomer-store's errors say which).
    pub fn open(dir: &Path, name: &str, config: StoreConfig) -> Result<Self, glomer_store::Error> {
        let store: Store<L> = Store::open(dir, name, config)?;
        let recovered = Recovered { replica: store.identity().replica_id, state: store.state().clone() };
        let recovery = store.recovery().clone();
        let (outcomes, records) = mpsc::sync_channel(RECORDS_IN_FLIGHT_MAX);
        let watcher = std::thread::Builder::new()
            .name("glomer-kv-acks".into())
            .spawn(move || watch_outcomes(records))
            .expect("spawning the acknowledgement thread");
        Ok(OnDisk {
            group: Some(GroupCommit::start(store)),
            recovered: Some(recovered),
            recovery,
            outcomes: Some(outcomes),
            watcher: Some(watcher),
            appended_since_barrier: false,
        })
    }

    /// The identity the store keeps: the replica mints under its `replica_id`.
    pub fn identity(&self) -> Option<&Identity> {
        self.group.as_ref().map(GroupCommit::identity)
    }

    /// What recovery found.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    fn track(&mut self, ack: Ack, barrier: bool) -> Pending {
        let (tell, told) = oneshot::channel();
        let record = if barrier { Record::Barrier(ack, tell) } else { Record::Delta(ack, tell) };
        if let Some(outcomes) = &self.outcomes {
            let _ = outcomes.send(record);
        }
        Box::pin(async move { told.await.unwrap_or_else(|_| Err(glomer_store::Error::Stopped.into())) })
    }
}

/// Waits for each record's answer in the order the writer gives them, and passes it on. A
/// barrier also fails if any delta since the previous barrier failed, whether or not anyone
/// awaited that delta: a later commit succeeding does not put an earlier failed one on disk.
fn watch_outcomes(records: Receiver<Record>) {
    let mut failed_since_barrier = false;
    for record in records {
        match record {
            Record::Delta(ack, tell) => {
                let result = ack.wait();
                failed_since_barrier |= result.is_err();
                let _ = tell.send(result.map_err(Into::into));
            }
            Record::Barrier(ack, tell) => {
                let result = match (ack.wait(), std::mem::take(&mut failed_since_barrier)) {
                    (Err(error), _) => Err(error.into()),
                    (Ok(()), true) => Err("a delta since the previous barrier was not recorded".into()),
                    (Ok(()), false) => Ok(()),
                };
                let _ = tell.send(result);
            }
        }
    }
}

impl<L: Lattice + Clone + Serialize + DeserializeOwned + Send + 'static> Durability<L> for OnDisk<L> {
    fn load(&mut self) -> Result<Option<Recovered<L>>, DurabilityError> {
        // Always the store's id, even for a new directory: the store drew it and keeps it.
        Ok(self.recovered.take())
    }

    fn append(&mut self, _replica: ReplicaId, delta: &L) -> Option<Pending> {
        let ack = self.group.as_ref()?.append(delta.clone());
        self.appended_since_barrier = true;
        Some(self.track(ack, false))
    }

    fn barrier(&mut self) -> Option<Pending> {
        if !std::mem::take(&mut self.appended_since_barrier) {
            return None;
        }
        let ack = self.group.as_ref()?.barrier();
        Some(self.track(ack, true))
    }

    fn snapshot(&mut self, _replica: ReplicaId, _state: &L) -> Result<(), DurabilityError> {
        // Every local delta is in the log already; received ones are held by their owners.
        let closed = self.group.take().map_or(Ok(()), GroupCommit::close);
        self.outcomes = None;
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
        closed.map_err(Into::into)
    }
}
