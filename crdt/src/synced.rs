//! An [`Engine`] with the one wake-up it needs: the transport-free part of hosting a replica.
//!
//! A runtime (Maelstrom's stdin loop in glomer-adapters, a TCP server) does three things around
//! an engine: it changes it (a mutation, a received message, a new neighbour set), it carries
//! what the engine sends to the replica named by each [`ReplicaId`], and it wakes the engine
//! when the engine's next deadline comes. [`Synced`] does the third without any I/O: after
//! every event the runtime calls [`Synced::poll`], which ticks the engine once if a deadline
//! has come (the deadline is exact, so once is enough) and returns the time of the next wake-up
//! to arm, when that is earlier than the one armed already. An idle replica arms nothing.
//!
//! ```
//! use glomer_crdt::{Engine, GSet, ReplicaId, SyncConfig, Synced};
//!
//! let engine: Engine<GSet<u32>> = Engine::new(ReplicaId(0), [ReplicaId(1)], SyncConfig::default());
//! let mut replica = Synced::new(engine);
//! replica.engine_mut().mutate(|set| set.insert(7));
//! let mut sent = Vec::new();
//! // A fresh mutation is due at once; the batch interval then says when to wake up next.
//! let wake_at_ms = replica.poll(0, |to, message| sent.push((to, message.map(Clone::clone))));
//! assert_eq!(sent.len(), 1);
//! assert!(wake_at_ms.is_some(), "the retransmission timer of the unacked send");
//! assert_eq!(replica.poll(1, |_, _| unreachable!("nothing is due")), None, "already armed");
//! ```

use crate::{Engine, Lattice, ReplicaId, SyncMessage};

/// One replica's engine plus the wake-up armed for it.
#[derive(Debug)]
pub struct Synced<L: Lattice> {
    engine: Engine<L>,
    /// The earliest wake-up armed and not yet passed.
    armed_ms: Option<u64>,
}

impl<L: Lattice> Synced<L> {
    /// Hosts `engine`; nothing is armed yet.
    pub fn new(engine: Engine<L>) -> Self {
        Self { engine, armed_ms: None }
    }

    /// The engine, to read its state, neighbours and statistics.
    pub fn engine(&self) -> &Engine<L> {
        &self.engine
    }

    /// The engine, to mutate, receive or reconfigure; call [`Synced::poll`] afterwards.
    pub fn engine_mut(&mut self) -> &mut Engine<L> {
        &mut self.engine
    }

    /// After any event at `now_ms` (a change, a message, a wake-up): ticks the engine if its
    /// deadline has come, lending each message to `send`, and returns when to wake up next if
    /// no wake-up at or before that time is armed. A wake-up that fires late, or one that was
    /// superseded, only costs a poll that finds nothing due.
    pub fn poll(&mut self, now_ms: u64, send: impl FnMut(ReplicaId, SyncMessage<&L>)) -> Option<u64> {
        if self.armed_ms.is_some_and(|armed_ms| armed_ms <= now_ms) {
            self.armed_ms = None;
        }
        if self.engine.next_deadline_ms().is_some_and(|due_ms| due_ms <= now_ms) {
            self.engine.tick_each(now_ms, send);
        }
        // After a tick nothing is due at `now_ms` unless a timeout is configured as 0; waking
        // a millisecond later keeps such a setting from spinning.
        let due_ms = self.engine.next_deadline_ms()?.max(now_ms + 1);
        if self.armed_ms.is_some_and(|armed_ms| armed_ms <= due_ms) {
            return None;
        }
        self.armed_ms = Some(due_ms);
        Some(due_ms)
    }
}
