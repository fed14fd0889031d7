//! The seam where a durable store plugs in: what a replica loads at start, records as it goes,
//! and waits for before anything that depends on a record leaves the process. Without a store
//! ([`InMemory`]) a restarted replica starts empty under a fresh replica id and catches up from
//! its peers.

use std::future::Future;
use std::pin::Pin;

use glomer_crdt::ReplicaId;

/// What a store hands back at start: the replica id to keep and the state it had.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered<L> {
    /// The id of the previous run. Reusing an id is only safe together with its state: a
    /// replica that lost its state under its old id would mint dots or counter entries that
    /// peers already hold.
    pub replica: ReplicaId,
    /// The state of the previous run.
    pub state: L,
}

/// A store's failure, passed through to the caller of `mutate`.
pub type DurabilityError = Box<dyn std::error::Error + Send + Sync>;

/// A record on its way to disk: resolves once it is durable, or with the error that kept it
/// from being.
pub type Pending = Pin<Box<dyn Future<Output = Result<(), DurabilityError>> + Send>>;

/// Loading and saving a replica's state. Called only from the replica's loop, one call at a
/// time; the loop never waits on a [`Pending`] itself, so a slow disk slows acknowledgements
/// and gossip, not the loop.
///
/// The output rule (docs/durability.md): nothing that depends on a delta leaves the process
/// before the delta is durable. The replica keeps it: `mutate` resolves after the delta's
/// [`Pending`], and every message to peers waits for a [`Durability::barrier`] taken after the
/// deltas it may carry.
pub trait Durability<L>: Send + 'static {
    /// The state and replica id a previous run left, or `None` for a fresh replica.
    fn load(&mut self) -> Result<Option<Recovered<L>>, DurabilityError>;

    /// Records the delta of a local mutation; the mutation is acknowledged once the returned
    /// record resolves `Ok` (`None`: nothing to wait for). Deltas received from peers are not
    /// recorded: peers hold them too. The replica also records its whole state this way after
    /// a failed barrier, so that a delta whose commit failed still reaches disk before any
    /// message that may carry it.
    fn append(&mut self, replica: ReplicaId, delta: &L) -> Option<Pending>;

    /// Resolves once every delta appended before the call is durable, with an error if any of
    /// them failed; `None` when nothing was appended since the last barrier.
    fn barrier(&mut self) -> Option<Pending>;

    /// At shutdown: records the whole state, or closes cleanly (a store that already holds
    /// every local delta need not write the state again).
    fn snapshot(&mut self, replica: ReplicaId, state: &L) -> Result<(), DurabilityError>;
}

/// No store: nothing is loaded or saved, and nothing waits.
#[derive(Debug, Clone, Copy, Default)]
pub struct InMemory;

impl<L> Durability<L> for InMemory {
    fn load(&mut self) -> Result<Option<Recovered<L>>, DurabilityError> {
        Ok(None)
    }

    fn append(&mut self, _replica: ReplicaId, _delta: &L) -> Option<Pending> {
        None
    }

    fn barrier(&mut self) -> Option<Pending> {
        None
    }

    fn snapshot(&mut self, _replica: ReplicaId, _state: &L) -> Result<(), DurabilityError> {
        Ok(())
    }
}
