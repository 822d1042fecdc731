#!/usr/bin/env bash
# Replication benchmarks behind bench/PACKAGES.md: master-to-slave throughput of
# 1 KiB records over loopback (ha), and the send latency of a SYNC_MASTER
# beside an ASYNC_MASTER, both with a slave, 16 concurrent senders (broker),
# in the same round. Rounds are interleaved as in the other scripts.
#
# Usage: scripts/bench-replication.sh [rounds] > out.txt   (default 5 rounds)
#        scripts/bench-ratios.py out.txt
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
for round in $(seq "$rounds"); do
  echo "# round $round" >&2
  go test -run '^$' -count 1 -bench '^BenchmarkReplication$' -benchtime 300000x ./ha
  go test -run '^$' -count 1 -bench '^BenchmarkSendByRole$' -benchtime 50000x ./broker
done
