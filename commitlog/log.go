package commitlog

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/rocketstore/rocketstore/flush"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// Log is an open commit log. See the package documentation.
type Log struct {
	opts  Options
	dir   string
	files *mappedfile.Queue

	// appendMu is the append lock: it orders records in the log and guards
	// the queue-offset assigner. No I/O that waits on another goroutine
	// happens under it.
	appendMu sync.Mutex
	lockedAt atomic.Int64 // unix nanoseconds when an append took appendMu; 0 while free
	closed   atomic.Bool

	flusher     *flush.IntervalFlusher // every mode: async flush, and the fallback for WAIT=false under sync flush
	groupCommit *flush.GroupCommit     // SyncFlush only
	committer   *flush.Committer       // transient store pool only
	pool        *flush.TransientStorePool

	report   *reporter
	recovery RecoveryReport
}

// Open opens (creating if needed) the commit log in dir, recovers it, and
// starts its flush services. A nil opts means all defaults.
func Open(dir string, opts *Options) (*Log, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	l := &Log{opts: o, dir: dir, report: newReporter(&o, dir)}
	qopts := mappedfile.QueueOptions{
		FileSize:          o.FileSize,
		FS:                o.FS,
		Preallocate:       !o.DisablePreallocate,
		Prewarm:           o.Prewarm,
		Mlock:             o.Mlock,
		OnBackgroundError: l.report.background,
		OnPoisoned:        l.report.poisoned,
	}
	if o.Prewarm && o.FlushMode == SyncFlush {
		qopts.PrewarmFlushPages = DefaultPrewarmFlushPages
	}
	var err error
	if o.TransientStorePool {
		l.pool, err = flush.NewTransientStorePool(flush.PoolOptions{
			Size:           o.TransientStorePoolSize,
			BufferSize:     o.FileSize,
			Lock:           o.TransientStorePoolLock,
			BestEffortLock: o.TransientStorePoolLock,
		})
		if err != nil {
			return nil, fmt.Errorf("commitlog: transient store pool: %w", err)
		}
		qopts.WriteBuffers = l.pool
	}
	l.files, err = mappedfile.OpenQueue(dir, qopts)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("commitlog: open %s: %w", dir, err), l.closePool())
	}
	if l.recovery, err = recoverLog(l.files, !o.SkipCRCOnRecover, o.RecoverFrom, o.CleanShutdown); err != nil {
		return nil, errors.Join(err, l.files.Close(), l.closePool())
	}
	// Prepare the file the next append goes to (and start preallocating the
	// one after), so the first append does not create, or prewarm, a file.
	// A failure (a full disk) is not fatal here: Append meets it again and
	// reports it to its caller.
	if _, err := l.files.Writable(l.files.MaxOffset()); err != nil {
		o.Logger.Warn("commitlog: no file to append to yet", "dir", dir, "err", err)
	}
	if err := l.startServices(); err != nil {
		return nil, errors.Join(err, l.stopServices())
	}
	return l, nil
}

// startServices starts the flush services the options ask for. On error
// the caller stops those that started (stopServices).
func (l *Log) startServices() error {
	o := &l.opts
	var err error
	l.flusher, err = flush.NewIntervalFlusher(l.files, flush.IntervalOptions{
		Interval:         o.FlushInterval,
		LeastPages:       o.FlushLeastPages,
		ThoroughInterval: o.FlushThoroughInterval,
		Hooks:            l.report.hooks(ServiceIntervalFlush),
	})
	if err != nil {
		return fmt.Errorf("commitlog: %w", err)
	}
	if o.FlushMode == SyncFlush {
		l.groupCommit, err = flush.NewGroupCommit(l.files, flush.GroupCommitOptions{
			Timeout: o.SyncFlushTimeout,
			Linger:  o.GroupCommitLinger,
			Hooks:   l.report.hooks(ServiceGroupCommit),
		})
		if err != nil {
			return fmt.Errorf("commitlog: %w", err)
		}
	}
	if l.pool != nil {
		l.committer, err = flush.NewCommitter(l.files, flush.CommitterOptions{
			Interval:         o.CommitInterval,
			LeastPages:       o.CommitLeastPages,
			ThoroughInterval: o.CommitThoroughInterval,
			Hooks:            l.report.hooks(ServiceCommit),
		}, l.flusher.Wake)
		if err != nil {
			return fmt.Errorf("commitlog: %w", err)
		}
	}
	return nil
}

// Close stops the flush services, makes everything written durable, and
// unmaps the files. Every Entry and Slice must have been released. Later
// calls return ErrClosed.
func (l *Log) Close() error {
	l.appendMu.Lock()
	already := l.closed.Swap(true)
	l.appendMu.Unlock()
	if already {
		return ErrClosed
	}
	return l.stopServices()
}

// stopServices stops the services that run, the files and the pool, in
// that order. Each service commits or flushes once more as it stops. The
// committer goes first so its final commit reaches the files before the
// final flushes; no append can start any more.
func (l *Log) stopServices() error {
	var errs []error
	if l.committer != nil {
		errs = append(errs, l.committer.Close())
	}
	if l.groupCommit != nil {
		errs = append(errs, l.groupCommit.Close())
	}
	if l.flusher != nil {
		errs = append(errs, l.flusher.Close())
	}
	errs = append(errs, l.files.Close())
	errs = append(errs, l.closePool())
	return errors.Join(errs...)
}

func (l *Log) closePool() error {
	if l.pool == nil {
		return nil
	}
	return l.pool.Close()
}

// Flush commits and flushes everything written so far, whatever the flush
// mode, and returns once it is durable. A failure poisons the log (Err).
func (l *Log) Flush() error {
	if l.closed.Load() {
		return ErrClosed
	}
	if err := l.Err(); err != nil {
		return err
	}
	if err := l.files.Commit(0); err != nil {
		return err
	}
	return l.files.Flush(0)
}

// Err is the sticky error that poisons the log, nil while it is healthy.
// The first write or sync of its files that fails (a *mappedfile.IOError),
// or any failure of a flush service, poisons it until it is reopened:
// every later append, Flush and durability wait fails with this error
// (wrapped), and the flushed offset never moves again, as the failed bytes
// may not have reached the disk. errors.Is matches ErrPoisoned and the
// cause. Reads keep working.
func (l *Log) Err() error {
	if err := l.files.Err(); err != nil {
		return err
	}
	var err error
	switch {
	case l.groupCommit != nil && l.groupCommit.Err() != nil:
		err = l.groupCommit.Err()
	case l.committer != nil && l.committer.Err() != nil:
		err = l.committer.Err()
	case l.flusher != nil && l.flusher.Err() != nil:
		err = l.flusher.Err()
	default:
		return nil
	}
	// A service stopped by something other than a failed write or sync (a
	// file deleted under it) poisons the log as well: it flushes no more.
	return fmt.Errorf("%w: %w", ErrPoisoned, err)
}

// Dir is the directory holding the log's files.
func (l *Log) Dir() string { return l.dir }

// FileSize is the size of each file in bytes.
func (l *Log) FileSize() int { return l.opts.FileSize }

// StoreHost is the address written into records and message ids.
func (l *Log) StoreHost() netip.AddrPort { return l.opts.StoreHost }

// MinOffset is the physical offset of the first byte still held.
func (l *Log) MinOffset() int64 { return l.files.MinOffset() }

// MaxOffset is the write position: the physical offset the next record
// would get if it fits in the current file.
func (l *Log) MaxOffset() int64 { return l.files.MaxOffset() }

// FlushedOffset is the offset below which every byte is durable.
func (l *Log) FlushedOffset() int64 { return l.files.FlushedOffset() }

// CommittedOffset is the offset below which every byte is in the files
// (equal to MaxOffset without a transient store pool).
func (l *Log) CommittedOffset() int64 { return l.files.CommittedOffset() }

// Recovery reports what Open's recovery scan found and dropped.
func (l *Log) Recovery() RecoveryReport { return l.recovery }

// Files exposes the underlying file queue, for cleanup and inspection.
func (l *Log) Files() *mappedfile.Queue { return l.files }

// FlushError is Err.
//
// Deprecated: use Err, which covers every flush service and the files.
func (l *Log) FlushError() error { return l.Err() }
