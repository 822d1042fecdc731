package bench

import "github.com/rocketstore/rocketstore/bench/report"

func w6(brokers []Subject) Workload {
	w := Workload{
		ID:    "W6",
		Title: "Broker end to end, 1 KiB persistent messages",
		About: "16 producers send 1 KiB messages synchronously (each waits for the broker's acknowledgement) while one " +
			"consumer group reads them; the clock runs from the first send until the consumer has received every message. " +
			"Every server runs as a separate process, the clients in the benchmark's: rocketstore's nameserver and broker " +
			"(`rocketstore serve`) are driven by the real RocketMQ Go client (rocketmq-client-go v2); the peer is nats-server " +
			"with JetStream file storage, driven by its own Go client. A third row drives the same server with rocketstore's " +
			"own remoting client, which costs the shared CPU less. Server CPU is the server process's CPU time over the timed " +
			"window per message (user + system, from /proc, 10 ms ticks); client CPU is the benchmark process's own " +
			"(getrusage), producers and consumer together; server peak RSS is its high-water mark at the end of the run; server I/O calls are its read and write " +
			"system calls per message (/proc io), which show how finely the clients' frames reach it. " +
			"Latency is one synchronous send.",
	}
	c := Case{
		Name:       "1KiB",
		Params:     []report.Param{{Name: "body", Value: "1KiB"}, {Name: "producers", Value: "16"}, {Name: "consumers", Value: "1"}, {Name: "messages", Value: "200k"}},
		Unit:       "msgs/s",
		RecordSize: 1 << 10,
		Latency:    true,
		Target:     &Target{Text: "rocketstore's broker CPU per message ≤ nats-server's", Check: checkW6},
		Subjects:   brokers,
	}
	if len(brokers) == 0 {
		c.Subjects = []Subject{{Name: "rocketstore", Unsupported: "rocketmq-client-go and NATS live in the bench/peers module: " +
			"run the suite there (cd bench/peers && go run ./cmd/benchsuite)"}}
	}
	// The same broker with rocketstore's own client, last: the target is
	// judged on the first rocketstore row, the one with the RocketMQ client.
	c.Subjects = append(c.Subjects, OwnClientSubject())
	w.Cases = append(w.Cases, c)
	return w
}

// Workloads lists W1–W9 over the given log engines (rocketstore's first)
// and broker subjects (W6; none makes W6 say where to run it).
func Workloads(engines []Engine, brokers []Subject) []Workload {
	return []Workload{w1(engines), w2(engines), w3(engines), w4(engines), w5(engines), w6(brokers), w7(engines), w8(), w9()}
}
