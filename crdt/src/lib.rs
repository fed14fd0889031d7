//! Delta-state CRDTs and a sans-IO delta anti-entropy engine.
#![deny(missing_docs)]

mod engine;
mod gset;
mod lattice;
mod message;
mod replica;
pub mod sim;
mod topology;

pub use engine::{
    Engine, SyncConfig, SyncMode, SyncStats, DEFAULT_ACK_DELAY_MS, DEFAULT_BATCH_INTERVAL_MS,
    DEFAULT_MAX_BUFFERED_GROUPS, DEFAULT_RETRANSMIT_AFTER_MS,
};
pub use gset::GSet;
pub use lattice::Lattice;
pub use message::{postcard_len, Outgoing, SyncMessage};
pub use replica::ReplicaId;
pub use topology::{Topology, TopologyError};
