#!/usr/bin/env bash
# Runs the message-store benchmarks: put→dispatch→pull end to end, dispatch
# lag under load, key queries, and recovery beside a same-run read of the
# same commit-log bytes from the page cache (the physical reference).
#
# As in scripts/bench-commitlog.sh, the runs are interleaved because the
# machine is shared and its disk has slow spells: each round runs every
# benchmark once, in fresh processes, and `benchstat` over all rounds gives
# medians in which each benchmark met the same spells as its reference
# (recovery and pagecache-read share a process and a fixture).
#
# Every benchmark runs a fixed count rather than a fixed time: 200,000 and
# 1,000,000 1 KiB messages stay within one 1 GiB commit-log file or roll once,
# and within the page cache's dirty limits. KeyQuery and Recovery build their
# fixture once per process (a round), before any timing:
#   ROCKETSTORE_BENCH_KEYS            keyed messages for KeyQuery (default 2000000)
#   ROCKETSTORE_BENCH_RECOVERY_BYTES  commit-log bytes for Recovery (default 1073741824)
#
# Usage: scripts/bench-store.sh [rounds] > out.txt   (default 5 rounds)
#        scripts/bench-ratios.py out.txt   (medians, and per-round ratios to the references)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
run() { go test -run '^$' -count 1 -timeout 60m "$@" ./store; }

for round in $(seq "$rounds"); do
  echo "# round $round" >&2
  # The same-run reference for the put rates: memcpy of 1 KiB records into a mapped file.
  go test -run '^$' -count 1 -bench 'Warmup|LimitMemcpyMmap/^1KiB$' -benchtime 1000000x ./commitlog
  # 1 and 16 producers, one long-polling consumer per queue.
  run -bench '^BenchmarkEndToEnd$' -benchtime 200000x
  # 8 producers; lag sampled every millisecond (about a thousand samples or more).
  run -bench '^BenchmarkDispatchLag$' -benchtime 1000000x
  # Key queries: uncached random keys, and a 1000-key working set from the cache.
  run -bench '^BenchmarkKeyQuery$' -benchtime 200000x
  # Opens after a clean close and after a crash, and the page-cache read of the same bytes.
  run -bench '^BenchmarkRecovery$' -benchtime 5x
done
