package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// The shape of W6, the same for every subject.
const (
	brokerProducers = 16 // concurrent synchronous senders
	// BrokerBodySize is the size of every W6 message body.
	BrokerBodySize = 1 << 10
	brokerFull     = 200000 // timed messages of a full run (scaled by Env.Count)
	// BrokerSmokeCount is the number of timed messages of a smoke run.
	BrokerSmokeCount = 2000
	brokerWarm       = 2000 // untimed messages sent and received first
	brokerSmokeWarm  = 100
	// brokerReceiveTimeout bounds the wait for the consumer after the last send
	// (and, for the warm-up, covers a first rebalance of the consumer).
	brokerReceiveTimeout = 60 * time.Second
)

// BrokerSystem is one broker under test (W6), started with its consumer
// running.
type BrokerSystem struct {
	// Send sends one message and returns once the broker has acknowledged
	// that it stored it. It is called from several goroutines.
	Send func(ctx context.Context, body []byte) error
	// Close stops the clients and the broker and releases their ports.
	Close func() error
	// Server is the broker's process, apart from the benchmark's, whose
	// CPU time and memory the run reports.
	Server *ServerProcess
}

// Closers closes what a start opened, in reverse order: clients before the
// servers they talk to.
type Closers []func() error

// Add adds f to be called by Close.
func (c *Closers) Add(f func() error) { *c = append(*c, f) }

// Close calls every function added, the last first, and joins their errors.
func (c *Closers) Close() error {
	var errs []error
	for i := len(*c) - 1; i >= 0; i-- {
		errs = append(errs, (*c)[i]())
	}
	return errors.Join(errs...)
}

// BrokerStarter starts a broker storing in env.Dir whose consumer hands
// every message body it receives to deliver (which is safe for concurrent
// use).
type BrokerStarter func(env *Env, deliver func(body []byte)) (*BrokerSystem, error)

// RunBroker measures W6 on the broker start starts, the same way for every
// subject: a warm-up whose messages the consumer must all receive, then the
// timed phase, from the first send of N messages to the consumer's receipt
// of the last of them, with the latency of every send recorded and the CPU
// time the broker's process and the benchmark's own spent in it.
func RunBroker(env *Env, start BrokerStarter) (_ Sample, err error) {
	n := env.Count(brokerFull, BrokerSmokeCount)
	warm := brokerWarm
	if env.Smoke {
		warm = brokerSmokeWarm
	}
	tr := newBrokerTracker(warm, n)
	sys, err := start(env, tr.deliver)
	if err != nil {
		return Sample{}, err
	}
	if sys.Server == nil {
		return Sample{}, errors.Join(errors.New("the broker runs in no process of its own"), sys.Close())
	}
	defer func() {
		if cerr := sys.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close: %w", cerr))
		}
	}()
	ctx := context.Background()
	if _, err := produceMessages(ctx, sys.Send, 0, warm, nil); err != nil {
		return Sample{}, fmt.Errorf("warm-up: %w", err)
	}
	if err := tr.wait(0); err != nil {
		return Sample{}, fmt.Errorf("warm-up: %w", err)
	}

	env.StartTimer()
	cpu, err := startCPUWindow(sys.Server)
	var sendTime time.Duration
	if err == nil {
		sendTime, err = produceMessages(ctx, sys.Send, warm, n, env.RecordLatency)
	}
	if err == nil {
		err = tr.wait(1)
	}
	var extra map[string]float64
	if err == nil {
		extra, err = cpu.end(n)
	}
	env.StopTimer()
	if err != nil {
		return Sample{}, err
	}
	if bad := tr.bad.Load(); bad > 0 {
		return Sample{}, fmt.Errorf("the consumer received %d messages that were not sent", bad)
	}
	extra["send msgs/s"] = float64(n) / sendTime.Seconds()
	return Sample{Ops: int64(n), Bytes: int64(n) * BrokerBodySize, Extra: extra}, nil
}

// produceMessages sends messages first..first+n-1 from brokerProducers goroutines, each
// waiting for its send to be acknowledged before the next, and passes each
// send's latency to record (if not nil). It returns the time from the first
// send to the last acknowledgement, or the first error (which stops the
// other producers).
func produceMessages(ctx context.Context, send func(context.Context, []byte) error, first, n int,
	record func(time.Duration)) (time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range brokerProducers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				b := brokerBody(first + i)
				t0 := time.Now()
				if err := send(ctx, b); err != nil {
					cancel(fmt.Errorf("send of message %d: %w", first+i, err))
					return
				}
				if record != nil {
					record(time.Since(t0))
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), context.Cause(ctx)
}

// brokerRandom fills the bodies: pseudo-random, so that nothing on the way
// (a compressing client or store) can shrink them, and fixed, so that every
// run sends the same bytes.
var brokerRandom = func() []byte {
	r := rand.New(rand.NewPCG(6, 1024))
	b := make([]byte, 256<<10)
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b
}()

// brokerBody returns the body of message seq: its sequence number (8 bytes, big
// endian), then random bytes from an offset that varies with seq. A fresh
// slice each time, as a client may keep it after its send returns.
func brokerBody(seq int) []byte {
	b := make([]byte, BrokerBodySize)
	binary.BigEndian.PutUint64(b, uint64(seq))
	off := (seq * 8191) % (len(brokerRandom) - BrokerBodySize)
	copy(b[8:], brokerRandom[off:])
	return b
}

// brokerTracker records which messages the consumer received, counting each
// once: delivery is at least once, so a message may come twice.
type brokerTracker struct {
	seen     []atomic.Bool
	distinct atomic.Int64
	bad      atomic.Int64 // bodies that are no message of this run
	goals    [2]int64     // distinct receipts ending the warm-up and the run
	reached  [2]chan struct{}
}

func newBrokerTracker(warm, n int) *brokerTracker {
	t := &brokerTracker{
		seen:    make([]atomic.Bool, warm+n),
		goals:   [2]int64{int64(warm), int64(warm + n)},
		reached: [2]chan struct{}{make(chan struct{}), make(chan struct{})},
	}
	return t
}

// deliver records the receipt of a message body. It is safe for concurrent
// use and cheap: consumers call it for every message.
func (t *brokerTracker) deliver(b []byte) {
	if len(b) != BrokerBodySize {
		t.bad.Add(1)
		return
	}
	seq := binary.BigEndian.Uint64(b)
	if seq >= uint64(len(t.seen)) {
		t.bad.Add(1)
		return
	}
	if t.seen[seq].Swap(true) {
		return // a redelivery
	}
	// Counts grow by one per distinct message, so each goal is hit exactly
	// once. The warm-up goal counts only warm-up messages: the timed ones
	// are sent after it is reached.
	got := t.distinct.Add(1)
	for i, g := range t.goals {
		if got == g {
			close(t.reached[i])
		}
	}
}

// wait waits for goal i (0: warm-up, 1: the whole run) for at most
// brokerReceiveTimeout.
func (t *brokerTracker) wait(i int) error {
	timer := time.NewTimer(brokerReceiveTimeout)
	defer timer.Stop()
	select {
	case <-t.reached[i]:
		return nil
	case <-timer.C:
		return fmt.Errorf("the consumer received %d of %d messages sent; gave up waiting after %v",
			t.distinct.Load(), t.goals[i], brokerReceiveTimeout)
	}
}
