package commitlog

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
)

// FlushMode says when an append counts as done.
type FlushMode int

const (
	// AsyncFlush acknowledges an append once it is in memory (RocketMQ's
	// ASYNC_FLUSH, the default).
	AsyncFlush FlushMode = iota
	// SyncFlush acknowledges an append once it is durable (SYNC_FLUSH).
	SyncFlush
)

func (m FlushMode) String() string {
	switch m {
	case AsyncFlush:
		return "ASYNC_FLUSH"
	case SyncFlush:
		return "SYNC_FLUSH"
	}
	return fmt.Sprintf("FlushMode(%d)", int(m))
}

// Defaults equal RocketMQ's where the concept is the same.
const (
	DefaultFileSize               = 1 << 30 // mappedFileSizeCommitLog
	DefaultMaxMessageSize         = 4 << 20 // maxMessageSize
	DefaultFlushInterval          = 500 * time.Millisecond
	DefaultFlushLeastPages        = 4
	DefaultFlushThoroughInterval  = 10 * time.Second
	DefaultSyncFlushTimeout       = 5 * time.Second
	DefaultTransientStorePoolSize = 5
	DefaultCommitInterval         = 200 * time.Millisecond
	DefaultCommitLeastPages       = 4
	DefaultCommitThoroughInterval = 200 * time.Millisecond
	DefaultPrewarmFlushPages      = 4096 // flushLeastPagesWhenWarmMapedFile
	// DefaultFlushStallThreshold is how slow a commit or flush must be to
	// be reported: RocketMQ logs flushes that took more than 500 ms.
	DefaultFlushStallThreshold = 500 * time.Millisecond
)

// DefaultStoreHost is the store host written into records when
// Options.StoreHost is not set: the broker's default listen address.
var DefaultStoreHost = netip.MustParseAddrPort("127.0.0.1:10911")

// QueueOffsetAssigner hands out consume-queue offsets. The log calls it under
// its append lock, once per record, only once the record is certain to be
// written, so an implementation may increment its counter right away.
type QueueOffsetAssigner interface {
	AssignQueueOffset(m *message.Message) int64
}

// Options configure a Log. Zero values mean the documented defaults.
type Options struct {
	// FileSize is the size of each file in bytes. Default 1 GiB.
	FileSize int
	// MaxMessageSize bounds one encoded record, in bytes. Default 4 MiB.
	MaxMessageSize int
	// FlushMode is AsyncFlush (default) or SyncFlush.
	FlushMode FlushMode
	// FlushInterval is how often the async flusher wakes. Default 500 ms.
	FlushInterval time.Duration
	// FlushLeastPages is how many dirty 4 KiB pages make the async flusher
	// flush. Default 4; negative means any dirty byte.
	FlushLeastPages int
	// FlushThoroughInterval forces an async flush whatever the page count;
	// at least FlushInterval. Default 10 s.
	FlushThoroughInterval time.Duration
	// SyncFlushTimeout bounds a sync-flush wait. Default 5 s.
	SyncFlushTimeout time.Duration
	// GroupCommitLinger bounds how long the group commit waits for the
	// appenders it just woke before its next fsync. Default 1 ms; negative
	// disables. It ends as soon as they are back.
	GroupCommitLinger time.Duration

	// TransientStorePool writes records to pre-allocated buffers that a
	// committer writes into the files (pwrite, every CommitInterval, and
	// before every group-commit flush under SyncFlush). Appends then never
	// fault on the mapped file. Default off.
	TransientStorePool bool
	// TransientStorePoolSize is the number of buffers. Default 5.
	TransientStorePoolSize int
	// TransientStorePoolLock mlocks the buffers (best effort: a low
	// RLIMIT_MEMLOCK leaves them unlocked). Default off.
	TransientStorePoolLock bool
	// CommitInterval, CommitLeastPages and CommitThoroughInterval drive the
	// committer. Defaults 200 ms, 4 pages (negative: any byte), 200 ms; the
	// thorough interval is at least the interval.
	CommitInterval         time.Duration
	CommitLeastPages       int
	CommitThoroughInterval time.Duration

	// Prewarm touches every page of a new file before it is used (and with
	// Mlock, locks it). Default off.
	Prewarm bool
	// Mlock locks prewarmed files in memory and advises the kernel to keep
	// them; it needs Prewarm. Default off.
	Mlock bool
	// DisablePreallocate stops the log from creating the next file in the
	// background. Default: preallocate.
	DisablePreallocate bool

	// SkipCRCOnRecover skips body CRC checks during recovery (framing,
	// offsets, topics and properties are still checked). Default: check.
	SkipCRCOnRecover bool
	// RecoverFrom, when positive, makes recovery's scan start no later than
	// the file holding this offset (the first file when it lies below
	// them all), rather than only from the third-last file. Pass the lower
	// of the offset from which you will re-dispatch (so that every record
	// re-read has been checked) and the log's flushed offset as last
	// recorded: after a power loss the kernel may have written back pages of
	// later files but not of earlier ones, so a hole can lie anywhere past
	// the last flush, not only in the last three files.
	RecoverFrom int64
	// CleanShutdown tells recovery that the log was closed cleanly (the
	// caller keeps a marker, as a store does): nothing was written past the
	// recovered end, so the rest of the last file is not cleared, which
	// saves clearing the unused part of a 1 GiB file at every start. Leave
	// it false unless you know.
	CleanShutdown bool

	// StoreHost is written into every record and into message ids.
	// Default 127.0.0.1:10911.
	StoreHost netip.AddrPort
	// QueueOffsets assigns consume-queue offsets; nil writes 0.
	QueueOffsets QueueOffsetAssigner
	// FS is the file system; nil means the real one (mappedfile.OSFS).
	FS mappedfile.FS
	// Now returns the store timestamp; nil means the wall clock, read once
	// per append (or batch) under the append lock.
	Now func() time.Time

	// FlushStallThreshold is how long a commit or flush round may take
	// before it is reported (Events.OnFlushStall and a log line). Default
	// 500 ms; negative reports none.
	FlushStallThreshold time.Duration
	// Events receive what the log's background work cannot return to a
	// caller. Optional.
	Events Events
	// Logger receives the same reports as log lines; nil means
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults returns a copy of o with every zero field set to its
// default.
func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	setDefault(&r.FileSize, DefaultFileSize)
	setDefault(&r.MaxMessageSize, DefaultMaxMessageSize)
	setDefault(&r.FlushInterval, DefaultFlushInterval)
	setDefault(&r.FlushLeastPages, DefaultFlushLeastPages)
	setDefault(&r.FlushThoroughInterval, DefaultFlushThoroughInterval)
	setDefault(&r.SyncFlushTimeout, DefaultSyncFlushTimeout)
	setDefault(&r.TransientStorePoolSize, DefaultTransientStorePoolSize)
	setDefault(&r.CommitInterval, DefaultCommitInterval)
	setDefault(&r.CommitLeastPages, DefaultCommitLeastPages)
	setDefault(&r.CommitThoroughInterval, DefaultCommitThoroughInterval)
	setDefault(&r.FlushStallThreshold, DefaultFlushStallThreshold)
	if !r.StoreHost.IsValid() {
		r.StoreHost = DefaultStoreHost
	}
	if r.FS == nil {
		r.FS = mappedfile.OSFS
	}
	if r.Logger == nil {
		r.Logger = slog.Default()
	}
	return r
}

// Validate reports every problem of the options, as Open would use them
// (defaults applied), at once: errors.Join of errors that each wrap
// ErrInvalidOptions. A nil o is valid.
func (o *Options) Validate() error {
	r := o.withDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...))
	}
	if r.FileSize < 4096 {
		bad("FileSize %d is below one page", r.FileSize)
	}
	if r.MaxMessageSize < 0 {
		bad("MaxMessageSize %d is negative", r.MaxMessageSize)
	} else if r.MaxMessageSize+message.MinBlankSize > r.FileSize {
		bad("MaxMessageSize %d does not fit in FileSize %d with a filler header", r.MaxMessageSize, r.FileSize)
	}
	if r.FlushMode != AsyncFlush && r.FlushMode != SyncFlush {
		bad("unknown %v", r.FlushMode)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"FlushInterval", r.FlushInterval}, {"FlushThoroughInterval", r.FlushThoroughInterval},
		{"SyncFlushTimeout", r.SyncFlushTimeout}, {"CommitInterval", r.CommitInterval},
		{"CommitThoroughInterval", r.CommitThoroughInterval},
	} {
		if d.v < 0 {
			bad("%s %v is negative", d.name, d.v)
		}
	}
	if r.FlushThoroughInterval < r.FlushInterval {
		bad("FlushThoroughInterval %v is shorter than FlushInterval %v", r.FlushThoroughInterval, r.FlushInterval)
	}
	if r.TransientStorePool && r.CommitThoroughInterval < r.CommitInterval {
		bad("CommitThoroughInterval %v is shorter than CommitInterval %v", r.CommitThoroughInterval, r.CommitInterval)
	}
	if r.TransientStorePoolSize < 0 {
		bad("TransientStorePoolSize %d is negative", r.TransientStorePoolSize)
	}
	if r.TransientStorePoolLock && !r.TransientStorePool {
		bad("TransientStorePoolLock without TransientStorePool")
	}
	if r.Mlock && !r.Prewarm {
		bad("Mlock locks prewarmed files: it needs Prewarm")
	}
	if r.RecoverFrom < 0 {
		bad("RecoverFrom %d is negative", r.RecoverFrom)
	}
	return errors.Join(errs...)
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}
