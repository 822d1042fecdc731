package commitlog

import (
	"errors"
	"fmt"

	"github.com/rocketstore/rocketstore/flush"
	"github.com/rocketstore/rocketstore/mappedfile"
)

var (
	// ErrClosed is returned by every call made after Close.
	ErrClosed = errors.New("commitlog: closed")
	// ErrMessageTooLarge means an encoded record exceeds Options.MaxMessageSize,
	// or a batch does not fit in one file.
	ErrMessageTooLarge = errors.New("commitlog: message too large")
	// ErrMessageIllegal means a message cannot be encoded (empty or too long
	// topic, malformed or too long properties).
	ErrMessageIllegal = errors.New("commitlog: illegal message")
	// ErrFlushTimeout means a sync-flush append was written but not made
	// durable within Options.SyncFlushTimeout. It is flush.ErrFlushTimeout.
	ErrFlushTimeout = flush.ErrFlushTimeout
	// ErrDiskFull means a new file could not be created for lack of space. The
	// log stays readable and consistent; appends succeed again once space is
	// freed. It is mappedfile.ErrDiskFull.
	ErrDiskFull = mappedfile.ErrDiskFull
	// ErrOffsetOutOfRange means a read asked for an offset below the first
	// file or at or beyond the write position.
	ErrOffsetOutOfRange = errors.New("commitlog: offset out of range")
	// ErrNotRecord means a read offset does not point at the start of a record.
	ErrNotRecord = errors.New("commitlog: offset is not the start of a record")
	// ErrInvalidOptions means Options hold a combination the log cannot run.
	ErrInvalidOptions = errors.New("commitlog: invalid options")
	// ErrPoisoned is matched by Log.Err and by every error the log returns
	// once a write or sync of it failed: nothing is acknowledged until the
	// log is reopened. It is mappedfile.ErrPoisoned; errors.As with a
	// *mappedfile.IOError gives the failed operation, file and offset.
	ErrPoisoned = mappedfile.ErrPoisoned
)

// CorruptionError describes a record that failed its framing, offset or CRC
// checks.
type CorruptionError struct {
	Path   string // file holding the record
	Offset int64  // physical offset of the record
	Reason error
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("commitlog: corrupt record at offset %d in %s: %v", e.Offset, e.Path, e.Reason)
}

// Unwrap returns the reason, so errors.Is(err, message.ErrCRCMismatch) works.
func (e *CorruptionError) Unwrap() error { return e.Reason }
