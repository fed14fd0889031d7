#!/usr/bin/env python3
"""Summarises repeated criterion runs: reads the logs of R runs of one bench target and prints,
per benchmark id, the median over the runs of criterion's point estimate with the smallest and
largest run; with --ratios, pairs every `<op>/glomer/<n>` (and `<op>_quiet/glomer/<n>`) with
`<op>/crdts/<n>` of the SAME run and prints crdts / glomer as median and range over the runs.

Used by scripts/bench-merge.sh, scripts/bench-codec.sh and scripts/bench-engine.sh.

    criterion-runs.py [--ratios] run1.log run2.log ...
"""
import re
import statistics
import sys

UNITS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
TIME = re.compile(r"time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]")


def parse(path):
    """Benchmark id -> point estimate in ns, from one criterion log."""
    estimates, name = {}, None
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if line and not line[0].isspace() and not line.startswith(("Benchmarking", "Found", "Gnuplot")):
            name = line.split()[0]
        match = TIME.search(line)
        if match and name:
            estimates[name] = float(match.group(1)) * UNITS[match.group(2)]
    return estimates


def show(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main():
    args = sys.argv[1:]
    ratios = "--ratios" in args
    runs = [parse(path) for path in args if path != "--ratios"]
    names = sorted({name for run in runs for name in run})
    print(f"{len(runs)} runs; median of the runs, [smallest, largest]\n")
    if not ratios:
        print("| benchmark | time | range |\n|---|---:|---:|")
        for name in names:
            values = [run[name] for run in runs if name in run]
            print(f"| {name} | {show(statistics.median(values))} | {show(min(values))} – {show(max(values))} |")
        return
    print("| group | op | n | glomer | crdts | crdts / glomer | range over runs |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in names:
        parts = name.split("/")
        if len(parts) != 4 or parts[2] != "glomer":
            continue
        group, op, _, n = parts
        baseline = f"{group}/{op.removesuffix('_quiet')}/crdts/{n}"
        pairs = [(run[name], run[baseline]) for run in runs if name in run and baseline in run]
        if not pairs:
            continue
        ours = statistics.median(p[0] for p in pairs)
        theirs = statistics.median(p[1] for p in pairs)
        factors = [t / o for o, t in pairs]
        spread = f"{min(factors):.2f}× – {max(factors):.2f}×"
        print(f"| {group} | {op} | {n} | {show(ours)} | {show(theirs)} | **{statistics.median(factors):.2f}×** | {spread} |")


if __name__ == "__main__":
    main()
