// Command benchsuite runs rocketstore's benchmark suite with every peer:
// the log engines of package peers on W1–W4 (and, as unable, on W5 and W7)
// and NATS JetStream beside rocketstore's broker on W6, with the machine's
// limits measured in the same run.
//
//	go run ./cmd/benchsuite -md ../../BENCHMARKS.md -charts ../../bench/results/charts -json ../../bench/results/report.json
//
// scripts/benchmarks.sh at the repository root runs exactly that. Flags are
// those of `rocketstore bench` (-smoke, -reps, -only, -profile, ...).
package main

import (
	"os"

	"github.com/rocketstore/rocketstore/bench"
	"github.com/rocketstore/rocketstore/bench/peers"
	"github.com/rocketstore/rocketstore/bench/peers/brokers"
)

func main() {
	// A child process of the suite (W4's killed writer) does its part and
	// never returns.
	bench.RunChild(peers.Engines())
	os.Exit(bench.Main(os.Args[1:], os.Stdout, os.Stderr, peers.Engines(), brokers.Subjects()))
}
