#!/usr/bin/env bash
# Runs one criterion bench target of glomer-benches RUNS times (default 3) and summarises the
# runs with scripts/criterion-runs.py: the median over runs and the range. The bench-*.sh
# scripts of the timed tables call it with their exact flags.
#
#   scripts/bench-repeat.sh BENCH [--ratios] [-- CRITERION ARGS...]
#
# Needs: cargo, python3 (standard library only). Logs go to $STORE (default /tmp/glomer-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
bench="$1"
shift
summary=()
if [[ "${1:-}" == "--ratios" ]]; then
    summary+=(--ratios)
    shift
fi
[[ "${1:-}" == "--" ]] && shift
RUNS="${RUNS:-3}"
STORE="${STORE:-/tmp/glomer-bench}/$bench"
mkdir -p "$STORE"
logs=()
for run in $(seq 1 "$RUNS"); do
    echo "== $bench run $run of $RUNS: cargo bench -p glomer-benches --bench $bench -- $*" >&2
    cargo bench -p glomer-benches --bench "$bench" -- "$@" >"$STORE/run$run.log" 2>&1
    logs+=("$STORE/run$run.log")
done
python3 scripts/criterion-runs.py "${summary[@]}" "${logs[@]}"
