#!/usr/bin/env bash
# The "BP and RR apart" tables of docs/benchmarks.md: classic δ, no back-propagation only,
# redundancy removal only, and both, on six topologies (Enes et al., ICDE 2019, measure the two
# optimisations apart). Deterministic: one run is exact. Every protocol but BP+RR costs the
# square of the update count to simulate, hence 10^2 and 10^3 updates.
#
#   scripts/bench-apart.sh
# Built as `cargo bench` builds it (bench profile: release with line tables, and the features
# the benches' dev-dependencies select), so the scripts and the benches share one build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p glomer-benches --no-run 2>/dev/null
"${CARGO_TARGET_DIR:-target}/release/overhead" \
    --table apart --updates 100,1000 --unoptimised-max 1000 "$@"
