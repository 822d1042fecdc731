package remoting

import (
	"context"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// requestBudget bounds the bytes of large request frames a server holds
// over all its connections, from the moment their length is read until the
// request is finished. A reader waits for room before reading the frame.
type requestBudget struct {
	sem  *semaphore.Weighted
	held atomic.Int64
}

func newRequestBudget(n int64) *requestBudget {
	return &requestBudget{sem: semaphore.NewWeighted(n)}
}

// acquire waits for n bytes of room, until ctx ends.
func (b *requestBudget) acquire(ctx context.Context, n int64) error {
	if err := b.sem.Acquire(ctx, n); err != nil {
		return err
	}
	b.held.Add(n)
	return nil
}

// release gives back n bytes; nothing when n is 0.
func (b *requestBudget) release(n int64) {
	if n > 0 {
		b.held.Add(-n)
		b.sem.Release(n)
	}
}

// outputBudget is the bytes queued for writing over all of a server's
// connections; shed drops the connection with the most when over max.
type outputBudget struct {
	max   int64
	total atomic.Int64
	shed  func()
}
