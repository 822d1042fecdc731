package flush

import "time"

// Defaults, equal to RocketMQ's.
const (
	DefaultFlushInterval          = 500 * time.Millisecond // flushIntervalCommitLog
	DefaultFlushLeastPages        = 4                      // flushCommitLogLeastPages
	DefaultFlushThoroughInterval  = 10 * time.Second       // flushCommitLogThoroughInterval
	DefaultCommitInterval         = 200 * time.Millisecond // commitIntervalCommitLog
	DefaultCommitLeastPages       = 4                      // commitCommitLogLeastPages
	DefaultCommitThoroughInterval = 200 * time.Millisecond // commitCommitLogThoroughInterval
)

// IntervalOptions configure an IntervalFlusher. Zero values mean defaults.
type IntervalOptions struct {
	Interval         time.Duration // how often to look; default 500 ms
	LeastPages       int           // dirty pages that make a flush; default 4, negative = any
	ThoroughInterval time.Duration // flush whatever waits this often; default 10 s
}

// IntervalFlusher is ASYNC_FLUSH: it flushes the target on an interval.
// Errors are kept (LastError) and the next round retries.
type IntervalFlusher struct{ periodic }

// NewIntervalFlusher starts flushing t.
func NewIntervalFlusher(t Target, opts IntervalOptions) *IntervalFlusher {
	f := &IntervalFlusher{}
	f.start(
		durationOrDefault(opts.Interval, DefaultFlushInterval),
		durationOrDefault(opts.ThoroughInterval, DefaultFlushThoroughInterval),
		leastPagesOrDefault(opts.LeastPages, DefaultFlushLeastPages),
		t.Flush)
	return f
}

// CommitterOptions configure a Committer. Zero values mean defaults.
type CommitterOptions struct {
	Interval         time.Duration // default 200 ms
	LeastPages       int           // default 4, negative = any
	ThoroughInterval time.Duration // default 200 ms
}

// Committer moves bytes from the transient store pool's buffers into the
// files on an interval, and calls onCommit after a commit that moved bytes
// (the commit log wakes its flusher there).
type Committer struct{ periodic }

// NewCommitter starts committing t.
func NewCommitter(t Target, opts CommitterOptions, onCommit func()) *Committer {
	c := &Committer{}
	c.start(
		durationOrDefault(opts.Interval, DefaultCommitInterval),
		durationOrDefault(opts.ThoroughInterval, DefaultCommitThoroughInterval),
		leastPagesOrDefault(opts.LeastPages, DefaultCommitLeastPages),
		func(leastPages int) error {
			before := t.CommittedOffset()
			err := t.Commit(leastPages)
			if t.CommittedOffset() != before && onCommit != nil {
				onCommit()
			}
			return err
		})
	return c
}
