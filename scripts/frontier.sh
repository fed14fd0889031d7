#!/usr/bin/env bash
# The broadcast frontier: full-length Glomers 3d/3e runs (25 nodes, --rate 100, --latency 100,
# --time-limit 20) of glomer-broadcast under `glomer test` with the process executor, over the
# presets and a sweep of topologies and batch intervals. Each run takes about 35 s and loads
# both cores, so the runs go one after another.
#
# Writes docs/broadcast-frontier.tsv (one line per run, with its exact command), draws
# docs/broadcast-frontier.svg (msgs-per-op against median stable latency) and prints the
# Markdown table that docs/broadcast.md quotes.
#
#   scripts/frontier.sh            # presets, the sweep, and the presets again under partitions
#   scripts/frontier.sh presets    # only the three presets (about 2 minutes)
#   scripts/frontier.sh plot       # redraw the plot and table from the existing TSV
#   scripts/frontier.sh sim-seeds  # 3d with partitions, 20 seeds per preset, sim executor
#   scripts/frontier.sh glomers    # Glomers 3a, 3b, 3c with every preset, process executor
#   SEEDS=3 scripts/frontier.sh spread  # the presets over seeds 1..SEEDS: median and range
#   SEEDS=3 scripts/frontier.sh adaptive  # --preset adaptive at targets 150, 300, 600 ms over
#                                         # seeds 1..SEEDS, then under partitions; adds the
#                                         # seed-1 points to the TSV and the plot
#
# Needs: cargo, python3 (standard library only).
set -euo pipefail

cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
TSV=docs/broadcast-frontier.tsv
SVG=docs/broadcast-frontier.svg
STORE="${STORE:-/tmp/glomer-frontier}"
SEED="${SEED:-1}"
CHALLENGE=(--node-count 25 --time-limit 20 --rate 100 --latency 100)

# One run: a label, the node flags (after --), and optionally extra test flags before --.
run() {
    local label="$1" node_flags="$2" test_flags="${3:-}"
    local out="$STORE/$label"
    # shellcheck disable=SC2086
    local cmd="glomer test -w broadcast ${CHALLENGE[*]}${test_flags:+ $test_flags} --seed $SEED -- $node_flags"
    echo "== $label: $cmd" >&2
    # shellcheck disable=SC2086
    "$CARGO_TARGET_DIR/release/glomer" test -w broadcast "${CHALLENGE[@]}" $test_flags --seed "$SEED" \
        --out "$out" -- $node_flags >/dev/null 2>&1 || true
    python3 - "$out/results.json" "$label" "$cmd" >>"$TSV" <<'EOF'
import json, sys
path, label, cmd = sys.argv[1:4]
r = json.load(open(path))
lat = r["workload"].get("stable-latencies", {})
print("\t".join(str(x) for x in [
    label, str(r["valid?"]).lower(), round(r["net"]["servers"]["msgs-per-op"], 2),
    lat.get("0.5", ""), lat.get("1", ""), cmd]))
EOF
    tail -n 1 "$TSV" >&2
}

presets() {
    for preset in latency balanced frugal; do
        run "preset-$preset" "--preset $preset"
    done
}

sweep() {
    for interval in 50 200; do
        run "star-hubs-$interval" "--topology star --flush hubs --interval-ms $interval"
    done
    for interval in 100 200 300 800; do
        run "star-interval-$interval" "--topology star --flush interval --interval-ms $interval"
    done
    run "tree4-hubs-50" "--topology tree:4 --flush hubs --interval-ms 50"
    run "tree4-interval-100" "--topology tree:4 --flush interval --interval-ms 100"
    run "grid-now" "--topology grid --flush now"
    run "grid-interval-100" "--topology grid --flush interval --interval-ms 100"
    run "random3-interval-100" "--topology random:3 --flush interval --interval-ms 100"
    run "total-interval-100" "--topology total --flush interval --interval-ms 100"
    run "maelstrom-grid-now-immediate-acks" "--topology maelstrom --flush now --acks immediate"
}

partitions() {
    for preset in latency balanced frugal; do
        run "partition-$preset" "--preset $preset" "--nemesis partition"
    done
}

# The three presets over SEEDS seeds (default 3), process executor: each figure as the median
# over the seeds with its range, so the frontier's single-seed rows come with their spread.
spread() {
    local tsv="$STORE/spread.tsv"
    mkdir -p "$STORE"
    : >"$tsv"
    for preset in latency balanced frugal; do
        for seed in $(seq 1 "${SEEDS:-3}"); do
            TSV="$tsv" SEED="$seed" run "preset-$preset" "--preset $preset"
        done
    done
    summarise "$tsv"
}

# Prints the rows of a spread TSV (several seeds per label) as median [min – max] per figure.
summarise() {
    python3 - "$1" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, valid, mpo, median, top, cmd = line.rstrip("\n").split("\t")
    rows.setdefault(label, []).append((valid, float(mpo), float(median or "nan"), float(top or "nan")))
print("| preset | seeds | valid | servers msgs-per-op | median stable latency (ms) | max stable latency (ms) |")
print("| --- | ---: | --- | ---: | ---: | ---: |")
def cell(values):
    return f"{statistics.median(values):g} [{min(values):g} – {max(values):g}]"
for label, runs in rows.items():
    valid = sum(v == "true" for v, *_ in runs)
    cells = " | ".join(cell([r[i] for r in runs]) for i in (1, 2, 3))
    print(f"| {label} | {len(runs)} | {valid} of {len(runs)} | {cells} |")
EOF
}

# --preset adaptive at each latency target over SEEDS seeds (the spread table), then once per
# target under partitions; the seed-1 rows replace any earlier adaptive rows of the frontier TSV.
adaptive() {
    local tsv="$STORE/adaptive.tsv" target
    mkdir -p "$STORE"
    : >"$tsv"
    for target in 150 300 600; do
        for seed in $(seq 1 "${SEEDS:-3}"); do
            TSV="$tsv" SEED="$seed" run "adaptive-$target" "--preset adaptive --latency-target-ms $target"
        done
    done
    summarise "$tsv"
    for target in 150 300 600; do
        TSV="$tsv" run "partition-adaptive-$target" "--preset adaptive --latency-target-ms $target" "--nemesis partition"
    done
    grep -v "^adaptive-\|^partition-adaptive-" "$TSV" >"$TSV.new" || true
    grep "seed 1 --" "$tsv" >>"$TSV.new" || true
    mv "$TSV.new" "$TSV"
}

# 20 seeds of 3d with partitions per preset under the sim executor (virtual time, ~2 s a run).
sim_seeds() {
    for preset in latency balanced frugal; do
        local valid=0
        for seed in $(seq 1 20); do
            if "$CARGO_TARGET_DIR/release/glomer" test -w broadcast "${CHALLENGE[@]}" --nemesis partition \
                --executor sim --seed "$seed" --out "$STORE/sim-$preset-$seed" -- --preset "$preset" >/dev/null 2>&1; then
                valid=$((valid + 1))
            else
                echo "not valid: --preset $preset --seed $seed" >&2
            fi
        done
        echo "sim, --nemesis partition, --preset $preset: $valid of 20 seeds valid"
    done
}

# Glomers 3a, 3b and 3c, full length, with every preset (process executor, release build).
glomers() {
    local name flags
    for preset in latency balanced frugal; do
        for name in 3a 3b 3c; do
            case "$name" in
                3a) flags="--node-count 1 --time-limit 20 --rate 10" ;;
                3b) flags="--node-count 5 --time-limit 20 --rate 10" ;;
                3c) flags="--node-count 5 --time-limit 20 --rate 10 --nemesis partition" ;;
            esac
            # shellcheck disable=SC2086
            if "$CARGO_TARGET_DIR/release/glomer" test -w broadcast $flags --seed "$SEED" \
                --out "$STORE/glomers-$name-$preset" -- --preset "$preset" >/dev/null 2>&1; then
                echo "valid:     glomer test -w broadcast $flags --seed $SEED -- --preset $preset"
            else
                echo "NOT VALID: glomer test -w broadcast $flags --seed $SEED -- --preset $preset"
            fi
        done
    done
}

plot() {
    python3 - "$TSV" "$SVG" <<'EOF'
import math, sys
tsv, svg = sys.argv[1:3]
rows = [line.rstrip("\n").split("\t") for line in open(tsv) if line.strip() and not line.startswith("label")]
print("| run | valid | servers msgs-per-op | median stable latency (ms) | max stable latency (ms) | command |")
print("| --- | --- | ---: | ---: | ---: | --- |")
for label, valid, mpo, median, top, cmd in rows:
    print(f"| {label} | {valid} | {mpo} | {median} | {top} | `{cmd}` |")
points = [(label, float(mpo), float(median)) for label, valid, mpo, median, top, cmd in rows
          if median and not label.startswith("partition")]
W, H, L, B = 760, 500, 70, 50
xmax = max(p[2] for p in points) * 1.15
ylo, yhi = 0.4, max(p[1] for p in points) * 1.5
X = lambda v: L + v / xmax * (W - L - 20)
Y = lambda v: H - B - (math.log(v) - math.log(ylo)) / (math.log(yhi) - math.log(ylo)) * (H - B - 20)
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{(W+L)/2}" y="{H-12}" text-anchor="middle">median stable latency (ms)</text>',
       f'<text x="16" y="{(H-B)/2}" transform="rotate(-90 16 {(H-B)/2})" text-anchor="middle">servers msgs-per-op (log scale)</text>']
for yv in [0.5, 1, 2, 5, 10, 20, 50]:
    if yv < yhi:
        out.append(f'<line x1="{L}" y1="{Y(yv):.0f}" x2="{W-10}" y2="{Y(yv):.0f}" stroke="#eee"/>')
        out.append(f'<text x="{L-6}" y="{Y(yv)+4:.0f}" text-anchor="end">{yv:g}</text>')
for i in range(6):
    xv = round(xmax * i / 5, -2)
    out.append(f'<text x="{X(xv):.0f}" y="{H-B+15}" text-anchor="middle">{xv:.0f}</text>')
out.append(f'<line x1="{L}" y1="{H-B}" x2="{W-10}" y2="{H-B}" stroke="black"/>')
out.append(f'<line x1="{L}" y1="{H-B}" x2="{L}" y2="10" stroke="black"/>')
placed = []
def label_at(x, y):
    # Move a label down until it clears the ones already drawn.
    while any(abs(x - px) < 110 and abs(y - py) < 12 for px, py in placed):
        y += 12
    placed.append((x, y))
    return y
for label, mpo, median in points:
    colour = "#c0392b" if label.startswith("preset") else "#27ae60" if label.startswith("adaptive") else "#2c3e50"
    x, y = X(median), Y(mpo)
    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
    out.append(f'<text x="{x+7:.1f}" y="{label_at(x + 7, y + 4):.1f}" fill="{colour}">{label}</text>')
out.append("</svg>")
open(svg, "w").write("\n".join(out) + "\n")
EOF
}

case "${1:-all}" in
    plot) plot ;;
    glomers)
        cargo build -q --release -p glomer-harness -p glomer-nodes
        glomers
        ;;
    sim-seeds)
        cargo build -q --release -p glomer-harness -p glomer-nodes
        sim_seeds
        ;;
    spread)
        cargo build -q --release -p glomer-harness -p glomer-nodes
        spread
        ;;
    adaptive)
        cargo build -q --release -p glomer-harness -p glomer-nodes
        adaptive
        plot
        ;;
    presets | all)
        cargo build -q --release -p glomer-harness -p glomer-nodes
        printf 'label\tvalid\tmsgs-per-op\tmedian-ms\tmax-ms\tcommand\n' >"$TSV"
        presets
        if [ "${1:-all}" = all ]; then
            sweep
            partitions
        fi
        plot
        ;;
    *) echo "usage: $0 [all|presets|plot|sim-seeds|glomers|spread|adaptive]" >&2; exit 2 ;;
esac
