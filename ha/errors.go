package ha

import (
	"errors"
	"fmt"
)

var (
	// ErrClosed is returned by calls made after Close, and by waits that
	// Close cut short.
	ErrClosed = errors.New("ha: closed")
	// ErrSlaveNotAvailable means no connected slave is within
	// MaxGapNotInSync of the master, so a synchronous put cannot be
	// replicated in time (RocketMQ's SLAVE_NOT_AVAILABLE).
	ErrSlaveNotAvailable = errors.New("ha: slave not available")
	// ErrFlushSlaveTimeout means no slave acknowledged the offset within
	// SyncTimeout or the caller's deadline (RocketMQ's FLUSH_SLAVE_TIMEOUT).
	ErrFlushSlaveTimeout = errors.New("ha: flush slave timeout")
	// ErrBadStream is wrapped by every *StreamError: the peer sent something
	// the protocol does not allow, and the connection was closed.
	ErrBadStream = errors.New("ha: bad replication stream")
)

// StreamError describes a frame or report that was rejected. errors.Is
// matches both ErrBadStream and the Reason (message.ErrCRCMismatch for a
// damaged record, for example).
type StreamError struct {
	Offset int64 // the physical offset the problem was found at
	Reason error
}

// Error says what was rejected and where.
func (e *StreamError) Error() string {
	return fmt.Sprintf("%v at offset %d: %v", ErrBadStream, e.Offset, e.Reason)
}

// Unwrap returns ErrBadStream and the reason.
func (e *StreamError) Unwrap() []error { return []error{ErrBadStream, e.Reason} }

// badStream builds a *StreamError with a formatted reason.
func badStream(offset int64, format string, args ...any) error {
	return &StreamError{Offset: offset, Reason: fmt.Errorf(format, args...)}
}
