package ha

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// transfer is the group-transfer service: synchronous puts wait in it until
// a slave acknowledges their offset. Each ack wakes exactly the waiters it
// satisfies. Waiters and their timers are pooled, so a wait allocates
// nothing in the steady state.
type transfer struct {
	// acked is the highest offset any slave acknowledged (RocketMQ's
	// push2SlaveMaxOffset). It only grows.
	acked atomic.Int64

	mu      sync.Mutex // guards waiters
	waiters []*waiter
}

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

// ack records that a slave holds everything below offset.
func (t *transfer) ack(offset int64) {
	if offset <= t.acked.Load() {
		return
	}
	atomicMax(&t.acked, offset)
	t.mu.Lock()
	kept := t.waiters[:0]
	for _, w := range t.waiters {
		if w.offset <= offset {
			w.ch <- struct{}{}
		} else {
			kept = append(kept, w)
		}
	}
	clear(t.waiters[len(kept):])
	t.waiters = kept
	t.mu.Unlock()
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
// put), as a SYNC_MASTER put does. It returns ErrSlaveNotAvailable at once
// when no connected slave is within MaxGapNotInSync, ErrFlushSlaveTimeout
// after SyncTimeout or at ctx's deadline (whichever comes first), ctx's
// error when ctx is cancelled, and ErrClosed when the master closes.
func (m *Master) WaitReplicated(ctx context.Context, offset int64) error {
	t := &m.transfer
	if offset <= t.acked.Load() {
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
	if offset <= t.acked.Load() { // acked between the first check and here
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
