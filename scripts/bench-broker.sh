#!/usr/bin/env bash
# End-to-end broker benchmark behind bench/PACKAGES.md: rocketmq-client-go v2.1.2
# producers (sync send, 16 concurrent senders, 1 KiB messages) against
# `rocketstore serve`, then a push consumer reading them all back.
#
# Both the server and the client driver (compat/internal/driver) are built
# first, without the race detector. Each round starts a fresh server twice,
# in a temporary data directory, on ports 19876/20911 so as not to collide
# with a running broker: on its embedded defaults (async flush, 1 GiB
# commit-log files), and with warmMapedFileEnable=true (commit-log files
# prewarmed before use).
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
printf 'warmMapedFileEnable=true\n' > "$bin/prewarm.conf"
ns=127.0.0.1:19876

for round in $(seq "$rounds"); do
  for config in default prewarm; do
    echo "# round $round $config" >&2
    data=$(mktemp -d)
    args=(serve -data "$data" -namesrv-listen "$ns" -listen 127.0.0.1:20911)
    [ "$config" = prewarm ] && args+=(-config "$bin/prewarm.conf")
    "$bin/rocketstore" "${args[@]}" > "$data.log" 2>&1 &
    pid=$!
    # Ready once it says so (a prewarmed first file takes a few seconds),
    # plus a moment for the broker's first registration.
    for _ in $(seq 600); do grep -q "nameserver on" "$data.log" && break; sleep 0.1; done
    sleep 1
    cpu() { awk '{printf "%.2f", ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$pid/stat"; }
    before=$(cpu)
    echo "CONFIG $config"
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
done
