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

#[cfg(test)]
mod tests {
    use glomer_crdt::{ReplicaId, SyncMessage};
    use tokio::sync::oneshot;

    use super::*;
    use crate::Recovered;

    /// A store whose barriers resolve when the test says so; it counts whole-state records.
    #[derive(Default)]
    struct Manual {
        appended: bool,
        barriers: Vec<oneshot::Sender<Result<(), DurabilityError>>>,
        records: usize,
    }

    impl Durability<u64> for Manual {
        fn load(&mut self) -> Result<Option<Recovered<u64>>, DurabilityError> {
            Ok(None)
        }

        fn append(&mut self, _replica: ReplicaId, _delta: &u64) -> Option<Pending> {
            self.appended = true;
            self.records += 1;
            None
        }

        fn barrier(&mut self) -> Option<Pending> {
            if !std::mem::take(&mut self.appended) {
                return None;
            }
            let (tell, told) = oneshot::channel();
            self.barriers.push(tell);
            Some(Box::pin(async move { told.await.unwrap_or_else(|_| Err("gone".into())) }))
        }

        fn snapshot(&mut self, _replica: ReplicaId, _state: &u64) -> Result<(), DurabilityError> {
            Ok(())
        }
    }

    fn ack(seq: u64) -> Vec<Outgoing<u64>> {
        vec![Outgoing { to: ReplicaId(1), message: SyncMessage::Ack { seq } }]
    }

    fn seqs(out: &[Outgoing<u64>]) -> Vec<u64> {
        out.iter()
            .map(|outgoing| match outgoing.message {
                SyncMessage::Ack { seq } => seq,
                SyncMessage::Delta { to_seq, .. } => to_seq,
            })
            .collect()
    }

    async fn settle(gate: &mut Gate<u64>, store: &mut Manual, result: Result<(), DurabilityError>) -> Vec<u64> {
        let tell = store.barriers.remove(0);
        tell.send(result).unwrap();
        let settled = gate.settled().await;
        if settled.is_err() {
            store.append(ReplicaId(0), &0);
        }
        seqs(&gate.release(&settled, store))
    }

    #[tokio::test]
    async fn messages_wait_for_the_barrier_after_an_append_and_keep_their_order() {
        let (mut gate, mut store) = (Gate::default(), Manual::default());
        assert_eq!(seqs(&gate.pass(ack(1), &mut store)), [1], "nothing appended: straight out");
        store.append(ReplicaId(0), &7);
        assert!(gate.pass(ack(2), &mut store).is_empty(), "held behind a barrier");
        assert!(gate.pass(ack(3), &mut store).is_empty(), "held behind the one in flight");
        assert_eq!(store.barriers.len(), 1);
        assert_eq!(settle(&mut gate, &mut store, Ok(())).await, [2, 3]);
        assert_eq!(seqs(&gate.pass(ack(4), &mut store)), [4]);
    }

    #[tokio::test]
    async fn a_failed_barrier_drops_what_it_held_and_the_next_covers_the_whole_state() {
        let (mut gate, mut store) = (Gate::default(), Manual::default());
        store.append(ReplicaId(0), &7);
        assert!(gate.pass(ack(1), &mut store).is_empty());
        assert!(gate.pass(ack(2), &mut store).is_empty());
        // The barrier fails: 1 is dropped; the state is recorded and 2 waits for a new barrier.
        assert!(settle(&mut gate, &mut store, Err("disk full".into())).await.is_empty());
        assert_eq!((gate.dropped, store.records), (1, 2));
        assert_eq!(settle(&mut gate, &mut store, Ok(())).await, [2]);
    }

    #[tokio::test]
    async fn held_messages_are_bounded() {
        let (mut gate, mut store) = (Gate::default(), Manual::default());
        store.append(ReplicaId(0), &7);
        assert!(gate.pass(ack(0), &mut store).is_empty());
        for seq in 1..=(HELD_MESSAGES_MAX as u64 + 10) {
            assert!(gate.pass(ack(seq), &mut store).is_empty());
        }
        assert_eq!(gate.dropped, 10);
        let released = settle(&mut gate, &mut store, Ok(())).await;
        assert_eq!(released.len(), HELD_MESSAGES_MAX + 1);
        assert_eq!(released[1], 11, "the oldest held were dropped");
    }
}
