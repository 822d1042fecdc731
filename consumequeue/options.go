package consumequeue

import (
	"errors"
	"fmt"
	"math"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// ErrInvalidOptions reports options that cannot work.
var ErrInvalidOptions = errors.New("consumequeue: invalid options")

// Options configure a Queue. Zero values mean the documented defaults.
type Options struct {
	// UnitsPerFile sets the file size (UnitsPerFile*20 bytes). Default
	// 300,000 (RocketMQ's mappedFileSizeConsumeQueue of 6,000,000 bytes).
	UnitsPerFile int
	// FS is the file system; nil means mappedfile.OSFS.
	FS mappedfile.FS
	// CleanShutdown tells recovery that the queue was closed cleanly, so
	// the unused rest of its last file need not be cleared (see
	// commitlog.Options.CleanShutdown). Default false.
	CleanShutdown bool
	// OnBackgroundError receives the errors no caller can be given:
	// unmapping or removing a file once its last reader lets go. Nil logs
	// them with slog.Default(). It must not block or call into the queue.
	OnBackgroundError func(error)
}

// WithDefaults returns a copy of o with every zero field set to its
// default.
func (o Options) WithDefaults() Options {
	if o.UnitsPerFile == 0 {
		o.UnitsPerFile = DefaultUnitsPerFile
	}
	if o.FS == nil {
		o.FS = mappedfile.OSFS
	}
	return o
}

// Validate reports every problem of o (with defaults applied) at once; each
// matches ErrInvalidOptions.
func (o Options) Validate() error {
	o = o.WithDefaults()
	// A file is one mapping, which must fit every platform's int.
	if o.UnitsPerFile < 1 || o.UnitsPerFile > math.MaxInt32/UnitSize {
		return fmt.Errorf("%w: UnitsPerFile %d is outside 1..%d", ErrInvalidOptions, o.UnitsPerFile, math.MaxInt32/UnitSize)
	}
	return nil
}
