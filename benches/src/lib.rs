//! Benchmarks of glomer; see `benches/` and docs/benchmarks.md.
