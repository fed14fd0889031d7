#!/usr/bin/env bash
# The "delta-group size against state size" table of docs/benchmarks.md. Deterministic.
#
#   scripts/bench-sizes.sh
# Built as `cargo bench` builds it (bench profile: release with line tables, and the features
# the benches' dev-dependencies select), so the scripts and the benches share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p glomer-benches --no-run 2>/dev/null
"${CARGO_TARGET_DIR:-target}/release/overhead" --table sizes --elements 100,1000,10000,100000 "$@"
