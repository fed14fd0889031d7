#!/usr/bin/env bash
# The "node codec" table of docs/benchmarks.md, which docs/maelstrom.md quotes: the criterion
# bench benches/benches/codec.rs run RUNS times (default 3); median and range over the runs.
#
#   scripts/bench-codec.sh
exec "$(dirname "$0")/bench-repeat.sh" codec -- --warm-up-time 1 --measurement-time 3 "$@"
