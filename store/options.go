package store

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/consumequeue"
	"github.com/rocketstore/rocketstore/index"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// Defaults, equal to RocketMQ's MessageStoreConfig where the concept is the
// same.
const (
	DefaultFlushConsumeQueueInterval   = time.Second      // flushIntervalConsumeQueue
	DefaultFlushConsumeQueueLeastPages = 2                // flushConsumeQueueLeastPages
	DefaultFlushConsumeQueueThorough   = time.Minute      // flushConsumeQueueThoroughInterval
	DefaultCleanResourceInterval       = 10 * time.Second // cleanResourceInterval
	DefaultFileReservedTime            = 72 * time.Hour   // fileReservedTime
	DefaultDeleteWhen                  = "04"             // deleteWhen
	DefaultDiskMaxUsedSpaceRatio       = 75               // diskMaxUsedSpaceRatio
	DefaultDiskSpaceCleanForciblyRatio = 85               // diskSpaceCleanForciblyRatio
	DefaultDiskSpaceWarningLevelRatio  = 90               // diskSpaceWarningLevelRatio
	DefaultDeleteFileBatchMax          = 10               // deleteFileBatchMax
	DefaultDeleteFilesInterval         = 100 * time.Millisecond
	DefaultDestroyForciblyAfter        = 120 * time.Second // destroyMapedFileIntervalForcibly
	DefaultCacheBytes                  = 64 << 20
	DefaultMaxTransferBytesInMemory    = 256 << 10 // maxTransferBytesOnMessageInMemory
	DefaultMaxTransferCountInMemory    = 32        // maxTransferCountOnMessageInMemory
	DefaultMaxTransferBytesOnDisk      = 64 << 10  // maxTransferBytesOnMessageInDisk
	DefaultMaxTransferCountOnDisk      = 8         // maxTransferCountOnMessageInDisk
	DefaultAccessInMemoryMaxRatio      = 40        // accessMessageInMemoryMaxRatio, percent of RAM
)

// Options configure a MessageStore. Zero values mean defaults.
type Options struct {
	// CommitLog configures the commit log (file size, flush mode, pool...).
	// The store sets its QueueOffsets, FS and Now.
	CommitLog commitlog.Options

	// ConsumeQueueUnitsPerFile sizes consume-queue files. Default 300,000.
	ConsumeQueueUnitsPerFile int
	// IndexSlotCount and IndexMaxEntries size index files. Defaults
	// 5,000,000 and 20,000,000.
	IndexSlotCount, IndexMaxEntries int
	// DisableIndex turns the key index off (no QueryMessage).
	DisableIndex bool
	// HoldUnconfirmed dispatches only records below the confirm offset
	// (SetConfirmOffset): what every replica in the SyncStateSet holds, so
	// that consumers never see a record a failover could take back, as
	// RocketMQ 5's controller mode. Until the first SetConfirmOffset after
	// Open, the limit is the confirm offset the checkpoint recorded.
	// Default off: records are dispatched as they are written.
	HoldUnconfirmed bool

	// FlushConsumeQueueInterval, ...LeastPages and ...Thorough drive the
	// flusher of consume queues and index, which also writes the checkpoint.
	// Defaults 1 s, 2 pages, 60 s.
	FlushConsumeQueueInterval   time.Duration
	FlushConsumeQueueLeastPages int
	FlushConsumeQueueThorough   time.Duration

	// CleanResourceInterval is how often expired files are looked for.
	// Default 10 s; negative disables the cleanup service.
	CleanResourceInterval time.Duration
	// FileReservedTime is how long a commit-log file is kept after its last
	// write. Default 72 h.
	FileReservedTime time.Duration
	// DeleteWhen lists the hours (two digits, ";"-separated) at which
	// expired files are deleted without disk pressure. Default "04".
	DeleteWhen string
	// DiskMaxUsedSpaceRatio (percent) makes expired files go at any hour;
	// DiskSpaceCleanForciblyRatio makes files go even before they expire;
	// DiskSpaceWarningLevelRatio makes the store refuse writes. Defaults
	// 75, 85, 90.
	DiskMaxUsedSpaceRatio       int
	DiskSpaceCleanForciblyRatio int
	DiskSpaceWarningLevelRatio  int
	// DisableCleanForcibly keeps unexpired files even above the forced
	// ratio.
	DisableCleanForcibly bool
	// DeleteFileBatchMax bounds the files deleted per round. Default 10.
	DeleteFileBatchMax int
	// DeleteFilesInterval separates deletions in a round. Default 100 ms.
	DeleteFilesInterval time.Duration
	// DestroyForciblyAfter is how long a file a reader holds is waited for
	// before it is unmapped anyway. Default 120 s.
	DestroyForciblyAfter time.Duration
	// DiskUsage returns the used fraction (0..1) of the disk holding dir.
	// Default: statfs.
	DiskUsage func(dir string) (float64, error)

	// CacheBytes bounds the lookup cache (key queries and message-id
	// lookups). Default 64 MiB; negative disables it.
	CacheBytes int64

	// MaxTransferBytesInMemory etc. bound one GetMessage, as RocketMQ's
	// maxTransfer*OnMessageIn{Memory,Disk}. Defaults 256 KiB / 32 messages
	// for data in memory, 64 KiB / 8 for data on disk.
	MaxTransferBytesInMemory, MaxTransferCountInMemory int
	MaxTransferBytesOnDisk, MaxTransferCountOnDisk     int
	// AccessInMemoryMaxRatio (percent of MemoryBytes) is how far behind the
	// log's end data counts as still in memory; a pull reaching older data
	// is told to read from a slave. Default 40.
	AccessInMemoryMaxRatio int
	// MemoryBytes is the physical memory. Default: read from the system.
	MemoryBytes int64
	// SkipCRCOnRead serves pulled records without checking their body CRC.
	// Default: check, so a damaged record is never served.
	SkipCRCOnRead bool

	// DelayLevels is RocketMQ's messageDelayLevel: the delay of each level
	// a message's DELAY property can ask for. Default DefaultDelayLevels.
	DelayLevels string

	// OnArrival is told about every message dispatched to a consume queue
	// (for long polling). It runs on the dispatcher goroutine: keep it short.
	OnArrival func(Arrival)
	// OnAppend is called after every put that appended records, on the
	// putting goroutine, once they can be read from the commit log (a
	// master wakes its replication senders with it). Keep it short.
	OnAppend func()

	// FlushStallThreshold is how long a flush of the commit log, consume
	// queues or index may take before it is reported as a stall (the commit
	// log's own CommitLog.FlushStallThreshold, when set, wins for it).
	// Default 500 ms; negative reports none.
	FlushStallThreshold time.Duration

	// Logger receives the store's log lines; nil means slog.Default().
	Logger *slog.Logger
	// Events, when set, is told about recoveries, file rolls, cleanups,
	// flush stalls and background errors, besides the log lines.
	Events *EventListener

	// FS is the file system; nil means mappedfile.OSFS.
	FS mappedfile.FS
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Arrival tells a listener that a consume queue grew.
type Arrival struct {
	Topic          string
	QueueID        int32
	MaxOffset      int64 // the queue's logical end after this message
	TagsCode       int64
	StoreTimestamp int64
}

// DefaultFlushStallThreshold is how long a flush may take before it is
// reported as a stall (EventListener.FlushStalled and a log line): the
// commit log's.
const DefaultFlushStallThreshold = commitlog.DefaultFlushStallThreshold

// ErrInvalidOptions reports options that cannot work.
var ErrInvalidOptions = errors.New("store: invalid options")

// WithDefaults returns a copy of o with every zero field set to its
// default (the clock, file system, disk-usage probe, memory size and logger
// included).
func (o Options) WithDefaults() Options {
	setDefault(&o.FlushConsumeQueueInterval, DefaultFlushConsumeQueueInterval)
	setDefault(&o.FlushConsumeQueueLeastPages, DefaultFlushConsumeQueueLeastPages)
	setDefault(&o.FlushConsumeQueueThorough, DefaultFlushConsumeQueueThorough)
	setDefault(&o.CleanResourceInterval, DefaultCleanResourceInterval)
	setDefault(&o.FileReservedTime, DefaultFileReservedTime)
	setDefault(&o.DiskMaxUsedSpaceRatio, DefaultDiskMaxUsedSpaceRatio)
	setDefault(&o.DiskSpaceCleanForciblyRatio, DefaultDiskSpaceCleanForciblyRatio)
	setDefault(&o.DiskSpaceWarningLevelRatio, DefaultDiskSpaceWarningLevelRatio)
	setDefault(&o.DeleteFileBatchMax, DefaultDeleteFileBatchMax)
	setDefault(&o.DeleteFilesInterval, DefaultDeleteFilesInterval)
	setDefault(&o.DestroyForciblyAfter, DefaultDestroyForciblyAfter)
	setDefault(&o.MaxTransferBytesInMemory, DefaultMaxTransferBytesInMemory)
	setDefault(&o.MaxTransferCountInMemory, DefaultMaxTransferCountInMemory)
	setDefault(&o.MaxTransferBytesOnDisk, DefaultMaxTransferBytesOnDisk)
	setDefault(&o.MaxTransferCountOnDisk, DefaultMaxTransferCountOnDisk)
	setDefault(&o.AccessInMemoryMaxRatio, DefaultAccessInMemoryMaxRatio)
	setDefault(&o.FlushStallThreshold, DefaultFlushStallThreshold)
	if o.CacheBytes == 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	if o.DelayLevels == "" {
		o.DelayLevels = DefaultDelayLevels
	}
	if o.DeleteWhen == "" {
		o.DeleteWhen = DefaultDeleteWhen
	}
	if o.FS == nil {
		o.FS = mappedfile.OSFS
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.DiskUsage == nil {
		o.DiskUsage = diskUsage
	}
	if o.MemoryBytes <= 0 {
		o.MemoryBytes = physicalMemory()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// consumeQueueOptions are the options of every consume queue; their late
// background errors go to onError.
func (o *Options) consumeQueueOptions(cleanShutdown bool, onError func(error)) consumequeue.Options {
	return consumequeue.Options{UnitsPerFile: o.ConsumeQueueUnitsPerFile, FS: o.FS, CleanShutdown: cleanShutdown, OnBackgroundError: onError}
}

// indexOptions are the options of the key index.
func (o *Options) indexOptions() index.Options {
	return index.Options{SlotCount: o.IndexSlotCount, MaxEntries: o.IndexMaxEntries, FS: o.FS, Now: o.Now}
}

// Validate reports every problem of o (with defaults applied) at once, each
// matching ErrInvalidOptions (the consume-queue and index options' problems
// match their packages' ErrInvalidOptions too). The commit log checks its
// own options when it opens.
func (o Options) Validate() error {
	o = o.WithDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...))
	}
	for _, r := range []struct {
		name  string
		value int
	}{
		{"DiskMaxUsedSpaceRatio", o.DiskMaxUsedSpaceRatio},
		{"DiskSpaceCleanForciblyRatio", o.DiskSpaceCleanForciblyRatio},
		{"DiskSpaceWarningLevelRatio", o.DiskSpaceWarningLevelRatio},
		{"AccessInMemoryMaxRatio", o.AccessInMemoryMaxRatio},
	} {
		if r.value < 1 || r.value > 100 {
			bad("%s %d%% is outside 1..100", r.name, r.value)
		}
	}
	// Cleanup escalates with disk usage: expired files at any hour, then
	// unexpired ones, then refused writes. Out of order, writes would be
	// refused before cleanup ever tried to make room.
	if o.DiskMaxUsedSpaceRatio > o.DiskSpaceCleanForciblyRatio || o.DiskSpaceCleanForciblyRatio > o.DiskSpaceWarningLevelRatio {
		bad("disk ratios must not decrease: DiskMaxUsedSpaceRatio %d%% <= DiskSpaceCleanForciblyRatio %d%% <= DiskSpaceWarningLevelRatio %d%%",
			o.DiskMaxUsedSpaceRatio, o.DiskSpaceCleanForciblyRatio, o.DiskSpaceWarningLevelRatio)
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"FlushConsumeQueueInterval", o.FlushConsumeQueueInterval},
		{"FlushConsumeQueueThorough", o.FlushConsumeQueueThorough},
		{"FileReservedTime", o.FileReservedTime},
		{"DeleteFilesInterval", o.DeleteFilesInterval},
	} {
		if d.value < 0 {
			bad("%s %v is negative", d.name, d.value)
		}
	}
	for _, n := range []struct {
		name  string
		value int
	}{
		{"FlushConsumeQueueLeastPages", o.FlushConsumeQueueLeastPages},
		{"DeleteFileBatchMax", o.DeleteFileBatchMax},
		{"MaxTransferBytesInMemory", o.MaxTransferBytesInMemory},
		{"MaxTransferCountInMemory", o.MaxTransferCountInMemory},
		{"MaxTransferBytesOnDisk", o.MaxTransferBytesOnDisk},
		{"MaxTransferCountOnDisk", o.MaxTransferCountOnDisk},
	} {
		if n.value < 0 {
			bad("%s %d is negative", n.name, n.value)
		}
	}
	if _, err := ParseDelayLevels(o.DelayLevels); err != nil {
		errs = append(errs, err)
	}
	if _, err := parseHours(o.DeleteWhen); err != nil {
		errs = append(errs, err)
	}
	if err := o.consumeQueueOptions(false, nil).Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrInvalidOptions, err))
	}
	if !o.DisableIndex {
		if err := o.indexOptions().Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%w: %w", ErrInvalidOptions, err))
		}
	}
	return errors.Join(errs...)
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// parseHours parses DeleteWhen ("04" or "04;16").
func parseHours(s string) ([]int, error) {
	var hours []int
	for part := range strings.SplitSeq(s, ";") {
		h, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || h < 0 || h > 23 {
			return nil, fmt.Errorf("%w: DeleteWhen %q: hours are 00..23 separated by ';'", ErrInvalidOptions, s)
		}
		hours = append(hours, h)
	}
	return hours, nil
}
