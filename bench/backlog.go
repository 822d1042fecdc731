package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/bench/report"
)

// The shape of W9: a backlog written untimed, the page cache dropped, then
// one consumer group reading it from offset 0 while producers keep sending
// at a steady rate.
const (
	w9Full          = 20_000_000 // backlog messages of a full run (scaled by Env.Count)
	w9Smoke         = 20_000
	w9Topic         = "W9"
	w9Group         = "w9-group"
	w9Queues        = 8
	w9FillBatch     = 256 // messages per SEND_BATCH_MESSAGE while filling
	w9FillSenders   = 4
	w9Rate          = 2000 // messages a second of the steady producers
	w9Producers     = 4
	w9Baseline      = 10 * time.Second // the steady producers alone, before the catch-up
	w9SmokeBaseline = 300 * time.Millisecond
	w9PullBatch     = 32
	w9Suspend       = time.Second
	// w9CatchUpLimit fails a catch-up that has not reached the head by
	// then; it also sizes the tracker of the steady producers' messages.
	w9CatchUpLimit = 10 * time.Minute
)

// Extra figures of W9's sample.
const (
	extraBacklog      = "backlog msgs"
	extraFillMBps     = "fill MB/s (untimed)"
	extraCached       = "commit log cached % at start"
	extraP99Before    = "p99 send ms, producers alone"
	extraP99During    = "p99 send ms, during catch-up"
	extraRestart      = "broker restart s"
	extraProducerRate = "producers msgs/s"
)

func w9() Workload {
	return Workload{
		ID:    "W9",
		Title: "Backlog catch-up: 20 M messages of 1 KiB read from disk while producers keep sending",
		About: "20 M messages of 1 KiB are written untimed to one topic of 8 queues of rocketstore's broker (`rocketstore serve`, " +
			"a process of its own; SEND_BATCH_MESSAGE of 256 from 4 senders; every message has a UNIQ_KEY, as RocketMQ producers set). The broker is stopped, the page cache dropped " +
			"(sync, then /proc/sys/vm/drop_caches as root, else posix_fadvise DONTNEED on the store's files) and the broker " +
			"started again; its recovery reads the last commit-log files back, and the share of the commit log's pages cached " +
			"after the restart (mincore) is reported. 4 producers then send 1 KiB messages " +
			"synchronously at a steady 2,000 msgs/s: alone for 10 s, then while one new consumer group reads every queue from " +
			"offset 0 (one long-polling puller per queue, 32 per pull). The rate is the catch-up: messages consumed from the " +
			"consumer's start until it has every message acknowledged so far (the head). The latency columns are the " +
			"producers' sends during the catch-up; the extra columns give their p99 alone, in the same run. " +
			"One repetition: at full size the fill alone writes 21 GB.",
		Cases: []Case{{
			Name: "20M-1KiB",
			Params: []report.Param{{Name: "backlog", Value: "20M × 1KiB"}, {Name: "queues", Value: "8"},
				{Name: "producers", Value: "4 at 2,000 msgs/s"}, {Name: "smoke", Value: "20k"}},
			Unit:       "msgs/s",
			RecordSize: BrokerBodySize,
			Latency:    true,
			MaxReps:    1,
			Subjects: []Subject{{
				Name: "rocketstore",
				Config: "`rocketstore serve` as a child process, store defaults (async flush, 1 GiB commit-log files); " +
					"rocketstore's remoting client (binary headers)",
				Run: runBacklog,
			}},
		}},
	}
}

// runBacklog measures W9.
func runBacklog(env *Env) (_ Sample, err error) {
	backlog := env.Count(w9Full, w9Smoke)
	baseline := env.Duration(w9Baseline, w9SmokeBaseline)
	b, err := startScaleBroker(env, nil)
	if err != nil {
		return Sample{}, err
	}
	defer func() { err = errors.Join(err, b.stop()) }()
	if err := b.createTopics([]string{w9Topic}, w9Queues); err != nil {
		return Sample{}, err
	}
	queues := allQueues([]string{w9Topic}, w9Queues)
	fillTime, err := fillBacklog(b.addr, queues, backlog)
	if err != nil {
		return Sample{}, fmt.Errorf("filling the backlog: %w", err)
	}

	if err := b.stop(); err != nil {
		return Sample{}, err
	}
	if _, err := dropPageCache(b.storeDir()); err != nil {
		return Sample{}, err
	}
	restartStart := time.Now()
	if err := b.start(); err != nil {
		return Sample{}, fmt.Errorf("restarting the broker: %w", err)
	}
	restart := time.Since(restartStart)
	// Where residency cannot be read (not Linux), the figure is left out
	// and the cache may not have been dropped either.
	cached, cachedErr := residentFraction(filepath.Join(b.storeDir(), "commitlog"))

	tr := newBacklogTracker(backlog, backlog+int(w9Rate*(w9CatchUpLimit+baseline+time.Minute).Seconds()))
	prod := newSteadyProducers(b.addr, queues, tr, env.RecordLatency)
	defer prod.client.Close()
	ctx, stopProducers := context.WithCancel(context.Background())
	producersDone := make(chan error, 1)
	producersStart := time.Now()
	go func() { producersDone <- prod.run(ctx, backlog) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		stopProducers()
		return <-producersDone
	}
	defer func() { err = errors.Join(err, stop()) }()

	if err := sleepOrFail(baseline, producersDone); err != nil {
		return Sample{}, err
	}
	consumer := newScaleClient()
	defer consumer.Close()
	pullCtx, stopPulls := context.WithCancel(context.Background())
	var pullers sync.WaitGroup
	defer func() { stopPulls(); pullers.Wait() }()

	refused := &pullRefusals{}
	prod.catchingUp.Store(true)
	env.StartTimer()
	for _, q := range queues {
		p := &scalePull{client: consumer, addr: b.addr, group: w9Group, batch: w9PullBatch, suspend: w9Suspend, deliver: tr.deliver, refused: refused}
		pullers.Go(func() { p.run(pullCtx, q, 0) })
	}
	consumed, err := waitForHead(tr, prod, producersDone)
	env.StopTimer()
	if err != nil {
		return Sample{}, b.explain(err, refused)
	}
	sent := prod.acked.Load()
	if err := stop(); err != nil {
		return Sample{}, fmt.Errorf("steady producers: %w", err)
	}
	if bad := tr.bad.Load(); bad > 0 {
		return Sample{}, fmt.Errorf("the consumer received %d messages that were not sent", bad)
	}
	s := Sample{
		Ops:   consumed,
		Bytes: consumed * BrokerBodySize,
		Extra: map[string]float64{
			extraBacklog:      float64(backlog),
			extraFillMBps:     float64(backlog) * BrokerBodySize / fillTime.Seconds() / 1e6,
			extraRestart:      restart.Seconds(),
			extraP99Before:    float64(prod.p99(false)) / 1e3,
			extraP99During:    float64(prod.p99(true)) / 1e3,
			extraProducerRate: float64(sent) / time.Since(producersStart).Seconds(),
		},
	}
	if cachedErr == nil {
		s.Extra[extraCached] = cached * 100
	}
	return s, nil
}

// sleepOrFail waits d, failing early when the producers ended (they end
// only on an error before they are stopped).
func sleepOrFail(d time.Duration, producersDone <-chan error) error {
	select {
	case <-time.After(d):
		return nil
	case err := <-producersDone:
		return fmt.Errorf("steady producers ended: %w", err)
	}
}

// waitForHead waits until the consumer has every message acknowledged so
// far (backlog and steady ones), and returns how many it consumed.
func waitForHead(tr *backlogTracker, prod *steadyProducers, producersDone <-chan error) (int64, error) {
	deadline := time.Now().Add(w9CatchUpLimit)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		// Acknowledged first: a message acknowledged after this load
		// may already be counted as consumed, never the other way.
		acked := int64(tr.backlog) + prod.acked.Load()
		if got := tr.distinct.Load(); got >= acked {
			return got, nil
		}
		select {
		case <-tick.C:
		case err := <-producersDone:
			return 0, fmt.Errorf("steady producers ended: %w", err)
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the consumer had %d of %d messages after %v", tr.distinct.Load(), acked, w9CatchUpLimit)
		}
	}
}

// fillBacklog writes messages 0..n-1 to the queues in batches, from
// w9FillSenders senders, and returns how long it took.
func fillBacklog(addr string, queues []scaleQueue, n int) (time.Duration, error) {
	client := newScaleClient()
	defer client.Close()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	batches := (n + w9FillBatch - 1) / w9FillBatch
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range w9FillSenders {
		wg.Go(func() {
			var body []byte
			for ctx.Err() == nil {
				j := int(next.Add(1) - 1)
				if j >= batches {
					return
				}
				first := j * w9FillBatch
				body = appendBodyBatch(body[:0], first, min(w9FillBatch, n-first))
				q := queues[j%len(queues)]
				if err := retryBusy(ctx, func() error { return sendPacked(ctx, client, addr, q, body) }); err != nil {
					cancel(fmt.Errorf("batch %d: %w", j, err))
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), context.Cause(ctx)
}

// bodySeq is the sequence number brokerBody put in b.
func bodySeq(b []byte) (uint64, bool) {
	if len(b) != BrokerBodySize {
		return 0, false
	}
	return binary.BigEndian.Uint64(b), true
}
