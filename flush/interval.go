package flush

import "time"

// Interval-flush defaults, equal to RocketMQ's.
const (
	DefaultFlushInterval         = 500 * time.Millisecond // flushIntervalCommitLog
	DefaultFlushLeastPages       = 4                      // flushCommitLogLeastPages
	DefaultFlushThoroughInterval = 10 * time.Second       // flushCommitLogThoroughInterval
)

// IntervalOptions configure an IntervalFlusher. Zero values mean defaults.
type IntervalOptions struct {
	// Interval is how often the flusher looks at the target. Default 500 ms.
	Interval time.Duration
	// LeastPages is how many dirty pages make a flush on an ordinary round.
	// Default 4; a negative value means any dirty byte (Flush(0)).
	LeastPages int
	// ThoroughInterval is how often a round flushes whatever waits, however
	// little; at least Interval. Default 10 s.
	ThoroughInterval time.Duration
	// Hooks report slow and failed flushes.
	Hooks Hooks
}

// IntervalFlusher is ASYNC_FLUSH: it flushes the target every Interval when
// at least LeastPages dirty pages wait, and every ThoroughInterval
// regardless. The first failed flush stops it for good (Err): it is not
// retried, since after a failed sync a retry can succeed without the bytes.
type IntervalFlusher struct{ loop periodic }

// NewIntervalFlusher starts flushing t in a goroutine of its own, or fails
// with the problems of opts.
func NewIntervalFlusher(t Target, opts IntervalOptions) (*IntervalFlusher, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	f := &IntervalFlusher{}
	f.loop.start(
		durationOrDefault(opts.Interval, DefaultFlushInterval),
		durationOrDefault(opts.ThoroughInterval, DefaultFlushThoroughInterval),
		leastPagesOrDefault(opts.LeastPages, DefaultFlushLeastPages),
		opts.Hooks,
		func(leastPages int) (int64, error) {
			before := t.FlushedOffset()
			err := t.Flush(leastPages)
			return t.FlushedOffset() - before, err
		})
	return f, nil
}

// Wake runs a round now instead of at the next tick (the commit log calls it
// after a commit). The round keeps the LeastPages threshold unless it is
// also due for a thorough flush. It never blocks; after Close it does
// nothing.
func (f *IntervalFlusher) Wake() { f.loop.wakeUp() }

// Err is the error of the first failed flush, which stopped the flusher;
// nil while every flush succeeded.
func (f *IntervalFlusher) Err() error { return f.loop.failure() }

// Close stops the flusher after a final Flush(0) (unless a flush failed
// before) and returns Err. Later calls return ErrClosed.
func (f *IntervalFlusher) Close() error { return f.loop.close() }
