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
#![deny(missing_docs)]

pub mod footprint;
pub mod memory;
pub mod overhead;
pub mod report;
pub mod scale;
pub mod sizes;
pub mod workload;
