#!/usr/bin/env bash
# Runs the commit-log benchmarks behind bench/PACKAGES.md: append in every mode
# beside the same-run machine limits, and reads.
#
# The machine is shared: its disk has slow spells that slow every benchmark,
# the limits included. So the runs are interleaved: each round runs every
# benchmark once, and `benchstat` over all rounds gives medians in which each
# benchmark met the same spells as the limit it is compared with.
#
# Each record size runs a fixed volume (about 1 GiB) rather than a fixed
# time, so that a run fits in the page cache's dirty limits and measures the
# log, not disk writeback.
#
# Every process runs BenchmarkWarmup first (see its comment); ignore its line.
#
# Usage: scripts/bench-commitlog.sh [rounds] > out.txt   (default 5 rounds)
#        go run golang.org/x/perf/cmd/benchstat@latest out.txt
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
run() { go test -run '^$' -count 1 "$@" ./commitlog; }

for round in $(seq "$rounds"); do
  echo "# round $round" >&2
  # Async, async with prewarm, and transient-pool appends beside the memcpy-into-mmap limit.
  run -bench 'Warmup|Append/^(async|async-prewarm|pool)$/^128B$/|LimitMemcpyMmap/^128B$' -benchtime 4000000x
  run -bench 'Warmup|Append/^(async|async-prewarm|pool)$/^1KiB$/|LimitMemcpyMmap/^1KiB$' -benchtime 1000000x
  run -bench 'Warmup|Append/^(async|async-prewarm|pool)$/^4KiB$/|LimitMemcpyMmap/^4KiB$' -benchtime 250000x
  # Sync (group commit) appends beside write+fdatasync loops.
  run -bench 'Append/^(sync|sync-pool)$/|LimitWriteFdatasync' -benchtime 3s
  # Reads.
  run -bench '^BenchmarkRead$' -benchtime 2000000x
done
