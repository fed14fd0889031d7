//! The output rule on the way out: messages to peers wait until the deltas they may carry are
//! durable (docs/durability.md). One barrier is in flight at a time; messages produced while it
//! runs wait for the next one, in order.

use glomer_crdt::Outgoing;

use crate::durability::{Durability, DurabilityError, Pending};

/// Messages held behind the next barrier at most: 4,096. A healthy store settles a barrier in
/// one commit (a fraction of a millisecond to a few ms), during which a replica produces a few
/// messages per peer; the bound only bites when the disk stalls, and then the oldest held
/// messages are dropped, which the sync protocol treats as loss and repairs.
pub(crate) const HELD_MESSAGES_MAX: usize = 4_096;

/// Outgoing messages not yet allowed out.
pub(crate) struct Gate<L> {
    /// The barrier in flight, and the messages it releases.
    barrier: Option<Pending>,
    covered: Vec<Outgoing<L>>,
    /// Produced while the barrier was in flight; they need a barrier of their own.
    next: Vec<Outgoing<L>>,
    /// Messages dropped: held past the bound, or covered by a failed barrier.
    pub dropped: u64,
}

impl<L> Default for Gate<L> {
    fn default() -> Self {
        Gate { barrier: None, covered: Vec::new(), next: Vec::new(), dropped: 0 }
    }
}

impl<L: 'static> Gate<L> {
    /// The messages of `out` that may leave now; the rest are held.
    pub fn pass(&mut self, out: Vec<Outgoing<L>>, durability: &mut dyn Durability<L>) -> Vec<Outgoing<L>> {
        if out.is_empty() {
            return out;
        }
        if self.barrier.is_some() {
            self.hold(out);
            return Vec::new();
        }
        match durability.barrier() {
            None => out,
            Some(barrier) => {
                self.barrier = Some(barrier);
                self.covered = out;
                Vec::new()
            }
        }
    }

    fn hold(&mut self, mut out: Vec<Outgoing<L>>) {
        self.next.append(&mut out);
        let excess = self.next.len().saturating_sub(HELD_MESSAGES_MAX);
        if excess > 0 {
            self.next.drain(..excess);
            self.dropped += excess as u64;
        }
    }

    /// Resolves when the barrier in flight does; never while there is none.
    pub async fn settled(&mut self) -> Result<(), DurabilityError> {
        match self.barrier.as_mut() {
            Some(barrier) => barrier.await,
            None => std::future::pending().await,
        }
    }

    /// After [`Gate::settled`]: the messages the barrier released (none if it failed), then
    /// whatever waited behind it and needs no barrier. On failure the caller must record its
    /// whole state *before* this call, so the next barrier covers the deltas that failed.
    pub fn release(
        &mut self,
        result: &Result<(), DurabilityError>,
        durability: &mut dyn Durability<L>,
    ) -> Vec<Outgoing<L>> {
        self.barrier = None;
        let mut released = std::mem::take(&mut self.covered);
        if result.is_err() {
            self.dropped += released.len() as u64;
            released.clear();
        }
        let next = std::mem::take(&mut self.next);
        released.extend(self.pass(next, durability));
        released
    }
}
