package flush

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Group-commit defaults.
const (
	DefaultSyncFlushTimeout = 5 * time.Second // syncFlushTimeout
	DefaultLinger           = time.Millisecond
)

// GroupCommitOptions configure a GroupCommit. Zero values mean defaults.
type GroupCommitOptions struct {
	// Timeout bounds a Wait; default 5 s.
	Timeout time.Duration
	// Linger bounds how long the flusher waits for the appenders it just
	// completed to come back before its next flush; default 1 ms, negative
	// disables. The wait ends as soon as they are back, so it only costs
	// time when appenders leave; timers on virtual machines are often about
	// a millisecond coarse anyway.
	Linger time.Duration
}

// waiter is one appender waiting for its end offset to be durable.
type waiter struct {
	offset    int64
	done      chan error // buffered: the flusher never blocks on it
	abandoned atomic.Bool
}

var waiterPool = sync.Pool{New: func() any { return &waiter{done: make(chan error, 1)} }}

// GroupCommit is SYNC_FLUSH: many appenders wait, one goroutine flushes for
// all of them.
type GroupCommit struct {
	t       Target
	timeout time.Duration
	linger  time.Duration

	mu      sync.Mutex
	pending []*waiter
	want    int // pending count that wakes the flusher
	closed  bool

	kick chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
}

// NewGroupCommit starts the group-commit flusher for t.
func NewGroupCommit(t Target, opts GroupCommitOptions) *GroupCommit {
	g := &GroupCommit{
		t:       t,
		timeout: durationOrDefault(opts.Timeout, DefaultSyncFlushTimeout),
		linger:  opts.Linger,
		want:    1,
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	if g.linger == 0 {
		g.linger = DefaultLinger
	}
	g.wg.Add(1)
	go g.run()
	return g
}

// Wait blocks until every byte below offset is durable. It fails with
// ErrFlushTimeout after the timeout, ctx.Err() when ctx ends first, the
// flush error when the flush covering it fails, or ErrClosed.
func (g *GroupCommit) Wait(ctx context.Context, offset int64) error {
	if g.t.FlushedOffset() >= offset {
		return nil
	}
	w := waiterPool.Get().(*waiter)
	w.offset = offset
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		waiterPool.Put(w)
		return ErrClosed
	}
	g.pending = append(g.pending, w)
	wake := len(g.pending) >= g.want
	g.mu.Unlock()
	if wake {
		select {
		case g.kick <- struct{}{}:
		default:
		}
	}

	timer := time.NewTimer(g.timeout)
	defer timer.Stop()
	select {
	case err := <-w.done:
		waiterPool.Put(w)
		return err
	case <-timer.C:
		g.abandon(w)
		return fmt.Errorf("%w: offset %d not durable after %v", ErrFlushTimeout, offset, g.timeout)
	case <-ctx.Done():
		g.abandon(w)
		return ctx.Err()
	}
}

// abandon takes a waiter that gave up out of the pending list. If the
// flusher already took it, the flusher drops it instead; either way it is
// never reused, as the flusher may still send on its channel.
func (g *GroupCommit) abandon(w *waiter) {
	w.abandoned.Store(true)
	g.mu.Lock()
	for i, p := range g.pending {
		if p == w {
			g.pending = append(g.pending[:i], g.pending[i+1:]...)
			break
		}
	}
	g.mu.Unlock()
}

// run is the flusher. After completing a group of k waiters it waits until
// k waiters are pending again, or Linger has passed, before it flushes
// again. Without that, a flush started the instant the last one ends
// catches only the first few of the k appenders it just woke; the rest wait
// a whole extra flush, and groups alternate big and small at about half
// the throughput. With one appender k is 1 and nothing waits.
func (g *GroupCommit) run() {
	defer g.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	lastGroup := 1
	var lingerUntil time.Time
	var batch []*waiter
	for {
		want := 1
		if g.linger > 0 && lastGroup > 1 && time.Now().Before(lingerUntil) {
			want = lastGroup
		}
		g.mu.Lock()
		g.want = want
		n := len(g.pending)
		g.mu.Unlock()
		if n < want {
			// With want > 1 the waiters only kick once want of them are
			// pending, so the linger deadline must be armed even with none
			// pending yet; it drops want back to 1.
			var deadline <-chan time.Time
			if want > 1 {
				timer.Reset(time.Until(lingerUntil))
				deadline = timer.C
			}
			select {
			case <-g.kick:
			case <-deadline:
			case <-g.stop:
				g.finish()
				return
			}
			timer.Stop()
			continue
		}

		g.mu.Lock()
		batch, g.pending = g.pending, batch[:0]
		g.mu.Unlock()
		err := g.t.Flush(0)
		lastGroup = g.complete(batch, err)
		lingerUntil = time.Now().Add(g.linger)
	}
}

// complete answers every waiter of batch that the flush covered (or all of
// them with the flush error), puts the rest back, and returns how many it
// answered.
func (g *GroupCommit) complete(batch []*waiter, err error) int {
	flushed := g.t.FlushedOffset()
	answered := 0
	var rest []*waiter
	for _, w := range batch {
		switch {
		case w.abandoned.Load():
		case err != nil:
			w.done <- fmt.Errorf("flush: group commit: %w", err)
			answered++
		case w.offset <= flushed:
			w.done <- nil
			answered++
		default:
			rest = append(rest, w)
		}
	}
	if len(rest) > 0 {
		g.mu.Lock()
		g.pending = append(g.pending, rest...)
		g.mu.Unlock()
	}
	clear(batch)
	return max(answered, 1)
}

// finish flushes once more and answers everyone left: covered waiters
// succeed, the others get ErrClosed.
func (g *GroupCommit) finish() {
	err := g.t.Flush(0)
	flushed := g.t.FlushedOffset()
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, w := range g.pending {
		switch {
		case w.abandoned.Load():
		case err == nil && w.offset <= flushed:
			w.done <- nil
		default:
			w.done <- ErrClosed
		}
	}
	g.pending = nil
}

// Close flushes once more, answers every waiter and stops the flusher.
func (g *GroupCommit) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrClosed
	}
	g.closed = true
	g.mu.Unlock()
	close(g.stop)
	g.wg.Wait()
	return nil
}
