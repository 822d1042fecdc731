package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/bench/report"
	"github.com/rocketstore/rocketstore/remoting"
)

// The shape of W8: the same producers, consumers and messages over one
// topic and over a thousand, each of eight queues.
const (
	w8Queues      = 8
	w8Topics      = 1000
	w8SmokeTopics = 10
	w8Full        = 100000 // timed messages of a full run (scaled by Env.Count)
	w8Group       = "w8-group"
	w8PullBatch   = 32
	// w8QueuesPerConn keeps each consumer connection's suspended pulls
	// under the broker's limit per connection (1,024 by default): a
	// thousand topics are consumed over eight connections, as a group of
	// several consumer instances would.
	w8QueuesPerConn = 1000
	// w8Suspend is how long a pull waits for messages: a queue that
	// receives one message in thousands is mostly waiting.
	w8Suspend = 5 * time.Second
	// w8WarmTimeout bounds the warm-up, in which the broker's dispatcher
	// creates a consume-queue file (and syncs its directory) for every
	// queue: 8,000 of them take tens of seconds on a busy disk.
	w8WarmTimeout = 5 * time.Minute
)

// Extra figures of W8's samples.
const (
	extraTopics     = "topics"
	extraPeakRSS    = "broker peak RSS MB"
	extraCPUPerMsg  = "broker CPU µs/msg"
	extraCommitLog  = "commit log MB"
	extraQueueFiles = "consume queues + index MB"
	extraSendRate   = "send msgs/s"
	extraWarmUp     = "warm-up s"
)

// w8SubjectNames are W8's two cases, as subjects of one table so that the
// target compares them within a run.
const (
	w8OneTopic    = "rocketstore, 1 topic"
	w8ManyTopics  = "rocketstore, 1,000 topics"
	w8ConfigShape = "`rocketstore serve` as a child process, store defaults (async flush); rocketstore's remoting client: " +
		"16 goroutines sending SEND_MESSAGE_V2 round-robin over every queue on one connection, one long-polling puller " +
		"(32 per pull) per queue, one consumer group"
)

func w8() Workload {
	return Workload{
		ID:    "W8",
		Title: "Many topics: 1 topic against 1,000 topics of 8 queues",
		About: "rocketstore's broker (`rocketstore serve`) runs as a process of its own, driven by rocketstore's remoting client: " +
			"16 producers send 1 KiB messages synchronously, round-robin over every queue of every topic, while one consumer group " +
			"long-polls every queue (8,000 pullers for 1,000 topics); the clock runs from the first timed send until every message " +
			"is consumed. Topics are created up front with UPDATE_AND_CREATE_TOPIC, and a warm-up of one message per queue of " +
			"the 1,000 topics (the same count in both cases) creates their files, so neither is timed. " +
			"Peak RSS is the broker's VmHWM at the end of the run; disk use is du of its store after it stopped " +
			"(consume-queue and index files are sparse). The warm-up's time is given too: for 1,000 topics it is mostly the broker " +
			"creating 8,000 consume-queue files, each made durable (its directory synced). The target line gives the broker's memory growth per topic, " +
			"(RSS₁₀₀₀ − RSS₁) / 999, from the median peaks. Latency is one synchronous send.",
		Cases: []Case{{
			Name: "1KiB",
			Params: []report.Param{{Name: "body", Value: "1KiB"}, {Name: "producers", Value: "16"}, {Name: "queues per topic", Value: "8"},
				{Name: "messages", Value: "100k"}, {Name: "smoke", Value: fmt.Sprintf("%d topics for 1,000", w8SmokeTopics)}},
			Unit:       "msgs/s",
			RecordSize: BrokerBodySize,
			Latency:    true,
			Target:     &Target{Text: "1,000 topics ≥ 0.8× the throughput of 1 topic", Check: checkW8},
			Subjects: []Subject{
				{Name: w8OneTopic, Config: w8ConfigShape + "; 1 topic of 8 queues",
					Run: func(env *Env) (Sample, error) { return runManyTopics(env, 1) }},
				{Name: w8ManyTopics, Config: w8ConfigShape + "; 1,000 topics of 8 queues, over 8 consumer connections",
					Run: func(env *Env) (Sample, error) { return runManyTopics(env, w8TopicCount(env, w8Topics)) }},
			},
		}},
	}
}

// w8TopicCount is the number of topics a case of n topics has in this run.
func w8TopicCount(env *Env, n int) int {
	if env.Smoke && n > 1 {
		return w8SmokeTopics
	}
	return n
}

// runManyTopics measures W8 with the given number of topics.
func runManyTopics(env *Env, topics int) (_ Sample, err error) {
	n := env.Count(w8Full, BrokerSmokeCount)
	// The warm-up puts one message in every queue of the larger case, in
	// both cases, so that they differ only in where the messages go.
	warm := w8Queues * w8TopicCount(env, w8Topics)
	b, err := startScaleBroker(env, nil)
	if err != nil {
		return Sample{}, err
	}
	defer func() {
		if b.proc != nil {
			err = errors.Join(err, b.stop())
		}
	}()
	names := topicNames("W8", topics)
	if err := b.createTopics(names, w8Queues); err != nil {
		return Sample{}, err
	}
	queues := allQueues(names, w8Queues)
	tr := newBrokerTracker(warm, n)
	refused := &pullRefusals{}
	stopConsumers := startConsumers(b.addr, queues, tr.deliver, refused)
	consumersStopped := false
	defer func() {
		if !consumersStopped {
			stopConsumers()
		}
	}()
	producer := newScaleClient()
	defer producer.Close()
	var next atomic.Uint64
	send := func(ctx context.Context, body []byte) error {
		q := queues[(next.Add(1)-1)%uint64(len(queues))]
		return retryBusy(ctx, func() error { return sendOne(ctx, producer, b.addr, q, body, "") })
	}

	ctx := context.Background()
	warmStart := time.Now()
	if _, err := produceMessages(ctx, send, 0, warm, nil); err != nil {
		return Sample{}, b.explain(fmt.Errorf("warm-up: %w", err), refused)
	}
	if err := waitTracker(tr, 0, w8WarmTimeout); err != nil {
		return Sample{}, b.explain(fmt.Errorf("warm-up: %w", err), refused)
	}
	warmTime := time.Since(warmStart)
	cpu0, err := b.proc.CPUTime()
	if err != nil {
		return Sample{}, err
	}
	env.StartTimer()
	sendTime, err := produceMessages(ctx, send, warm, n, env.RecordLatency)
	if err == nil {
		err = tr.wait(1)
	}
	env.StopTimer()
	if err != nil {
		return Sample{}, b.explain(err, refused)
	}
	if bad := tr.bad.Load(); bad > 0 {
		return Sample{}, fmt.Errorf("the consumers received %d messages that were not sent", bad)
	}
	cpu1, err := b.proc.CPUTime()
	if err != nil {
		return Sample{}, err
	}
	peak, err := b.peakRSS()
	if err != nil {
		return Sample{}, err
	}
	stopConsumers()
	consumersStopped = true
	if err := b.stop(); err != nil {
		return Sample{}, err
	}
	use, err := measureStoreDiskUse(b.storeDir())
	if err != nil {
		return Sample{}, err
	}
	return Sample{
		Ops:   int64(n),
		Bytes: int64(n) * BrokerBodySize,
		Extra: map[string]float64{
			extraTopics:     float64(topics),
			extraWarmUp:     warmTime.Seconds(),
			extraSendRate:   float64(n) / sendTime.Seconds(),
			extraPeakRSS:    float64(peak) / 1e6,
			extraCPUPerMsg:  float64((cpu1 - cpu0).Microseconds()) / float64(n),
			extraCommitLog:  float64(use.commitLog) / 1e6,
			extraQueueFiles: float64(use.queues) / 1e6,
		},
	}, nil
}

// startConsumers starts one long-polling puller per queue, from offset 0
// (the topics are new), over as many connections as keep each under the
// broker's limit of suspended pulls. The function returned stops them and
// closes their connections.
func startConsumers(addr string, queues []scaleQueue, deliver func([]byte), refused *pullRefusals) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var pullers sync.WaitGroup
	var clients []*remoting.Client
	for i, q := range queues {
		if i%w8QueuesPerConn == 0 {
			clients = append(clients, newScaleClient())
		}
		p := &scalePull{client: clients[len(clients)-1], addr: addr, group: w8Group, batch: w8PullBatch,
			suspend: w8Suspend, deliver: deliver, refused: refused}
		pullers.Go(func() { p.run(ctx, q, 0) })
	}
	return func() {
		cancel()
		pullers.Wait()
		for _, c := range clients {
			c.Close()
		}
	}
}

// waitTracker waits for goal i of tr (0: warm-up, 1: the whole run) for
// at most timeout.
func waitTracker(tr *brokerTracker, i int, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-tr.reached[i]:
		return nil
	case <-timer.C:
		return fmt.Errorf("the consumers received %d of %d messages sent; gave up waiting after %v",
			tr.distinct.Load(), tr.goals[i], timeout)
	}
}
