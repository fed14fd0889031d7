//! Delta-state CRDTs and a sans-IO delta anti-entropy engine.
//!
//! A CRDT (conflict-free replicated data type) is a state that replicas change independently
//! and merge in any order, any number of times, and still agree once they have seen the same
//! updates. This crate holds delta-state CRDTs (every update yields a small *delta*, itself a
//! state of the same [`Lattice`]) and an [`Engine`] that keeps replicas in sync by shipping
//! those deltas over a network that may lose, duplicate and reorder messages. It does no I/O:
//! the application passes the time in and carries the messages, over whatever transport it has.
//!
//! # Layout
//!
//! - [`Lattice`]: the join-semilattice trait every type and every delta implements.
//! - The types, each with delta-mutators that change the state and return the delta:
//!   [`GSet`], [`GCounter`], [`PNCounter`], [`LwwRegister`] and [`LwwMap`] (ordered by
//!   [`Timestamp`]s from a hybrid logical clock, [`Hlc`]), [`OpLog`], [`MaxMap`], [`LatticeMap`],
//!   and products `(A, B)`.
//! - Causal types (Almeida, Shoker and Baquero, JPDC 2018, sections 6-7), which remove without
//!   tombstones and keep concurrent writes: [`AwSet`], [`MvRegister`], [`EwFlag`] and
//!   [`OrMap`] (of any [`Causal`] value, nested maps included), built on [`Dot`]s, a
//!   [`CausalContext`] and the [`DotStore`]s [`DotSet`], [`DotFun`], [`DotMap`]. A replica that
//!   lost its state must take a fresh [`ReplicaId`] (see [`CausalContext`]).
//! - [`Engine`], [`SyncConfig`], [`SyncStats`]: delta-interval anti-entropy with acks
//!   (Almeida, Shoker and Baquero, JPDC 2018, Algorithm 2) and the redundancy and
//!   back-propagation optimisations of Enes et al. (ICDE 2019).
//! - [`SyncMessage`], [`Outgoing`]: what engines send each other (serde-derivable).
//! - [`Synced`]: an engine with the one wake-up it needs, what a runtime hosts (the Maelstrom
//!   adapters over stdin, a network runtime over TCP).
//! - [`Topology`]: who gossips with whom, as pure functions of the node count and a seed.
//! - `sim` (cargo feature `sim`): a seeded, single-threaded network of engines with loss,
//!   duplication, delay and partitions, for tests and message-overhead benches.
//!
//! # The loop: mutate, tick, receive
//!
//! Two replicas and a hand-written transport (a `Vec` of messages in flight). A real
//! application serialises `Outgoing::message` and sends it to `Outgoing::to`; whatever arrives
//! goes into `receive` with the sender's id. The same example is walked through in
//! docs/crdt.md.
//!
//! ```
//! use glomer_crdt::{Engine, GSet, Outgoing, ReplicaId, SyncConfig};
//!
//! let (a_id, b_id) = (ReplicaId(0), ReplicaId(1));
//! let mut a: Engine<GSet<String>> = Engine::new(a_id, [b_id], SyncConfig::default());
//! let mut b: Engine<GSet<String>> = Engine::new(b_id, [a_id], SyncConfig::default());
//!
//! // 1. mutate: a delta-mutator changes the state and returns its delta, which the engine
//! //    buffers for the neighbours.
//! a.mutate(|set| set.insert("hello".to_string()));
//! b.mutate(|set| set.insert("world".to_string()));
//!
//! // 2. The transport: messages in flight, each with its sender.
//! let mut wire: Vec<(ReplicaId, Outgoing<GSet<String>>)> = Vec::new();
//!
//! // 3. Drive time: tick every engine (here every 100 ms of made-up time) and deliver what
//! //    it sends; `receive` may answer (an ack), and answers go on the wire too.
//! for now_ms in (0..=1_000).step_by(100) {
//!     for engine in [&mut a, &mut b] {
//!         let from = engine.id();
//!         wire.extend(engine.tick(now_ms).into_iter().map(|out| (from, out)));
//!     }
//!     while let Some((from, out)) = wire.pop() {
//!         let target = if out.to == a_id { &mut a } else { &mut b };
//!         let to = target.id();
//!         let replies = target.receive(from, out.message, now_ms);
//!         wire.extend(replies.into_iter().map(|reply| (to, reply)));
//!     }
//! }
//!
//! assert_eq!(a.state(), b.state());
//! assert!(a.state().contains(&"world".to_string()));
//! // Everything is acknowledged: nothing more would be sent until the next mutation.
//! assert!(a.is_idle() && b.is_idle());
//! assert_eq!(a.buffered_groups(), 0);
//! ```
#![deny(missing_docs)]

mod causal;
mod engine;
mod gcounter;
mod gset;
mod hlc;
mod lattice;
mod lattice_map;
mod lww_map;
mod lww_register;
mod maxmap;
mod message;
mod oplog;
mod pncounter;
mod product;
mod replica;
#[cfg(feature = "sim")]
pub mod sim;
mod sorted_chunks;
mod sorted_join;
mod synced;
mod topology;

pub use causal::{
    AwSet, Causal, CausalContext, CausalState, Dot, DotFun, DotMap, DotSet, DotStore, EncodeStore, EwFlag, MvRegister,
    OrMap, MINUS_LISTED_MAX,
};
pub use engine::{
    Engine, Sizer, SyncConfig, SyncMode, SyncStats, DEFAULT_ACK_DELAY_MS, DEFAULT_BATCH_INTERVAL_MS,
    DEFAULT_MAX_BUFFERED_GROUPS, DEFAULT_RETRANSMIT_AFTER_MS,
};
pub use gcounter::GCounter;
pub use gset::GSet;
pub use hlc::{Hlc, Timestamp, LOGICAL_BITS, PHYSICAL_MS_MAX};
pub use lattice::Lattice;
pub use lattice_map::LatticeMap;
pub use lww_map::LwwMap;
pub use lww_register::LwwRegister;
pub use maxmap::MaxMap;
pub use message::{postcard_len, Outgoing, SyncMessage};
pub use oplog::OpLog;
pub use pncounter::PNCounter;
pub use replica::ReplicaId;
pub use synced::Synced;
pub use topology::{Topology, TopologyError};

/// The Rust examples of docs/crdt.md, compiled and run as doctests so the guide cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../docs/crdt.md")]
mod crdt_guide {}
