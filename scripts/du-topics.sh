#!/usr/bin/env bash
# Measures the disk use of a store of many quiet queues: 1,000 topics x 8
# queues with one message each, RocketMQ's default file sizes. Writes the
# "Disk use of many queues" section (bench/results/du-topics.md, which
# scripts/benchmarks.sh appends to BENCHMARKS.md), and cross-checks the
# figure with du. Extra flags go to `rocketstore bench-du`, e.g.
#   scripts/du-topics.sh -topics 5000
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/rocketstore-du-XXXXXX")
trap 'rm -rf "$dir"' EXIT
go run ./cmd/rocketstore bench-du -dir "$dir/store" -keep -md bench/results/du-topics.md "$@"
echo "du (1 MB = 10^6 bytes):"
du -s --block-size=1000000 "$dir/store/consumequeue" "$dir/store/index"
du -s -c --block-size=1000000 "$dir/store/consumequeue" "$dir/store/index" | tail -1
