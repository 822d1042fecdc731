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
	// DefaultSyncFlushTimeout is RocketMQ's syncFlushTimeout.
	DefaultSyncFlushTimeout = 5 * time.Second
	// DefaultLinger bounds the adaptive linger (see GroupCommitOptions). It
	// was measured on the commit log with 8 and 64 sync appenders, where 1 ms
	// gave larger groups and a lower median latency than 200 µs (timers on
	// virtual machines are often about a millisecond coarse anyway).
	DefaultLinger = time.Millisecond
	// stallRetry is how long the flusher waits before flushing again after
	// a round that covered nobody, unless a new waiter arrives first. It
	// keeps a waiter for an offset nobody has written from spinning the
	// flusher until that waiter times out.
	stallRetry = time.Millisecond
	// freeWaiters bounds the recycled waiters kept per GroupCommit.
	freeWaiters = 1024
)

// GroupCommitOptions configure a GroupCommit. Zero values mean defaults.
type GroupCommitOptions struct {
	// Timeout bounds each Wait; a waiter not covered in time gets
	// ErrFlushTimeout. Default 5 s (syncFlushTimeout).
	Timeout time.Duration
	// Linger bounds how long the flusher, having completed a group of k
	// waiters, waits for k waiters to be pending again before its next
	// flush. Default 1 ms; negative disables. The wait ends as soon as the
	// k are back, so it costs time only when appenders go away.
	Linger time.Duration
	// Hooks report slow and failed flushes.
	Hooks Hooks
}

// waiter is one appender waiting for its end offset to be durable. Waiters
// are recycled so that a Wait allocates nothing: the channel and the timer
// live as long as the waiter.
type waiter struct {
	offset int64
	// done receives exactly one answer from the flusher; buffered so the
	// flusher never blocks on an appender that has gone.
	done  chan error
	timer *time.Timer
	// abandoned is set by an appender that stopped waiting (timeout or
	// context); the flusher then drops the waiter instead of answering.
	abandoned atomic.Bool
}

// GroupCommit is SYNC_FLUSH: many appenders Wait for their end offsets, and
// one goroutine flushes once for all of them.
type GroupCommit struct {
	t       Target
	timeout time.Duration
	linger  time.Duration
	hooks   Hooks

	// mu guards the pending list and the wake threshold; it is never held
	// across a Flush.
	mu      sync.Mutex
	pending []*waiter
	want    int // a Wait that makes len(pending) >= want kicks the flusher
	closed  atomic.Bool

	// failed is the error of the first flush round that failed: it
	// poisons the service, which never flushes again and gives it to every
	// waiter the flushes before it did not cover.
	failed atomic.Pointer[error]
	// finalErr is the final flush's error, set by the flusher as it stops
	// and read by Close after waiting for it.
	finalErr error

	free chan *waiter // recycled waiters
	kick chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
}

// NewGroupCommit starts the group-commit flusher for t, or fails with the
// problems of opts.
func NewGroupCommit(t Target, opts GroupCommitOptions) (*GroupCommit, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	g := &GroupCommit{
		t:       t,
		timeout: durationOrDefault(opts.Timeout, DefaultSyncFlushTimeout),
		linger:  opts.Linger,
		hooks:   opts.Hooks,
		want:    1,
		free:    make(chan *waiter, freeWaiters),
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	if g.linger == 0 {
		g.linger = DefaultLinger
	}
	g.wg.Add(1)
	go g.run()
	return g, nil
}

// Wait blocks until every byte below offset is durable, that is until the
// target's FlushedOffset() >= offset. It fails with ErrFlushTimeout (wrapped
// with the offset) when the timeout passes first, with ctx.Err() when ctx
// ends first, with the flush error (wrapped) when the flush meant to cover
// it, or any flush before, failed (Err), and with ErrClosed once the
// service is closed.
func (g *GroupCommit) Wait(ctx context.Context, offset int64) error {
	if g.closed.Load() {
		return ErrClosed
	}
	if g.t.FlushedOffset() >= offset {
		return nil
	}
	if err := g.Err(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w := g.newWaiter(offset)
	g.mu.Lock()
	if g.closed.Load() {
		g.mu.Unlock()
		g.recycle(w)
		return ErrClosed
	}
	g.pending = append(g.pending, w)
	kick := len(g.pending) >= g.want
	g.mu.Unlock()
	if kick {
		select {
		case g.kick <- struct{}{}:
		default: // a kick is already on its way
		}
	}

	select {
	case err := <-w.done:
		g.recycle(w)
		return err
	case <-w.timer.C:
		return g.giveUp(w, fmt.Errorf("%w: offset %d not durable after %v", ErrFlushTimeout, offset, g.timeout))
	case <-ctx.Done():
		return g.giveUp(w, ctx.Err())
	}
}

func (g *GroupCommit) newWaiter(offset int64) *waiter {
	var w *waiter
	select {
	case w = <-g.free:
		w.abandoned.Store(false)
		w.timer.Reset(g.timeout)
	default:
		w = &waiter{done: make(chan error, 1), timer: time.NewTimer(g.timeout)}
	}
	w.offset = offset
	return w
}

// recycle keeps a waiter that nobody else refers to any more. Since Go
// 1.23, Stop guarantees the timer channel holds no stale tick afterwards.
func (g *GroupCommit) recycle(w *waiter) {
	w.timer.Stop()
	select {
	case g.free <- w:
	default:
	}
}

// giveUp withdraws a waiter that stopped waiting. If the flusher answered it
// meanwhile, that answer wins (the bytes are durable, or the flush failed)
// and the waiter can be recycled. Otherwise the flusher may hold it in the
// group it is flushing and answer it later, so it is marked abandoned and
// left to the collector rather than reused.
func (g *GroupCommit) giveUp(w *waiter, reason error) error {
	w.abandoned.Store(true)
	g.mu.Lock()
	for i, p := range g.pending {
		if p == w {
			last := len(g.pending) - 1
			g.pending[i], g.pending[last] = g.pending[last], nil
			g.pending = g.pending[:last]
			break
		}
	}
	g.mu.Unlock()
	select {
	case err := <-w.done:
		g.recycle(w)
		return err
	default:
		w.timer.Stop()
		return reason
	}
}

// run is the flusher. Each round it takes the whole pending list (new
// waiters keep registering into an empty one), flushes once without holding
// the lock, and answers every waiter the flush covered; a flush makes
// everything written so far durable, so it often covers more than it took.
//
// Adaptive linger: completing a group of k waiters wakes k appenders at
// once. Flushing again immediately would catch only the first few of them
// to come back; the rest would wait a whole extra flush, and groups would
// alternate big and small at about half the throughput. So after a group of
// k the flusher waits until k waiters are pending again, or Linger has
// passed since the group completed, whichever comes first. With one
// appender k is 1 and nothing waits.
func (g *GroupCommit) run() {
	defer g.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var batch []*waiter
	want, deadline := 1, time.Time{} // what the next flush waits for
	for {
		g.mu.Lock()
		g.want = want
		n := len(g.pending)
		g.mu.Unlock()
		if n < want {
			// A Wait kicks only once want waiters are pending, so a
			// deadline drops want back to 1 when they do not come.
			var expired <-chan time.Time
			if !deadline.IsZero() {
				timer.Reset(time.Until(deadline))
				expired = timer.C
			}
			select {
			case <-g.kick:
			case <-expired:
				want, deadline = 1, time.Time{}
			case <-g.stop:
				timer.Stop()
				g.finish()
				return
			}
			timer.Stop()
			continue
		}

		g.mu.Lock()
		batch, g.pending = g.pending, batch[:0]
		g.mu.Unlock()
		done, flushErr := g.round()
		answered := g.complete(batch, flushErr)
		g.reportRound(done, answered, flushErr)
		switch {
		case flushErr != nil:
			// The failed group has its answer; whoever waits next starts
			// the retry at once.
			want, deadline = 1, time.Time{}
		case answered == 0:
			// Nobody was covered: retry when a new waiter arrives or
			// after a short pause, not in a busy loop.
			g.mu.Lock()
			want = len(g.pending) + 1
			g.mu.Unlock()
			deadline = time.Now().Add(stallRetry)
		case answered > 1 && g.linger > 0:
			want, deadline = answered, time.Now().Add(g.linger)
		default:
			want, deadline = 1, time.Time{}
		}
	}
}

// round commits and flushes once, unless an earlier round failed: then it
// returns that failure without touching the target. The first failure is
// kept, wrapped with the offset that was durable before it. A round that
// succeeds returns how long it took and how many bytes it made durable.
func (g *GroupCommit) round() (Round, error) {
	if err := g.Err(); err != nil {
		return Round{}, err
	}
	before := g.t.FlushedOffset()
	start := time.Now()
	err := commitAndFlush(g.t)
	took := g.hooks.observe(start)
	if err == nil {
		return Round{Took: took, Bytes: g.t.FlushedOffset() - before}, nil
	}
	g.fail(fmt.Errorf("flush: group commit flush failed, durable up to offset %d: %w", g.t.FlushedOffset(), err))
	return Round{}, g.Err()
}

// reportRound reports a round that succeeded and answered a waiter or made
// bytes durable (a round that covered nobody and found nothing to flush is
// a retry, not work).
func (g *GroupCommit) reportRound(done Round, answered int, flushErr error) {
	if flushErr == nil && (answered > 0 || done.Bytes > 0) {
		done.Waiters = answered
		g.hooks.round(done)
	}
}

// fail keeps err unless an earlier failure was kept. (Apart from round, so
// that a round that succeeds allocates nothing.)
func (g *GroupCommit) fail(err error) {
	if g.failed.CompareAndSwap(nil, &err) {
		g.hooks.failed(err)
	}
}

// Err is the error of the first flush that failed, which poisoned the
// service; nil while every flush succeeded.
func (g *GroupCommit) Err() error {
	if e := g.failed.Load(); e != nil {
		return *e
	}
	return nil
}

// complete answers every waiter of batch that the flush covered, gives the
// flush error to the others when the flush failed, puts the rest back on the
// pending list and returns how many it answered. It leaves batch cleared so
// its array can serve as the next pending list.
func (g *GroupCommit) complete(batch []*waiter, flushErr error) int {
	flushed := g.t.FlushedOffset()
	answered, rest := 0, 0
	for _, w := range batch {
		switch {
		case w.abandoned.Load():
		case w.offset <= flushed:
			w.done <- nil
			answered++
		case flushErr != nil:
			w.done <- flushErr
			answered++
		default:
			batch[rest] = w
			rest++
		}
	}
	if rest > 0 {
		// Look at abandoned again under the lock: a waiter giving up now
		// either is seen here or finds itself back in pending, so no
		// abandoned waiter lingers in the list.
		g.mu.Lock()
		for _, w := range batch[:rest] {
			if !w.abandoned.Load() {
				g.pending = append(g.pending, w)
			}
		}
		g.mu.Unlock()
	}
	clear(batch)
	return answered
}

// finish flushes once more and answers everyone left: covered waiters
// succeed, the others get ErrClosed (with the flush error, if any).
func (g *GroupCommit) finish() {
	done, flushErr := g.round()
	flushed := g.t.FlushedOffset()
	refusal := ErrClosed
	if flushErr != nil {
		refusal = fmt.Errorf("%w: %w", ErrClosed, flushErr)
	}
	answered := 0
	g.mu.Lock()
	for _, w := range g.pending {
		switch {
		case w.abandoned.Load():
		case w.offset <= flushed:
			w.done <- nil
			answered++
		default:
			w.done <- refusal
		}
	}
	clear(g.pending)
	g.pending = nil
	g.finalErr = flushErr
	g.mu.Unlock()
	g.reportRound(done, answered, flushErr)
}

// Close flushes once more, answers every waiter (those the final flush
// covered succeed, the others get ErrClosed), stops the flusher and returns
// the final flush's error (Err, when a flush failed before). Later calls,
// Close included, return ErrClosed.
func (g *GroupCommit) Close() error {
	g.mu.Lock()
	if g.closed.Load() {
		g.mu.Unlock()
		return ErrClosed
	}
	g.closed.Store(true)
	g.mu.Unlock()
	close(g.stop)
	g.wg.Wait()
	return g.finalErr
}

// commitAndFlush moves written bytes out of any write buffers and makes
// them durable: a sync flush must cover bytes a transient store pool still
// holds.
func commitAndFlush(t Target) error {
	if err := t.Commit(0); err != nil {
		return err
	}
	return t.Flush(0)
}
