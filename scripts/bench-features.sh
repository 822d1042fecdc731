#!/usr/bin/env bash
# Costs of the broker's features behind the "Broker features" section of
# BENCHMARKS.md (bench/results/features.md), from the `go test -bench`
# benchmarks that measure them, each in the same run as its reference:
#   - transactional send (half message + commit) against plain sync send;
#   - timer messages: lateness of 100,000 timers due over 60 s, and the memory
#     held for 1,000,000 pending timers (its own process, for the RSS);
#   - pull bytes per delivered message for a 1-in-10 tag filter: client-side,
#     server-side tag, SQL92;
#   - broker throughput with metrics on and off, and the instruments' cost
#     per send;
#   - the overload test (fast failure on and off) and its figures;
#   - broker throughput with ACL on and off, and the signature check's cost;
#   - memory under 1,000 non-reading clients (broker and remoting), and the
#     CPU of 1,000 idle slaves.
# About 7 minutes on the 2 shared cores at a load average near 20, 2 of them
# compiling (the broker's non-reading clients may wait up to its 120 s idle
# timeout: 10 minutes at most).
#
# Each package's test binary is built once (`go test -c`) and run from the
# package's directory, so that the broker's and the store's log lines
# (slog, on stderr) go to a file and stay out of the benchmark lines; each
# block prints the equivalent `go test` command first, `uptime` after. A
# failing block prints FAIL, its exit status and the end of its stderr.
#
# Usage: scripts/bench-features.sh > bench/results/features-$(date +%F).txt
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$(mktemp -d "${TMPDIR:-/tmp}/rocketstore-features-XXXXXX")
trap 'rm -rf "$bin"' EXIT
failed=0

# build NAME PKG [go test flags]: the test binary of PKG as $bin/NAME.
build() {
  local name=$1 pkg=$2
  shift 2
  if ! go test -c "$@" -o "$bin/$name" "./$pkg" 2>"$bin/$name.build"; then
    echo "FAIL: go test -c $* ./$pkg"
    cat "$bin/$name.build"
    failed=1
  fi
}

# run NAME PKG FILTER GOFLAGS...: prints the go test command, then runs
# $bin/NAME with those flags (as -test.*) in PKG's directory; stdout goes
# through FILTER (an extended grep pattern), stderr to a file.
run() {
  local name=$1 pkg=$2 filter=$3
  shift 3
  local args=() a
  for a in "$@"; do
    if [[ $a == -race ]]; then
      continue # a build flag: the binary was built with it
    elif [[ $a == -* ]]; then args+=("-test.${a#-}"); else args+=("$a"); fi
  done
  local shown=""
  for a in "$@"; do
    if [[ $a =~ [^-A-Za-z0-9_.=] ]]; then shown+=" '$a'"; else shown+=" $a"; fi
  done
  echo "# go test${shown} ./$pkg"
  local start=$SECONDS
  if [[ ! -x $bin/$name ]]; then
    echo "FAIL: no test binary for ./$pkg (see the build error above)"
    failed=1
    return
  fi
  (cd "$root/$pkg" && "$bin/$name" "${args[@]}" 2>"$bin/stderr") | grep -E --line-buffered "$filter"
  local rc=${PIPESTATUS[0]}
  local logs
  logs=$(wc -l <"$bin/stderr")
  if ((rc != 0)); then
    echo "FAIL: exit status $rc; the last lines of its stderr ($logs lines):"
    tail -n 30 "$bin/stderr" | sed 's/^/  stderr: /'
    failed=1
  fi
  echo "# $((SECONDS - start)) s; $logs log lines on stderr, not shown"
  uptime
}

# What a benchmark block keeps: the header, the figures, the verdict.
bench='^(goos|goarch|pkg|cpu|Benchmark|PASS|FAIL|--- |    )'

uptime
build broker.test broker
build broker-race.test broker -race
build timer.test timer
build acl.test acl
build remoting.test remoting
build ha.test ha
echo "# test binaries built in $SECONDS s"
uptime

echo
run broker.test broker "$bench" -run '^$' -bench '^BenchmarkTransactionalSend$' -benchtime 5000x -count 5
echo
run timer.test timer "$bench" -run '^$' -bench '^BenchmarkTimerLateness$' -benchtime 1x
echo
echo "# its own process, so that the RSS it reports is the timers' alone"
run timer.test timer "$bench" -run '^$' -bench '^BenchmarkMillionPendingTimers$' -benchtime 1x
echo
run broker.test broker "$bench" -run '^$' -bench '^BenchmarkPullFilteredQueue$' -benchtime 20x
echo
run broker.test broker "$bench" -run '^$' -bench '^BenchmarkSendMetricsInterleaved$' -benchtime 5s -count 3
echo
run broker.test broker "$bench" -run '^$' -bench '^BenchmarkMetricsPerSend$' -count 3
echo
run broker-race.test broker '^(=== RUN|--- |    flowcontrol_test|PASS|FAIL|ok)' \
  -race -run '^TestOverloadedSendsAreRefusedAndNeverStoredLate$' -v -count=1
echo
run broker.test broker "$bench" -run '^$' -bench '^BenchmarkSendWithACL$' -benchtime 60000x -count 3
echo
run acl.test acl "$bench" -run '^$' -bench '^BenchmarkCheck$' -count 3
echo
run broker.test broker "$bench" -run '^$' -bench '^BenchmarkNonReadingClients$' -benchtime 1x
echo
run remoting.test remoting "$bench" -run '^$' -bench '^BenchmarkNonReadingClients$' -benchtime 1x
echo
run ha.test ha "$bench" -run '^$' -bench '^BenchmarkIdleSlaves$' -benchtime 1x
echo "# all blocks: $SECONDS s"
exit "$failed"
