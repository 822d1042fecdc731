package ha

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// maxAckWindows bounds the acknowledged ranges the master remembers. A new
// range starts only when a slave reconnects with bytes the master never
// streamed to it; the oldest ranges, long settled, are dropped first.
const maxAckWindows = 8

// transfer is the group-transfer service: synchronous puts wait in it until
// a slave acknowledges their offset. Each ack wakes exactly the waiters it
// satisfies. Waiters and their timers are pooled, so a wait allocates
// nothing in the steady state.
//
// An acknowledgement covers only bytes the master streamed on the
// connection that reports it: a put ending at e is replicated when some
// connection streamed from s < e and its slave reported at least e. What a
// slave held before it connected proves nothing (its log may have diverged),
// so the ranges are kept apart: see ack.
type transfer struct {
	mu      sync.Mutex // guards windows and waiters
	windows []ackWindow
	waiters []*waiter
}

// ackWindow is an acknowledged range: every put ending in (from, to] is on a
// slave.
type ackWindow struct{ from, to int64 }

func (w ackWindow) holds(end int64) bool { return w.from < end && end <= w.to }

// waiter is one WaitReplicated call. ch is buffered so that ack never
// blocks; it receives exactly one value, when the waiter leaves the list.
type waiter struct {
	offset int64
	ch     chan struct{}
}

var (
	waiterPool = sync.Pool{New: func() any { return &waiter{ch: make(chan struct{}, 1)} }}
	timerPool  = sync.Pool{New: func() any { return time.NewTimer(time.Hour) }}
)

// ack records that a slave holds the bytes (from, to] the master streamed
// to it, and wakes the puts that end there.
func (t *transfer) ack(from, to int64) {
	if to <= from {
		return
	}
	t.mu.Lock()
	t.addWindow(from, to)
	kept := t.waiters[:0]
	for _, w := range t.waiters {
		if from < w.offset && w.offset <= to {
			w.ch <- struct{}{}
		} else {
			kept = append(kept, w)
		}
	}
	clear(t.waiters[len(kept):])
	t.waiters = kept
	t.mu.Unlock()
}

// addWindow merges (from, to] into the sorted, disjoint windows.
func (t *transfer) addWindow(from, to int64) {
	i := 0
	for i < len(t.windows) && t.windows[i].to < from {
		i++
	}
	j := i
	for j < len(t.windows) && t.windows[j].from <= to {
		from, to = min(from, t.windows[j].from), max(to, t.windows[j].to)
		j++
	}
	if i == j {
		t.windows = slices.Insert(t.windows, i, ackWindow{from, to})
	} else {
		t.windows[i] = ackWindow{from, to}
		t.windows = slices.Delete(t.windows, i+1, j)
	}
	if n := len(t.windows); n > maxAckWindows {
		t.windows = slices.Delete(t.windows, 0, n-maxAckWindows)
	}
}

// acked reports whether a put ending at end is on a slave. t.mu must be
// held.
func (t *transfer) acked(end int64) bool {
	for i := len(t.windows) - 1; i >= 0; i-- {
		if t.windows[i].holds(end) {
			return true
		}
	}
	return false
}

// remove takes w out of the list and reports whether it was there; when it
// was not, an ack already signalled it.
func (t *transfer) remove(w *waiter) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, x := range t.waiters {
		if x == w {
			last := len(t.waiters) - 1
			t.waiters[i] = t.waiters[last]
			t.waiters[last] = nil
			t.waiters = t.waiters[:last]
			return true
		}
	}
	return false
}

// WaitReplicated waits until a slave has acknowledged offset (the end of a
// put), as a SYNC_MASTER put does; only bytes the master streamed to that
// slave count. It returns ErrSlaveNotAvailable at once when no connected
// slave is within MaxGapNotInSync, ErrFlushSlaveTimeout after SyncTimeout or
// at ctx's deadline (whichever comes first), ctx's error when ctx is
// cancelled, and ErrClosed when the master closes.
func (m *Master) WaitReplicated(ctx context.Context, offset int64) error {
	t := &m.transfer
	t.mu.Lock()
	done := t.acked(offset)
	t.mu.Unlock()
	if done {
		return nil
	}
	select {
	case <-m.done:
		return ErrClosed
	default:
	}
	if !m.anyInSync() {
		return ErrSlaveNotAvailable
	}
	w := waiterPool.Get().(*waiter)
	w.offset = offset
	t.mu.Lock()
	if t.acked(offset) { // acked between the first check and here
		t.mu.Unlock()
		waiterPool.Put(w)
		return nil
	}
	t.waiters = append(t.waiters, w)
	t.mu.Unlock()

	timer := timerPool.Get().(*time.Timer)
	timer.Reset(m.opts.SyncTimeout)
	var err error
	select {
	case <-w.ch:
	case <-timer.C:
		err = ErrFlushSlaveTimeout
	case <-ctx.Done():
		err = ctx.Err()
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w: %w", ErrFlushSlaveTimeout, err)
		}
	case <-m.done:
		err = ErrClosed
	}
	timer.Stop()
	timerPool.Put(timer)
	if err != nil && !t.remove(w) {
		<-w.ch // an ack took it off the list as it gave up: it is replicated
		err = nil
	}
	waiterPool.Put(w)
	return err
}
