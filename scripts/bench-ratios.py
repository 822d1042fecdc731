#!/usr/bin/env python3
"""Medians and per-round ratios from scripts/bench-commitlog.sh and
scripts/bench-store.sh output.

Usage: scripts/bench-ratios.py out.txt

For every benchmark it prints the median of each metric over the rounds;
then, for each figure and the same-run reference it is judged against, the
ratio within each round and the median of those ratios: of msgs/s for
throughput (a fraction of the limit), of ns/op for times (how many times
the reference's time).
"""
import collections
import statistics
import sys

PAIRS = [
    ("Append/async/1KiB/w1", "LimitMemcpyMmap/1KiB", "msgs/s"),
    ("Append/async-prewarm/1KiB/w1", "LimitMemcpyMmap/1KiB", "msgs/s"),
    ("Append/pool/1KiB/w1", "LimitMemcpyMmap/1KiB", "msgs/s"),
    ("Append/sync/1KiB/w64", "LimitWriteFdatasync/64KiB", "msgs/s"),
    ("Append/sync-pool/1KiB/w64", "LimitWriteFdatasync/64KiB", "msgs/s"),
    ("EndToEnd/w1", "LimitMemcpyMmap/1KiB", "msgs/s"),
    ("EndToEnd/w16", "LimitMemcpyMmap/1KiB", "msgs/s"),
    ("DispatchLag", "LimitMemcpyMmap/1KiB", "msgs/s"),
    ("Recovery/normal", "Recovery/pagecache-read", "ns/op"),
    ("Recovery/abnormal", "Recovery/pagecache-read", "ns/op"),
    ("KeyQuery/uncached", "KeyQuery/cached-hit", "ns/op"),
    ("SendByRole/SYNC_MASTER", "SendByRole/ASYNC_MASTER", "p99-us"),
    ("SendByRole/SYNC_MASTER", "SendByRole/ASYNC_MASTER", "msgs/s"),
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
    for a, b, metric in PAIRS:
        if a not in runs or b not in runs:
            continue
        ratios = [x / y for x, y in zip(runs[a][metric], runs[b][metric])]
        print(f"{a} / {b} ({metric}): per round {[round(r, 2) for r in ratios]}, median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
