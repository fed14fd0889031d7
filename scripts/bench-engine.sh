#!/usr/bin/env bash
# The "engine cost per message" table of docs/benchmarks.md: the criterion bench
# benches/benches/engine.rs (thread CPU time) run RUNS times (default 3); median and range.
#
#   scripts/bench-engine.sh
exec "$(dirname "$0")/bench-repeat.sh" engine -- "$@"
