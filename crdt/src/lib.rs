//! Delta-state CRDTs and a sans-IO delta anti-entropy engine.
#![deny(missing_docs)]

mod gset;
mod lattice;
mod replica;

pub use gset::GSet;
pub use lattice::Lattice;
pub use replica::ReplicaId;
