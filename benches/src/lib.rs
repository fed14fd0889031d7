//! Benchmarks of glomer: message overhead and delta sizes (exact counts from the deterministic
//! simulator), merge and mutation speed against the `crdts` crate, and the node codec.
//!
//! The criterion benches live in `benches/`; this library holds what the overhead figures
//! share between the `overhead` bench target and the `overhead` binary. Results and commands:
//! docs/benchmarks.md.
#![deny(missing_docs)]

pub mod overhead;
pub mod report;
pub mod sizes;
pub mod workload;
