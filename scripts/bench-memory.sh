#!/usr/bin/env bash
# The "engine memory" tables of docs/benchmarks.md: heap bytes one engine holds per neighbour
# and per buffered delta-group, counted by a global allocator. Deterministic for a given build.
#
#   scripts/bench-memory.sh
# Built as `cargo bench` builds it (bench profile: release with line tables, and the features
# the benches' dev-dependencies select), so the scripts and the benches share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p glomer-benches --no-run 2>/dev/null
"${CARGO_TARGET_DIR:-target}/release/scale" --table memory "$@"
