#!/usr/bin/env bash
# The "scale by simulation" table of docs/benchmarks.md: a GSet over 100 and 1,000 replicas in
# the seeded simulator on random:4, tree:4 and a star of stars (stars:10 at 100 nodes, stars:32
# at 1,000), sparse and dense updates, against the cost model of docs/broadcast.md. Message
# counts are exact for the seed; the simulator's wall time is the one figure that varies, so
# SEEDS (default 1) runs that many seeds, one table each.
#
#   scripts/bench-scale.sh
#   SEEDS=3 scripts/bench-scale.sh
# `--profile bench` is `--release` with line tables: it shares the build of `cargo bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="${SEEDS:-1}"
scale() {
    cargo run --profile bench -q -p glomer-benches --bin scale -- --table scale --seed "$@"
}
for seed in $(seq 1 "$SEEDS"); do
    scale "$seed" --nodes 100 --topologies random:4,tree:4,stars:10
    scale "$seed" --nodes 1000 --topologies random:4,tree:4,stars:32 | tail -n +3
done
