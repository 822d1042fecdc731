#!/usr/bin/env bash
# The whole test suite with the race detector: the library's packages and
# the compatibility tests, which drive the broker with the real RocketMQ Go
# client from compat/, a module of its own (so the library's go.mod stays
# lean). The root go.work lists both modules; `./...` alone stops at the
# compat module's boundary, so both patterns are named. Extra arguments go
# to go test, e.g. scripts/test.sh -count=1 -run Transaction.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go test -race "$@" ./... ./compat/...
