//! Benchmarks of glomer: message overhead and delta sizes (exact counts from the deterministic
//! simulator), merge and mutation speed against the `crdts` crate, the engine's cost per
//! message and its memory, scale by simulation, and the node codec.
//!
//! The criterion benches live in `benches/`; this library holds what the figures share between
//! the bench targets and the `overhead` and `scale` binaries. Results and commands:
//! docs/benchmarks.md, each table made by one script in scripts/.
//!
//! # Layout
//!
//! - [`overhead`], [`report`], [`workload`], [`sizes`]: messages and bytes per update under each
//!   protocol, and delta-group sizes, as Markdown tables.
//! - [`scale`]: hundreds to thousands of replicas in the simulator, against the cost model.
//! - [`memory`], [`footprint`]: a counting allocator, and what one engine holds per neighbour
//!   and per buffered delta-group.
//!
//! # Example
//!
//! The cost model the scale runs check: on a star of 25 nodes an update that nothing batches
//! travels n − 1 = 24 times, and with every link busy each round costs 2E / n per update.
//!
//! ```
//! use glomer_benches::scale::{Regime, Shape};
//! use glomer_crdt::Topology;
//!
//! let star = Shape::of(&Topology::Star, 25, 1);
//! assert_eq!((star.edges, star.diameter, star.degree_max), (24, 2, 24));
//! assert_eq!(star.predicted_data_per_update(Regime::Sparse, 25), 24.0);
//! assert_eq!(star.predicted_data_per_update(Regime::Dense, 25), 48.0 / 25.0);
//! ```
#![deny(missing_docs)]

pub mod footprint;
pub mod memory;
pub mod overhead;
pub mod report;
pub mod scale;
pub mod sizes;
pub mod workload;
