//! Delta-state CRDTs and a sans-IO delta anti-entropy engine.
#![deny(missing_docs)]

mod gcounter;
mod gset;
mod hlc;
mod lattice;
mod lattice_map;
mod lww_map;
mod lww_register;
mod maxmap;
mod oplog;
mod pncounter;
mod product;
mod replica;

pub use gcounter::GCounter;
pub use gset::GSet;
pub use hlc::{Hlc, Timestamp, LOGICAL_BITS, PHYSICAL_MS_MAX};
pub use lattice::Lattice;
pub use lattice_map::LatticeMap;
pub use lww_map::LwwMap;
pub use lww_register::LwwRegister;
pub use maxmap::MaxMap;
pub use oplog::OpLog;
pub use pncounter::PNCounter;
pub use replica::ReplicaId;
