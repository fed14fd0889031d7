//! The seam where a durable store plugs in: what a replica loads at start and records as it
//! goes. Without a store ([`InMemory`]) a restarted replica starts empty under a fresh replica
//! id and catches up from its peers.

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

/// Loading and saving a replica's state. Called only from the replica's loop, one call at a
/// time; a slow store slows mutations, which is what "acknowledged once durable" means.
pub trait Durability<L>: Send + 'static {
    /// The state and replica id a previous run left, or `None` for a fresh replica.
    fn load(&mut self) -> Result<Option<Recovered<L>>, DurabilityError>;

    /// Records the delta of a local mutation, before the mutation is acknowledged. Deltas
    /// received from peers are not recorded one by one: peers hold them too, and they reach
    /// the store with the next [`Durability::snapshot`].
    fn append(&mut self, replica: ReplicaId, delta: &L) -> Result<(), DurabilityError>;

    /// Records the whole state (at shutdown; a store may also compact its log with it).
    fn snapshot(&mut self, replica: ReplicaId, state: &L) -> Result<(), DurabilityError>;
}

/// No store: nothing is loaded or saved.
#[derive(Debug, Clone, Copy, Default)]
pub struct InMemory;

impl<L> Durability<L> for InMemory {
    fn load(&mut self) -> Result<Option<Recovered<L>>, DurabilityError> {
        Ok(None)
    }

    fn append(&mut self, _replica: ReplicaId, _delta: &L) -> Result<(), DurabilityError> {
        Ok(())
    }

    fn snapshot(&mut self, _replica: ReplicaId, _state: &L) -> Result<(), DurabilityError> {
        Ok(())
    }
}
