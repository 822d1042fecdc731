#!/usr/bin/env bash
# Failover figures behind the "Failover" section of BENCHMARKS.md
# (bench/results/failover.md): the time from a master's SIGKILL to the first
# send the new master acknowledges, over 20 kills of the master alone and
# 20 of the master with the controller leader (three controller and three
# broker processes); and the send throughput and latency of a SYNC master
# that waits for its whole SyncStateSet against an ASYNC one, in one run.
#
# Usage: scripts/bench-failover.sh > out.txt
set -euo pipefail
cd "$(dirname "$0")/.."
for kill in master both; do
  echo "# ROCKETSTORE_FAILOVER_ROUNDS=20 ROCKETSTORE_FAILOVER_KILL=$kill go test -count=1 -run '^TestFailoverRoundsUnderSIGKILL\$' -v ./cmd/rocketstore"
  ROCKETSTORE_FAILOVER_ROUNDS=20 ROCKETSTORE_FAILOVER_KILL=$kill \
    go test -count=1 -run '^TestFailoverRoundsUnderSIGKILL$' -v ./cmd/rocketstore 2>&1 | grep 'failover_test\|^---\|^ok'
done
echo "# go test -run '^\$' -bench '^BenchmarkControllerModeSend\$' -benchtime 50000x -count 3 ./broker"
go test -run '^$' -bench '^BenchmarkControllerModeSend$' -benchtime 50000x -count 3 ./broker
