package brokers

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/bench"
)

// The shape of W6, the same for every subject.
const (
	producers  = 16      // concurrent synchronous senders
	bodySize   = 1 << 10 // bytes per message body
	fullCount  = 200000  // timed messages of a full run (scaled by Env.Count)
	smokeCount = 2000    // timed messages of a smoke run
	fullWarm   = 2000    // untimed messages sent and received first
	smokeWarm  = 100
	// receiveTimeout bounds the wait for the consumer after the last send
	// (and, for the warm-up, covers a first rebalance of the consumer).
	receiveTimeout = 60 * time.Second
)

// system is one broker under test, started with its consumer running.
type system struct {
	// send sends one message and returns once the broker has acknowledged
	// that it stored it. It is called from several goroutines.
	send func(ctx context.Context, body []byte) error
	// close stops the clients and the broker and releases their ports.
	close func() error
}

// closers closes what a start opened, in reverse order: clients before
// the servers they talk to.
type closers []func() error

func (c *closers) add(f func() error) { *c = append(*c, f) }

func (c *closers) close() error {
	var errs []error
	for i := len(*c) - 1; i >= 0; i-- {
		errs = append(errs, (*c)[i]())
	}
	return errors.Join(errs...)
}

// starter starts a system storing in env.Dir whose consumer hands every
// message body it receives to deliver (which is safe for concurrent use).
type starter func(env *bench.Env, deliver func(body []byte)) (*system, error)

// run measures W6 on the system start starts: a warm-up whose messages the
// consumer must all receive, then the timed phase, from the first send of N
// messages to the consumer's receipt of the last of them.
func run(env *bench.Env, start starter) (_ bench.Sample, err error) {
	n := env.Count(fullCount, smokeCount)
	warm := fullWarm
	if env.Smoke {
		warm = smokeWarm
	}
	tr := newTracker(warm, n)
	sys, err := start(env, tr.deliver)
	if err != nil {
		return bench.Sample{}, err
	}
	defer func() {
		if cerr := sys.close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close: %w", cerr))
		}
	}()
	ctx := context.Background()
	if _, err := produce(ctx, sys.send, 0, warm, nil); err != nil {
		return bench.Sample{}, fmt.Errorf("warm-up: %w", err)
	}
	if err := tr.wait(0); err != nil {
		return bench.Sample{}, fmt.Errorf("warm-up: %w", err)
	}

	env.StartTimer()
	sendTime, err := produce(ctx, sys.send, warm, n, env.RecordLatency)
	if err == nil {
		err = tr.wait(1)
	}
	env.StopTimer()
	if err != nil {
		return bench.Sample{}, err
	}
	if bad := tr.bad.Load(); bad > 0 {
		return bench.Sample{}, fmt.Errorf("the consumer received %d messages that were not sent", bad)
	}
	return bench.Sample{
		Ops:   int64(n),
		Bytes: int64(n) * bodySize,
		Extra: map[string]float64{"send msgs/s": float64(n) / sendTime.Seconds()},
	}, nil
}

// produce sends messages first..first+n-1 from producers goroutines, each
// waiting for its send to be acknowledged before the next, and passes each
// send's latency to record (if not nil). It returns the time from the first
// send to the last acknowledgement, or the first error (which stops the
// other producers).
func produce(ctx context.Context, send func(context.Context, []byte) error, first, n int,
	record func(time.Duration)) (time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range producers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				b := body(first + i)
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

// randomBytes fills the bodies: pseudo-random, so that nothing on the way
// (a compressing client or store) can shrink them, and fixed, so that every
// run sends the same bytes.
var randomBytes = func() []byte {
	r := rand.New(rand.NewPCG(6, 1024))
	b := make([]byte, 256<<10)
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b
}()

// body returns the body of message seq: its sequence number (8 bytes, big
// endian), then random bytes from an offset that varies with seq. A fresh
// slice each time, as a client may keep it after its send returns.
func body(seq int) []byte {
	b := make([]byte, bodySize)
	binary.BigEndian.PutUint64(b, uint64(seq))
	off := (seq * 8191) % (len(randomBytes) - bodySize)
	copy(b[8:], randomBytes[off:])
	return b
}

// tracker records which messages the consumer received, counting each
// once: delivery is at least once, so a message may come twice.
type tracker struct {
	seen     []atomic.Bool
	distinct atomic.Int64
	bad      atomic.Int64 // bodies that are no message of this run
	goals    [2]int64     // distinct receipts ending the warm-up and the run
	reached  [2]chan struct{}
}

func newTracker(warm, n int) *tracker {
	t := &tracker{
		seen:    make([]atomic.Bool, warm+n),
		goals:   [2]int64{int64(warm), int64(warm + n)},
		reached: [2]chan struct{}{make(chan struct{}), make(chan struct{})},
	}
	return t
}

// deliver records the receipt of a message body. It is safe for concurrent
// use and cheap: consumers call it for every message.
func (t *tracker) deliver(b []byte) {
	if len(b) != bodySize {
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
// receiveTimeout.
func (t *tracker) wait(i int) error {
	timer := time.NewTimer(receiveTimeout)
	defer timer.Stop()
	select {
	case <-t.reached[i]:
		return nil
	case <-timer.C:
		return fmt.Errorf("the consumer received %d of %d messages sent; gave up waiting after %v",
			t.distinct.Load(), t.goals[i], receiveTimeout)
	}
}
