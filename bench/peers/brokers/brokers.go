// Package brokers measures workload W6, a broker end to end with 1 KiB
// persistent messages, on RocketStore's broker and on NATS JetStream.
//
// Each server runs as a separate process (rocketstore serve, nats-server),
// so that its CPU time per message is its own; the clients run in the
// benchmark's process and are driven by the same code (bench.RunBroker):
// 16 producers sending synchronously (each send waits for the broker's
// acknowledgement, whose latency is recorded), and one consumer receiving
// concurrently; a run ends when the consumer has received every message.
// Only the setup of each system (rocketstore.go, nats.go) differs.
//
// It lives in the bench/peers module so that NATS and the RocketMQ client's
// dependencies stay out of the library's go.mod.
package brokers

import "github.com/rocketstore/rocketstore/bench"

// Subjects returns the W6 subjects: RocketStore first, then the peer.
func Subjects() []bench.Subject {
	return []bench.Subject{
		{
			Name:   rocketstoreName,
			Config: rocketstoreConfig,
			Run:    func(env *bench.Env) (bench.Sample, error) { return bench.RunBroker(env, startRocketstore) },
		},
		{
			Name:   natsName,
			Peer:   true,
			Config: natsConfig,
			Run:    func(env *bench.Env) (bench.Sample, error) { return bench.RunBroker(env, startNATS) },
		},
	}
}
