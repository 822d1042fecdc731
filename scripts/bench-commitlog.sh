#!/usr/bin/env bash
# Runs the commit-log benchmarks behind BENCHMARKS.md: append in every mode
# beside the same-run machine limits. Each record size runs a fixed volume
# (about 1 GiB) rather than a fixed time, so that every run fits in the page
# cache's dirty limits and measures the log, not disk writeback.
# Usage: scripts/bench-commitlog.sh [count]   (default count 5; output on stdout)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-5}
pkg=./commitlog
run() { go test -run '^$' -count "$count" "$@" "$pkg"; }

# Async and transient-pool appends beside the memcpy-into-mmap limit.
run -bench 'Append/^(async|async-prewarm|pool)$/^128B$/|LimitMemcpyMmap/^128B$'  -benchtime 4000000x
run -bench 'Append/^(async|async-prewarm|pool)$/^1KiB$/|LimitMemcpyMmap/^1KiB$'  -benchtime 1000000x
run -bench 'Append/^(async|async-prewarm|pool)$/^4KiB$/|LimitMemcpyMmap/^4KiB$'  -benchtime 250000x
# Sync (group commit) appends beside write+fdatasync loops.
run -bench 'Append/^sync$/|LimitWriteFdatasync' -benchtime 3s
# Reads.
run -bench '^BenchmarkRead$' -benchtime 2000000x
