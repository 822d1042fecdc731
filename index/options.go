package index

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// Defaults equal RocketMQ's (maxHashSlotNum, maxIndexNum).
const (
	DefaultSlotCount  = 5_000_000
	DefaultMaxEntries = 20_000_000
)

// ErrInvalidOptions reports options that cannot work.
var ErrInvalidOptions = errors.New("index: invalid options")

// Options configure a Service. Zero values mean the documented defaults.
type Options struct {
	// SlotCount is the number of hash slots per file (maxHashSlotNum).
	// Default 5,000,000.
	SlotCount int
	// MaxEntries is the number of entries per file (maxIndexNum), entry 0
	// included. Default 20,000,000.
	MaxEntries int
	// FS is the file system; nil means mappedfile.OSFS.
	FS mappedfile.FS
	// Now names new files; nil means time.Now.
	Now func() time.Time
	// OnRoll, when set, is told the path of every file created after the
	// first, once the full one before it was flushed (err is that flush's
	// outcome). It runs on the goroutine that put the entry.
	OnRoll func(path string, err error)
}

// WithDefaults returns a copy of o with every zero field set to its
// default.
func (o Options) WithDefaults() Options {
	if o.SlotCount == 0 {
		o.SlotCount = DefaultSlotCount
	}
	if o.MaxEntries == 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.FS == nil {
		o.FS = mappedfile.OSFS
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Validate reports every problem of o (with defaults applied) at once; each
// matches ErrInvalidOptions.
func (o Options) Validate() error {
	o = o.WithDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...))
	}
	if o.SlotCount < 1 {
		bad("SlotCount %d is below 1", o.SlotCount)
	}
	// Entry numbers are 32-bit, and entry 0 is never used.
	if o.MaxEntries < 2 || o.MaxEntries > math.MaxInt32 {
		bad("MaxEntries %d is outside 2..%d", o.MaxEntries, math.MaxInt32)
	}
	if o.SlotCount >= 1 && o.MaxEntries >= 2 && int64(FileSize(o.SlotCount, o.MaxEntries)) > math.MaxInt32 {
		// A mapping of more than 2 GiB does not fit every platform's int.
		bad("SlotCount %d and MaxEntries %d make a file of %d bytes, above 2 GiB", o.SlotCount, o.MaxEntries, FileSize(o.SlotCount, o.MaxEntries))
	}
	return errors.Join(errs...)
}
