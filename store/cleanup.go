package store

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// cleaner deletes expired commit-log files, and then the consume-queue and
// index files that only point into them, as RocketMQ's CleanCommitLogService
// and CleanConsumeQueueService do.
type cleaner struct {
	s      *MessageStore
	hours  []int
	manual chan chan CleanupReport
	quit   chan struct{}
	done   chan struct{}

	mu   sync.Mutex
	last CleanupReport
}

// CleanupReport says what one cleanup round saw and did.
type CleanupReport struct {
	DiskUsage        float64 // used fraction of the store's disk
	TimeUp           bool    // the hour is one of DeleteWhen
	SpaceFull        bool    // above DiskMaxUsedSpaceRatio
	Forcibly         bool    // above DiskSpaceCleanForciblyRatio
	WritesRefused    bool    // above DiskSpaceWarningLevelRatio
	CommitLogFiles   int     // commit-log files deleted
	EarlyFiles       int     // of them, deleted before FileReservedTime (forcibly)
	ConsumeQueueFile int     // consume-queue files deleted
	IndexFiles       int     // index files deleted
	Err              error
}

func startCleaner(s *MessageStore) *cleaner {
	hours, _ := parseHours(s.opts.DeleteWhen) // checked by Validate
	c := &cleaner{s: s, hours: hours, manual: make(chan chan CleanupReport), quit: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *cleaner) run() {
	defer close(c.done)
	tick := time.NewTicker(c.s.opts.CleanResourceInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-tick.C:
			c.round(false)
		case reply := <-c.manual:
			reply <- c.round(true)
		}
	}
}

func (c *cleaner) stop() {
	close(c.quit)
	<-c.done
}

// DeleteExpiredFiles runs one cleanup round now, deleting expired files
// whatever the hour and disk usage (RocketMQ's manual delete), and reports
// what it did.
func (s *MessageStore) DeleteExpiredFiles() (CleanupReport, error) {
	if s.closed.Load() || s.cleaner == nil {
		return CleanupReport{}, ErrClosed
	}
	reply := make(chan CleanupReport, 1)
	select {
	case s.cleaner.manual <- reply:
	case <-s.cleaner.done:
		return CleanupReport{}, ErrClosed
	}
	r := <-reply
	return r, r.Err
}

// LastCleanup is the report of the last cleanup round.
func (s *MessageStore) LastCleanup() CleanupReport {
	if s.cleaner == nil {
		return CleanupReport{}
	}
	s.cleaner.mu.Lock()
	defer s.cleaner.mu.Unlock()
	return s.cleaner.last
}

func (c *cleaner) round(manual bool) CleanupReport {
	s, o := c.s, &c.s.opts
	var r CleanupReport
	var errs []error
	usage, err := o.DiskUsage(s.root)
	if err != nil {
		errs = append(errs, err)
	}
	r.DiskUsage = usage
	r.TimeUp = slices.Contains(c.hours, o.Now().Hour())
	r.SpaceFull = usage >= float64(o.DiskMaxUsedSpaceRatio)/100
	r.Forcibly = usage >= float64(o.DiskSpaceCleanForciblyRatio)/100 && !o.DisableCleanForcibly
	r.WritesRefused = usage >= float64(o.DiskSpaceWarningLevelRatio)/100
	s.diskHigh.Store(r.WritesRefused)

	if r.TimeUp || r.SpaceFull || manual {
		gone, early, err := c.deleteCommitLogFiles(r.Forcibly)
		r.CommitLogFiles, r.EarlyFiles = len(gone), early
		errs = append(errs, err)
		s.report.deleted(KindCommitLog, gone, c.why(r, manual), early)
		s.earlyDeleted.Add(int64(early))
	}
	minPhys := s.commitLog.MinOffset()
	below := fmt.Sprintf("every entry points below the commit log's first offset %d", minPhys)
	var queueFiles []string
	for _, q := range s.queues.all() {
		gone, err := q.DeleteExpired(minPhys)
		queueFiles = append(queueFiles, gone...)
		errs = append(errs, err)
	}
	r.ConsumeQueueFile = len(queueFiles)
	errs = append(errs, s.deleted.expire(minPhys))
	s.report.deleted(KindConsumeQueue, queueFiles, below, 0)
	if s.index != nil {
		gone, err := s.index.DeleteExpired(minPhys)
		r.IndexFiles = len(gone)
		errs = append(errs, err)
		s.report.deleted(KindIndex, gone, below, 0)
	}
	if r.CommitLogFiles > 0 && s.cache != nil {
		s.cache.invalidate()
	}
	r.Err = errors.Join(errs...)
	s.report.taskResult(TaskCleanup, r.Err)
	c.mu.Lock()
	c.last = r
	c.mu.Unlock()
	return r
}

// why says for the operator why a round deleted commit-log files.
func (c *cleaner) why(r CleanupReport, manual bool) string {
	o := &c.s.opts
	switch {
	case r.Forcibly:
		return fmt.Sprintf("disk usage %.0f%% is at or above DiskSpaceCleanForciblyRatio %d%%: files go expired or not", r.DiskUsage*100, o.DiskSpaceCleanForciblyRatio)
	case manual:
		return fmt.Sprintf("deletion asked for: files older than FileReservedTime %v", o.FileReservedTime)
	case r.SpaceFull:
		return fmt.Sprintf("disk usage %.0f%% is at or above DiskMaxUsedSpaceRatio %d%%: files older than FileReservedTime %v", r.DiskUsage*100, o.DiskMaxUsedSpaceRatio, o.FileReservedTime)
	default:
		return fmt.Sprintf("the hour is one of DeleteWhen %q: files older than FileReservedTime %v", o.DeleteWhen, o.FileReservedTime)
	}
}

// deleteCommitLogFiles deletes commit-log files from the oldest while they
// are expired (or at once when forcibly), one at a time and at most
// DeleteFileBatchMax of them, and returns the paths of those that went. A
// file a reader holds ends the round; it goes in a later round, or forcibly
// once DestroyForciblyAfter has passed. early counts those deleted before
// their reserved time.
func (c *cleaner) deleteCommitLogFiles(forcibly bool) (deleted []string, early int, err error) {
	s, o := c.s, &c.s.opts
	now := o.Now()
	// Never what the queues do not cover yet, nor what is not flushed: a
	// forced cleanup can reach files seconds old, and removing one the
	// flusher has not finished would fail its flush (and poison the log).
	// Flushing first lets a round delete every file it may.
	flushErr := s.commitLog.Flush()
	covered := min(s.dispatcher.offset(), s.commitLog.FlushedOffset())
	wasEarly := false
	expired := func(f *mappedfile.File) bool {
		if f.StartOffset()+int64(f.Size()) > covered {
			return false
		}
		wasEarly = now.Sub(f.ModTime()) < o.FileReservedTime
		return forcibly || !wasEarly
	}
	files := s.commitLog.Files()
	for len(deleted) < o.DeleteFileBatchMax {
		first := files.First()
		n, err := files.DeleteFiles(expired, 1, o.DestroyForciblyAfter)
		if n > 0 {
			deleted = append(deleted, first.Path())
			if wasEarly {
				early++
			}
		}
		if err != nil || n == 0 {
			return deleted, early, errors.Join(flushErr, err)
		}
		select {
		case <-c.quit:
			return deleted, early, flushErr
		case <-time.After(o.DeleteFilesInterval):
		}
	}
	return deleted, early, flushErr
}

// EarlyDeletedFiles counts the commit-log files cleanup deleted before
// FileReservedTime since the store opened: forced cleanups of a full disk
// (Options.DisableCleanForcibly prevents them), whose messages may not have
// been consumed.
func (s *MessageStore) EarlyDeletedFiles() int64 { return s.earlyDeleted.Load() }
