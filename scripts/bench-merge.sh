#!/usr/bin/env bash
# The "join and mutation speed against crdts" table of docs/benchmarks.md: the criterion bench
# benches/benches/merge.rs (thread CPU time) run RUNS times (default 3), glomer and crdts side
# by side in each run; for every pair the ratio crdts / glomer of the same run, as the median
# and the range over the runs.
#
#   scripts/bench-merge.sh              # every type, 3 runs (about 3 minutes per run, 2 cores)
#   RUNS=5 scripts/bench-merge.sh gset  # a criterion filter, 5 runs
exec "$(dirname "$0")/bench-repeat.sh" merge --ratios -- "$@"
