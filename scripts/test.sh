#!/usr/bin/env bash
# The whole test suite with the race detector: the library's packages, the
# compatibility tests, which drive the broker with the real RocketMQ Go
# client from compat/, and the web console's browser test (console/e2e,
# Debian's chromium: `apt-get install -y chromium`). Both are modules of
# their own (so the library's go.mod stays lean); the root go.work lists
# them, and `./...` alone stops at a module's boundary, so each pattern is
# named. Extra arguments go
# to go test, e.g. scripts/test.sh -count=1 -run Transaction.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go test -race "$@" ./... ./compat/... ./console/e2e/...
