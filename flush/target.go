package flush

import "errors"

var (
	// ErrFlushTimeout means a sync flush did not cover a waiter in time
	// (RocketMQ's FLUSH_DISK_TIMEOUT).
	ErrFlushTimeout = errors.New("flush: timed out waiting for a sync flush")
	// ErrClosed is returned by calls made after Close.
	ErrClosed = errors.New("flush: closed")
)

// Target is the log being made durable.
type Target interface {
	// Flush makes committed bytes durable if at least leastPages pages wait
	// (0: any).
	Flush(leastPages int) error
	// FlushedOffset is the offset below which every byte is durable.
	FlushedOffset() int64
	// Commit moves written bytes from write buffers into the files if at
	// least leastPages pages wait (0: any); without buffers it does nothing.
	Commit(leastPages int) error
	// CommittedOffset is the offset below which every byte is in the files.
	CommittedOffset() int64
	// MaxOffset is the write position.
	MaxOffset() int64
}
