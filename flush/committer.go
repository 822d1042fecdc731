package flush

import "time"

// Committer defaults, equal to RocketMQ's.
const (
	DefaultCommitInterval         = 200 * time.Millisecond // commitIntervalCommitLog
	DefaultCommitLeastPages       = 4                      // commitCommitLogLeastPages
	DefaultCommitThoroughInterval = 200 * time.Millisecond // commitCommitLogThoroughInterval
)

// CommitterOptions configure a Committer. Zero values mean defaults.
type CommitterOptions struct {
	// Interval is how often the committer looks at the target. Default
	// 200 ms.
	Interval time.Duration
	// LeastPages is how many uncommitted pages make a commit on an ordinary
	// round. Default 4; a negative value means any byte (Commit(0)).
	LeastPages int
	// ThoroughInterval is how often a round commits whatever waits; at
	// least Interval. Default 200 ms.
	ThoroughInterval time.Duration
	// Hooks report slow and failed commits.
	Hooks Hooks
}

// Committer moves bytes from the transient store pool's write buffers into
// the files: every Interval when at least LeastPages pages wait, and every
// ThoroughInterval regardless. After a round that moved bytes it calls
// onCommit, from its own goroutine; the commit log wakes its flusher there,
// since committed bytes are not durable until flushed. The first failed
// commit stops it for good (Err).
type Committer struct{ loop periodic }

// NewCommitter starts committing t in a goroutine of its own, or fails with
// the problems of opts. onCommit may be nil; it must not call Close on this
// Committer.
func NewCommitter(t Target, opts CommitterOptions, onCommit func()) (*Committer, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	c := &Committer{}
	c.loop.start(
		durationOrDefault(opts.Interval, DefaultCommitInterval),
		durationOrDefault(opts.ThoroughInterval, DefaultCommitThoroughInterval),
		leastPagesOrDefault(opts.LeastPages, DefaultCommitLeastPages),
		opts.Hooks,
		func(leastPages int) (int64, error) {
			before := t.CommittedOffset()
			err := t.Commit(leastPages)
			moved := t.CommittedOffset() - before
			// A failed commit may still have moved some bytes; those
			// deserve a flush too.
			if onCommit != nil && moved != 0 {
				onCommit()
			}
			return moved, err
		})
	return c, nil
}

// Wake runs a round now instead of at the next tick. The round keeps the
// LeastPages threshold unless it is also due for a thorough commit. It never
// blocks; after Close it does nothing.
func (c *Committer) Wake() { c.loop.wakeUp() }

// Err is the error of the first failed commit, which stopped the
// committer; nil while every commit succeeded.
func (c *Committer) Err() error { return c.loop.failure() }

// Close stops the committer after a final Commit(0) (calling onCommit if it
// moved bytes; unless a commit failed before) and returns Err. Close the
// Committer before the flusher it wakes, so that the final flush covers the
// final commit. Later calls return ErrClosed.
func (c *Committer) Close() error { return c.loop.close() }
