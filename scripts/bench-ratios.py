#!/usr/bin/env python3
"""Medians and per-round ratios from scripts/bench-commitlog.sh output.

Usage: scripts/bench-ratios.py out.txt

For every benchmark it prints the median of each metric over the rounds;
then, for each append figure and the same-run limit it is judged against,
the ratio of msgs/s within each round and the median of those ratios.
"""
import collections
import statistics
import sys

PAIRS = [
    ("Append/async/1KiB/w1", "LimitMemcpyMmap/1KiB"),
    ("Append/async-prewarm/1KiB/w1", "LimitMemcpyMmap/1KiB"),
    ("Append/pool/1KiB/w1", "LimitMemcpyMmap/1KiB"),
    ("Append/sync/1KiB/w64", "LimitWriteFdatasync/64KiB"),
    ("Append/sync-pool/1KiB/w64", "LimitWriteFdatasync/64KiB"),
]


def load(path):
    runs = collections.defaultdict(lambda: collections.defaultdict(list))
    for line in open(path):
        if not line.startswith("Benchmark"):
            continue
        fields = line.split()
        name = fields[0][len("Benchmark"):].rsplit("-", 1)[0]
        values = fields[2:]
        for i in range(0, len(values) - 1, 2):
            try:
                runs[name][values[i + 1]].append(float(values[i]))
            except ValueError:
                pass
    return runs


def main():
    runs = load(sys.argv[1])
    for name, metrics in runs.items():
        cells = " ".join(f"{unit}={statistics.median(v):.6g}" for unit, v in metrics.items())
        print(f"{name:36s} rounds={len(metrics['ns/op'])} {cells}")
    print()
    for a, b in PAIRS:
        if a not in runs or b not in runs:
            continue
        ratios = [x / y for x, y in zip(runs[a]["msgs/s"], runs[b]["msgs/s"])]
        print(f"{a} / {b}: per round {[round(r, 2) for r in ratios]}, median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
