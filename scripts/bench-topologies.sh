#!/usr/bin/env bash
# The topology table of docs/crdt.md: a GSet over 25 replicas, one update per node per 100 ms
# round, 10^3 updates, the engine's defaults (BP+RR δ), on the topologies the table lists.
# Deterministic: one run is exact.
#
#   scripts/bench-topologies.sh
# Built as `cargo bench` builds it (bench profile: release with line tables, and the features
# the benches' dev-dependencies select), so the scripts and the benches share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p glomer-benches --no-run 2>/dev/null
"${CARGO_TARGET_DIR:-target}/release/overhead" --table overhead --types gset \
    --topologies total,grid,random:3,line,tree:4,star --updates 1000 --unoptimised-max 0 "$@"
