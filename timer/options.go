package timer

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// Defaults, RocketMQ's where the concept is the same (MessageStoreConfig).
const (
	DefaultPrecision     = time.Second            // timerPrecisionMs
	DefaultMaxDelay      = 3 * 24 * time.Hour     // timerMaxDelaySec
	DefaultLogFileSize   = 100 << 20              // mappedFileSizeTimerLog, rounded down to whole units
	DefaultFlushInterval = time.Second            // timerFlushIntervalMs: how often the checkpoint is written
	DefaultPollInterval  = 100 * time.Millisecond // how often the timer topic is read when nothing wakes the timer
	DefaultParallelism   = 16                     // deliveries in flight at once
	DefaultBatchUnits    = 1 << 14                // units taken from a slot at once
)

// Limits on the wheel's geometry: one slot per Precision, enough for twice
// MaxDelay, at most maxSlots (a 768 MiB wheel file).
const (
	minPrecision = time.Millisecond
	maxPrecision = time.Minute
	maxSlots     = 1 << 25
	blankSlots   = 60 // slack beyond twice MaxDelay, as RocketMQ's TIMER_BLANK_SLOTS
)

// ErrInvalidOptions is wrapped by every error Validate returns.
var ErrInvalidOptions = errors.New("timer: invalid options")

// Options configure a Timer. Zero values mean the documented defaults.
type Options struct {
	// Precision is the width of a wheel slot: the timers of one slot are
	// found together, and each is then delivered at its own time. Default
	// 1 s; from 1 ms to 1 min. It is kept in the checkpoint: a timer that
	// holds pending messages goes on with the precision it has.
	Precision time.Duration
	// MaxDelay is the longest delay a send may ask for (Rewrite refuses a
	// longer one). Default 3 days. The wheel has slots for twice as long.
	MaxDelay time.Duration
	// Disabled turns timer messages off, as timerWheelEnable=false:
	// Rewrite refuses a message with timer properties. Default: on.
	Disabled bool
	// LogFileSize is the size of a timer-log file in bytes, rounded down to
	// a whole number of units. Default 100 MiB.
	LogFileSize int
	// FlushInterval is how often progress is made durable (the checkpoint,
	// after the commit log and the timer log). Default 1 s.
	FlushInterval time.Duration
	// PollInterval is how often the timer topic is read when Notify is not
	// called. Default 100 ms.
	PollInterval time.Duration
	// Parallelism bounds the deliveries in flight at once (puts wait for
	// the store's flush under SYNC_FLUSH). Default 16.
	Parallelism int
	// BatchUnits bounds the units of one slot held in memory at once;
	// a slot holding more is walked in several rounds. Default 16,384.
	BatchUnits int
	// FS is the file system of the timer's files. Default mappedfile.OSFS.
	FS mappedfile.FS
	// Logger receives the timer's log lines. Default slog.Default().
	Logger *slog.Logger
}

// Validate reports the first setting that cannot work, wrapping
// ErrInvalidOptions. Zero values are valid (they mean defaults).
func (o *Options) Validate() error {
	_, err := o.withDefaults()
	return err
}

func (o *Options) withDefaults() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	setDefault(&r.Precision, DefaultPrecision)
	setDefault(&r.MaxDelay, DefaultMaxDelay)
	setDefault(&r.LogFileSize, DefaultLogFileSize)
	r.LogFileSize -= r.LogFileSize % UnitSize
	setDefault(&r.FlushInterval, DefaultFlushInterval)
	setDefault(&r.PollInterval, DefaultPollInterval)
	setDefault(&r.Parallelism, DefaultParallelism)
	setDefault(&r.BatchUnits, DefaultBatchUnits)
	if r.FS == nil {
		r.FS = mappedfile.OSFS
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	switch {
	case r.Precision < minPrecision || r.Precision > maxPrecision || r.Precision%time.Millisecond != 0:
		return r, fmt.Errorf("%w: Precision %v: want whole milliseconds from %v to %v", ErrInvalidOptions, r.Precision, minPrecision, maxPrecision)
	case r.MaxDelay < 0:
		return r, fmt.Errorf("%w: MaxDelay %v is negative", ErrInvalidOptions, r.MaxDelay)
	case wheelSlots(r.MaxDelay, r.Precision) > maxSlots:
		return r, fmt.Errorf("%w: MaxDelay %v at Precision %v needs %d wheel slots, max %d", ErrInvalidOptions, r.MaxDelay, r.Precision, wheelSlots(r.MaxDelay, r.Precision), maxSlots)
	case r.LogFileSize < UnitSize:
		return r, fmt.Errorf("%w: LogFileSize %d holds no unit of %d bytes", ErrInvalidOptions, r.LogFileSize, UnitSize)
	case r.FlushInterval < 0 || r.PollInterval < 0:
		return r, fmt.Errorf("%w: negative FlushInterval or PollInterval", ErrInvalidOptions)
	case r.Parallelism < 0 || r.BatchUnits < 0:
		return r, fmt.Errorf("%w: negative Parallelism or BatchUnits", ErrInvalidOptions)
	}
	return r, nil
}

// wheelSlots is how many slots a wheel needs for maxDelay at precision.
func wheelSlots(maxDelay, precision time.Duration) int64 {
	return 2*int64((maxDelay+precision-1)/precision) + blankSlots
}

// setDefault replaces a zero value (only: a negative one is an error
// Validate reports) with its default.
func setDefault[T int | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}
