#!/usr/bin/env bash
# Regenerates BENCHMARKS.md, its charts (bench/results/charts/) and the raw
# results (bench/results/report.json): the benchmark suite with every peer,
# run from the bench/peers module. Extra flags go to the suite, e.g.
#   scripts/benchmarks.sh -reps 5          # more repetitions
#   scripts/benchmarks.sh -profile /tmp/p  # CPU and heap profiles, summarised in the report
#   scripts/benchmarks.sh -render ../results/report.json  # no run: the report of the last run, its
#                                          # targets judged as the suite now defines them
# The data files go to the system's temporary directory (-dir to change it)
# and are removed as each run ends.
set -euo pipefail
cd "$(dirname "$0")/../bench/peers"
# The disk-use section comes from scripts/du-topics.sh, which measures
# something else than the suite: it is kept across regenerations.
du_section=""
if [[ -f ../results/du-topics.md ]]; then
  du_section=$'\n\n'"$(cat ../results/du-topics.md)"
fi
# So is the failover section, from scripts/bench-failover.sh.
if [[ -f ../results/failover.md ]]; then
  du_section+=$'\n\n'"$(cat ../results/failover.md)"
fi
# And the broker features' costs, from scripts/bench-features.sh.
if [[ -f ../results/features.md ]]; then
  du_section+=$'\n\n'"$(cat ../results/features.md)"
fi
export GOWORK=off # a module of its own, outside the root go.work
go run ./cmd/benchsuite \
  -command "scripts/benchmarks.sh${*:+ $*}" \
  -md ../../BENCHMARKS.md \
  -charts ../../bench/results/charts \
  -json ../../bench/results/report.json \
  -footer "Per-package figures from \`go test -bench\`, with the scripts that produced them: [bench/PACKAGES.md](bench/PACKAGES.md).${du_section}" \
  "$@"
