//! What engines send each other.

use serde::{Deserialize, Serialize};

use crate::ReplicaId;

/// One message of the delta anti-entropy protocol (see [`crate::Engine`] and docs/crdt.md).
///
/// Sequence numbers are the *sender's* delta-group numbers: they mean nothing to anyone else,
/// and every acknowledgement a receiver sends back is in the sender's numbering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncMessage<L> {
    /// A delta-interval: the join of the sender's delta-groups numbered `from_seq + 1 ..= to_seq`
    /// that the receiver does not already hold (Almeida, Shoker and Baquero, "Delta State
    /// Replicated Data Types", JPDC 2018, Algorithm 2), or the sender's whole state when `full`.
    Delta {
        /// The delta starts after this group: a receiver that holds every group up to
        /// `from_seq` holds every group up to `to_seq` once it joined `delta`.
        from_seq: u64,
        /// The sender's newest group covered by `delta`.
        to_seq: u64,
        /// The payload: a state of the same lattice.
        delta: L,
        /// A piggybacked acknowledgement of the receiver's own groups, in the receiver's numbering.
        ack: Option<u64>,
        /// `delta` is the sender's whole state: it covers every group up to `to_seq` whatever
        /// the receiver held before.
        full: bool,
    },
    /// A standalone acknowledgement: the sender holds every group of the receiver up to `seq`.
    Ack {
        /// The receiver's group number acknowledged.
        seq: u64,
    },
}

impl<L> SyncMessage<L> {
    /// Whether this message carries data (a delta or a full state), as opposed to a bare ack.
    pub fn is_data(&self) -> bool {
        matches!(self, SyncMessage::Delta { .. })
    }

    /// The same message lending its payload, as [`crate::Engine::tick_each`] lends one.
    pub fn as_ref(&self) -> SyncMessage<&L> {
        match self {
            SyncMessage::Delta { from_seq, to_seq, delta, ack, full } => {
                SyncMessage::Delta { from_seq: *from_seq, to_seq: *to_seq, delta, ack: *ack, full: *full }
            }
            SyncMessage::Ack { seq } => SyncMessage::Ack { seq: *seq },
        }
    }

    /// The same message with its payload changed by `f`, e.g. `message.map(L::clone)` to own
    /// a message that [`crate::Engine::tick_each`] lent.
    pub fn map<M>(self, f: impl FnOnce(L) -> M) -> SyncMessage<M> {
        match self {
            SyncMessage::Delta { from_seq, to_seq, delta, ack, full } => {
                SyncMessage::Delta { from_seq, to_seq, delta: f(delta), ack, full }
            }
            SyncMessage::Ack { seq } => SyncMessage::Ack { seq },
        }
    }
}

/// A message an engine wants sent; the embedding application owns the transport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing<L> {
    /// The destination replica.
    pub to: ReplicaId,
    /// What to deliver to it, with `Engine::receive(from = the sender, message, now_ms)`.
    pub message: SyncMessage<L>,
}

/// A message sizer for `Engine::set_sizer`: postcard's encoded length, a compact binary
/// encoding close to what a real transport would put on the wire; 0 if the payload's
/// `Serialize` fails. The sim and the overhead benches count bytes with it.
pub fn postcard_len<L: Serialize>(message: &SyncMessage<&L>) -> usize {
    postcard::to_allocvec(message).map(|bytes| bytes.len()).unwrap_or(0)
}
