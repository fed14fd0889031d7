#!/usr/bin/env bash
# The message-overhead tables of docs/benchmarks.md (GSet, PNCounter, LwwMap; full state,
# classic δ, BP+RR δ; six topologies). The simulator is deterministic, so one run is exact:
# there is no spread to show. Full state and classic δ cost the square of the update count to
# simulate, so they stop at 10^3 updates.
#
#   scripts/bench-overhead.sh
# Built as `cargo bench` builds it (bench profile: release with line tables, and the features
# the benches' dev-dependencies select), so the scripts and the benches share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p glomer-benches --no-run 2>/dev/null
"${CARGO_TARGET_DIR:-target}/release/overhead" \
    --table overhead --updates 100,1000,10000,100000 --unoptimised-max 1000 "$@"
