// Package peers puts other Go write-ahead logs and storage engines beside
// rocketstore's commit log, behind the suite's bench.Log interface, so that
// the same workloads measure each of them on the same machine and disk.
//
// It is a module of its own (see README.md) so that the engines it compares
// with stay out of the library's go.mod.
//
// Every adapter stores the record it is given as an opaque value and adds
// its engine's own framing (rocketstore wraps it as the body of a RocketMQ
// message; the others add a chunk or entry header, pebble a key and a WAL
// batch header); figures count only the caller's record bytes.
package peers

import "github.com/rocketstore/rocketstore/bench"

// Engines lists rocketstore's commit log first, then every peer adapter.
func Engines() []bench.Engine {
	return []bench.Engine{
		bench.RocketstoreEngine(),
		TidwallEngine(),
		RosedbEngine(),
		PebbleEngine(),
		RaftWALEngine(),
		EtcdWALEngine(),
	}
}
