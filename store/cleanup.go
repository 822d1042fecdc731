package store

import (
	"errors"
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
	ConsumeQueueFile int     // consume-queue files deleted
	IndexFiles       int     // index files deleted
	Err              error
}

func startCleaner(s *MessageStore) *cleaner {
	hours, _ := parseHours(s.opts.DeleteWhen) // validated by withDefaults
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
		n, err := c.deleteCommitLogFiles(r.Forcibly)
		r.CommitLogFiles = n
		errs = append(errs, err)
	}
	minPhys := s.log.MinOffset()
	for _, q := range s.queues.all() {
		n, err := q.DeleteExpired(minPhys)
		r.ConsumeQueueFile += n
		errs = append(errs, err)
	}
	if s.index != nil {
		gone, err := s.index.DeleteExpired(minPhys)
		r.IndexFiles = len(gone)
		errs = append(errs, err)
	}
	if r.CommitLogFiles > 0 && s.cache != nil {
		s.cache.invalidate()
	}
	r.Err = errors.Join(errs...)
	c.mu.Lock()
	c.last = r
	c.mu.Unlock()
	return r
}

// deleteCommitLogFiles deletes commit-log files from the oldest while they
// are expired (or at once when forcibly), one at a time and at most
// DeleteFileBatchMax of them. A file a reader holds ends the round; it goes
// in a later round, or forcibly once DestroyForciblyAfter has passed.
func (c *cleaner) deleteCommitLogFiles(forcibly bool) (int, error) {
	s, o := c.s, &c.s.opts
	now := o.Now()
	dispatched := s.dispatcher.offset()
	expired := func(f *mappedfile.File) bool {
		if f.StartOffset()+int64(f.Size()) > dispatched {
			return false // never delete what the queues do not cover yet
		}
		return forcibly || now.Sub(f.ModTime()) >= o.FileReservedTime
	}
	deleted := 0
	for deleted < o.DeleteFileBatchMax {
		n, err := s.log.Files().DeleteFiles(expired, 1, o.DestroyForciblyAfter)
		deleted += n
		if err != nil || n == 0 {
			return deleted, err
		}
		select {
		case <-c.quit:
			return deleted, nil
		case <-time.After(o.DeleteFilesInterval):
		}
	}
	return deleted, nil
}
