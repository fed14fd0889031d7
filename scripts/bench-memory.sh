#!/usr/bin/env bash
# The "engine memory" tables of docs/benchmarks.md: heap bytes one engine holds per neighbour
# and per buffered delta-group, counted by a global allocator. Deterministic for a given build.
#
#   scripts/bench-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -p glomer-benches --bin scale -- --table memory "$@"
