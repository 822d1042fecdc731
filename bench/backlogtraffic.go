package bench

// W9's traffic besides the backlog: the steady producers, and the
// tracker of what the consumer received.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/rocketstore/rocketstore/remoting"
)

// backlogTracker counts the distinct messages the consumer received: the
// backlog's (0..backlog-1) and the steady producers' after them.
type backlogTracker struct {
	backlog  int
	seen     []atomic.Bool
	distinct atomic.Int64
	bad      atomic.Int64 // bodies that are no message of this run
}

func newBacklogTracker(backlog, capacity int) *backlogTracker {
	return &backlogTracker{backlog: backlog, seen: make([]atomic.Bool, capacity)}
}

// deliver records the receipt of a body; it is safe for concurrent use.
func (t *backlogTracker) deliver(b []byte) {
	seq, ok := bodySeq(b)
	if !ok || seq >= uint64(len(t.seen)) {
		t.bad.Add(1)
		return
	}
	if !t.seen[seq].Swap(true) {
		t.distinct.Add(1)
	}
}

// steadyProducers send messages at w9Rate from w9Producers goroutines,
// each waiting for its send's acknowledgement, and keep the latencies of
// the sends before the catch-up and during it apart.
type steadyProducers struct {
	client     *remoting.Client
	addr       string
	queues     []scaleQueue
	capacity   int // highest sequence number + 1 the tracker knows
	record     func(time.Duration)
	catchingUp atomic.Bool
	acked      atomic.Int64

	mu     sync.Mutex
	before *hdrhistogram.Histogram
	during *hdrhistogram.Histogram
}

func newSteadyProducers(addr string, queues []scaleQueue, tr *backlogTracker, record func(time.Duration)) *steadyProducers {
	return &steadyProducers{
		client: newScaleClient(), addr: addr, queues: queues, capacity: len(tr.seen), record: record,
		before: newLatencyHistogram(), during: newLatencyHistogram(),
	}
}

// run sends messages first, first+1, ... on a fixed schedule (message k
// at k/w9Rate seconds after the start; a late one goes at once) until ctx
// ends, and returns the first send error.
func (p *steadyProducers) run(ctx context.Context, first int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	interval := time.Second / w9Rate
	for range w9Producers {
		wg.Go(func() {
			for {
				k := next.Add(1) - 1
				seq := first + int(k)
				if seq >= p.capacity {
					cancel(errors.New("more steady messages than the tracker holds"))
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(start.Add(time.Duration(k) * interval))):
				}
				q := p.queues[seq%len(p.queues)]
				during := p.catchingUp.Load()
				t0 := time.Now()
				err := retryBusy(ctx, func() error {
					return sendOne(ctx, p.client, p.addr, q, brokerBody(seq), string(appendUniqProperties(nil, seq)))
				})
				if err != nil {
					if ctx.Err() == nil {
						cancel(fmt.Errorf("send of message %d: %w", seq, err))
					}
					return
				}
				p.observe(time.Since(t0), during)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// observe records one acknowledged send's latency in its phase.
func (p *steadyProducers) observe(d time.Duration, during bool) {
	p.acked.Add(1)
	p.mu.Lock()
	h := p.before
	if during {
		h = p.during
	}
	recordLatency(h, d)
	p.mu.Unlock()
	if during {
		p.record(d)
	}
}

// p99 is the 99th percentile send latency in µs of a phase.
func (p *steadyProducers) p99(during bool) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if during {
		return p.during.ValueAtQuantile(99)
	}
	return p.before.ValueAtQuantile(99)
}
