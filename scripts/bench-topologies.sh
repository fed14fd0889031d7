#!/usr/bin/env bash
# The topology table of docs/crdt.md: a GSet over 25 replicas, one update per node per 100 ms
# round, 10^3 updates, the engine's defaults (BP+RR δ), on the topologies the table lists.
# Deterministic: one run is exact.
#
#   scripts/bench-topologies.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -p glomer-benches --bin overhead -- --table overhead --types gset \
    --topologies total,grid,random:3,line,tree:4,star --updates 1000 --unoptimised-max 0 "$@"
