#!/usr/bin/env bash
# End-to-end broker benchmark behind BENCHMARKS.md: rocketmq-client-go v2.1.2
# producers (sync send, 16 concurrent senders, 1 KiB messages) against
# `rocketstore serve`, then a push consumer reading them all back.
#
# Both the server and the client driver (compat/internal/driver) are built
# first, without the race detector; the server runs on its embedded defaults
# (async flush, 1 GiB commit-log files) in a temporary data directory, on
# ports 19876/20911 so as not to collide with a running broker. Each round
# starts a fresh server.
#
# Usage: scripts/bench-broker.sh [rounds] [messages] > out.txt   (default 3 rounds of 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
n=${2:-200000}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/rocketstore" ./cmd/rocketstore
go build -o "$bin/driver" ./compat/internal/driver
ns=127.0.0.1:19876

for round in $(seq "$rounds"); do
  echo "# round $round" >&2
  data=$(mktemp -d)
  "$bin/rocketstore" serve -data "$data" -namesrv-listen "$ns" -listen 127.0.0.1:20911 > "$data.log" 2>&1 &
  pid=$!
  sleep 1
  cpu() { awk '{printf "%.2f", ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$pid/stat"; }
  before=$(cpu)
  "$bin/driver" bench-send -ns "$ns" -topic Bench -n "$n" -c 16 -size 1024
  after_send=$(cpu)
  "$bin/driver" bench-consume -ns "$ns" -topic Bench -n "$n"
  after_consume=$(cpu)
  # How much CPU the server itself used: the client and the server share the machine's cores.
  echo "SERVER-CPU send-seconds=$(echo "$after_send - $before" | bc) consume-seconds=$(echo "$after_consume - $after_send" | bc)"
  kill -INT "$pid"
  wait "$pid" || true
  rm -rf "$data" "$data.log"
done
