#!/usr/bin/env bash
# The "delta-group size against state size" table of docs/benchmarks.md. Deterministic.
#
#   scripts/bench-sizes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -p glomer-benches --bin overhead -- --table sizes --elements 100,1000,10000,100000 "$@"
