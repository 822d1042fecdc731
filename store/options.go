package store

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
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

// ErrInvalidOptions reports options that cannot work.
var ErrInvalidOptions = errors.New("store: invalid options")

func (o *Options) withDefaults() (Options, error) {
	var r Options
	if o != nil {
		r = *o
	}
	setDefault(&r.FlushConsumeQueueInterval, DefaultFlushConsumeQueueInterval)
	setDefault(&r.FlushConsumeQueueLeastPages, DefaultFlushConsumeQueueLeastPages)
	setDefault(&r.FlushConsumeQueueThorough, DefaultFlushConsumeQueueThorough)
	setDefault(&r.CleanResourceInterval, DefaultCleanResourceInterval)
	setDefault(&r.FileReservedTime, DefaultFileReservedTime)
	setDefault(&r.DiskMaxUsedSpaceRatio, DefaultDiskMaxUsedSpaceRatio)
	setDefault(&r.DiskSpaceCleanForciblyRatio, DefaultDiskSpaceCleanForciblyRatio)
	setDefault(&r.DiskSpaceWarningLevelRatio, DefaultDiskSpaceWarningLevelRatio)
	setDefault(&r.DeleteFileBatchMax, DefaultDeleteFileBatchMax)
	setDefault(&r.DeleteFilesInterval, DefaultDeleteFilesInterval)
	setDefault(&r.DestroyForciblyAfter, DefaultDestroyForciblyAfter)
	setDefault(&r.MaxTransferBytesInMemory, DefaultMaxTransferBytesInMemory)
	setDefault(&r.MaxTransferCountInMemory, DefaultMaxTransferCountInMemory)
	setDefault(&r.MaxTransferBytesOnDisk, DefaultMaxTransferBytesOnDisk)
	setDefault(&r.MaxTransferCountOnDisk, DefaultMaxTransferCountOnDisk)
	setDefault(&r.AccessInMemoryMaxRatio, DefaultAccessInMemoryMaxRatio)
	if r.CacheBytes == 0 {
		r.CacheBytes = DefaultCacheBytes
	}
	if r.DelayLevels == "" {
		r.DelayLevels = DefaultDelayLevels
	}
	if _, err := ParseDelayLevels(r.DelayLevels); err != nil {
		return r, err
	}
	if r.DeleteWhen == "" {
		r.DeleteWhen = DefaultDeleteWhen
	}
	if _, err := parseHours(r.DeleteWhen); err != nil {
		return r, err
	}
	for _, p := range []int{r.DiskMaxUsedSpaceRatio, r.DiskSpaceCleanForciblyRatio, r.DiskSpaceWarningLevelRatio, r.AccessInMemoryMaxRatio} {
		if p > 100 || p < 0 {
			return r, fmt.Errorf("%w: ratio %d%% outside 0..100", ErrInvalidOptions, p)
		}
	}
	if r.FS == nil {
		r.FS = mappedfile.OSFS
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.DiskUsage == nil {
		r.DiskUsage = diskUsage
	}
	if r.MemoryBytes <= 0 {
		r.MemoryBytes = physicalMemory()
	}
	return r, nil
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
