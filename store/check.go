package store

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/rocketstore/rocketstore/index"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// ErrDamaged is returned by Check when a store directory is not consistent.
var ErrDamaged = errors.New("store: damaged")

// DefaultMaxProblems bounds the problems a Report lists.
const DefaultMaxProblems = 100

// CheckOptions configure Check. Zero values mean defaults.
type CheckOptions struct {
	// FS is the file system; nil means mappedfile.OSFS.
	FS mappedfile.FS
	// IndexSlotCount and IndexMaxEntries are the geometry of the index
	// files. Default: inferred from their size when it fits RocketMQ's
	// one-to-four ratio of slots to entries, else 5,000,000 and 20,000,000.
	IndexSlotCount, IndexMaxEntries int
	// SkipCRC skips the body CRC of every record. Default: check.
	SkipCRC bool
	// MaxProblems bounds the problems the Report lists (all are counted).
	// Default 100.
	MaxProblems int
	// Progress, when set, is told how many bytes of files were checked so
	// far, out of how many.
	Progress func(done, total int64)
}

// Problem is one inconsistency found by Check.
type Problem struct {
	Kind string // KindCommitLog, KindConsumeQueue, KindIndex or KindCheckpoint
	Path string // the file (or directory) it is in
	// Pos is the byte position in Path (-1: the whole file), and Offset the
	// commit-log offset concerned (-1: none).
	Pos, Offset int64
	Reason      string
}

func (p Problem) String() string {
	s := p.Kind + " " + p.Path
	if p.Pos >= 0 {
		s += fmt.Sprintf(" at byte %d", p.Pos)
	}
	if p.Offset >= 0 {
		s += fmt.Sprintf(" (commit-log offset %d)", p.Offset)
	}
	return s + ": " + p.Reason
}

// Report is what Check found.
type Report struct {
	// Abnormal is set when the abort marker is there: the store is open,
	// or its last run did not close cleanly, and recovery will repair what
	// a crash left (a torn tail, derived data ahead of the log).
	Abnormal bool
	// CheckpointFound and CheckpointValid say whether the checkpoint exists
	// and its CRC matches; Checkpoint is its content.
	CheckpointFound, CheckpointValid bool
	Checkpoint                       Checkpoint
	CommitLog                        LogSummary
	Queues                           []QueueSummary
	Index                            []IndexSummary
	// Problems are the first MaxProblems problems, in the order found;
	// ProblemCount counts them all.
	Problems     []Problem
	ProblemCount int
}

// LogSummary describes the commit log.
type LogSummary struct {
	Files     int
	FileSize  int
	MinOffset int64 // the first file's start
	// EndOffset is the end of the valid records: the first bad record's
	// offset when the log is damaged.
	EndOffset int64
	Records   int64
	// FirstStoreTimestamp and LastStoreTimestamp are the store times (ms)
	// of the first and last records.
	FirstStoreTimestamp, LastStoreTimestamp int64
}

// QueueSummary describes one consume queue.
type QueueSummary struct {
	Topic   string
	QueueID int32
	Files   int
	// MinOffset is the logical offset of its first unit pointing into the
	// commit log (MaxOffset when none does), MaxOffset the offset the next
	// unit gets.
	MinOffset, MaxOffset int64
	Units                int64 // units that are not blank
	Expired              int64 // units pointing below the commit log's start
}

// IndexSummary describes one index file.
type IndexSummary struct {
	Path                  string
	SlotCount, MaxEntries int
	index.Header
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return r.ProblemCount == 0 }

// checker is one run of Check.
type checker struct {
	d        *dirReader
	opts     CheckOptions
	rep      *Report
	done     int64
	total    int64
	boundary map[int64]bool // checkpoint offsets to find at record boundaries
	logEnd   int64          // end of the valid records
	logMin   int64
}

// Check verifies the store under dir without opening it: every record's
// framing and body CRC, every consume-queue unit against the record it
// points at (its topic, queue, queue offset, size and tags), every index
// entry (hash-slot chains, offsets of records whose key matches, times)
// and the checkpoint (not ahead of the data). It writes nothing. The
// error is nil for a consistent store, matches ErrDamaged when the Report
// lists problems, and is anything else when the directory cannot be read.
func Check(dir string, opts *CheckOptions) (Report, error) {
	var o CheckOptions
	if opts != nil {
		o = *opts
	}
	if o.FS == nil {
		o.FS = mappedfile.OSFS
	}
	if o.MaxProblems <= 0 {
		o.MaxProblems = DefaultMaxProblems
	}
	var rep Report
	d, err := openDirReader(o.FS, dir)
	if err != nil {
		return rep, err
	}
	c := &checker{d: d, opts: o, rep: &rep}
	err = c.run()
	err = errors.Join(err, d.close())
	if err == nil && !rep.OK() {
		err = fmt.Errorf("%w: %d problems, the first: %s", ErrDamaged, rep.ProblemCount, rep.Problems[0])
	}
	return rep, err
}

func (c *checker) run() error {
	var err error
	if c.rep.Abnormal, err = c.d.abortMarker(); err != nil {
		return err
	}
	cp, found, valid, err := c.d.checkpoint()
	if err != nil {
		return err
	}
	c.rep.Checkpoint, c.rep.CheckpointFound, c.rep.CheckpointValid = cp, found, valid
	if err := c.sumSizes(); err != nil {
		return err
	}
	if err := c.checkLog(); err != nil {
		return err
	}
	c.checkCheckpoint()
	if err := c.checkQueues(); err != nil {
		return err
	}
	return c.checkIndex()
}

// sumSizes adds up the bytes the check will read, for progress.
func (c *checker) sumSizes() error {
	for _, f := range c.d.logFiles {
		c.total += f.size
	}
	if err := c.d.eachQueue(func(_ queueKey, files []*dirFile) error {
		for _, f := range files {
			c.total += f.size
		}
		return nil
	}); err != nil {
		return err
	}
	files, err := c.d.indexFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		c.total += f.size
	}
	c.progress(0)
	return nil
}

func (c *checker) progress(n int64) {
	c.done += n
	if c.opts.Progress != nil {
		c.opts.Progress(c.done, c.total)
	}
}

// problem records one problem.
func (c *checker) problem(kind, path string, pos, offset int64, format string, args ...any) {
	c.rep.ProblemCount++
	if len(c.rep.Problems) < c.opts.MaxProblems {
		c.rep.Problems = append(c.rep.Problems, Problem{Kind: kind, Path: path, Pos: pos, Offset: offset, Reason: fmt.Sprintf(format, args...)})
	}
}

// checkCheckpoint checks that the checkpoint is intact and not ahead of the
// data: the offsets it records must be record boundaries of the log.
func (c *checker) checkCheckpoint() {
	r := c.rep
	path := filepath.Join(c.d.root, checkpointName)
	if !r.CheckpointFound {
		return
	}
	if !r.CheckpointValid {
		c.problem(KindCheckpoint, path, 0, -1, "torn or foreign checkpoint (its CRC does not match)")
		return
	}
	cp := r.Checkpoint
	for _, o := range []struct {
		name   string
		offset int64
	}{{"consume-queue offset", cp.LogicsOffset}, {"index offset", cp.IndexOffset}} {
		switch {
		case o.offset > c.logEnd:
			c.problem(KindCheckpoint, path, -1, o.offset, "%s %d is past the end of the log's valid records %d", o.name, o.offset, c.logEnd)
		case o.offset >= c.logMin && !c.boundary[o.offset]:
			c.problem(KindCheckpoint, path, -1, o.offset, "%s %d is not a record boundary of the log", o.name, o.offset)
		}
	}
	if cp.CommitLogFlushed > c.logEnd {
		c.problem(KindCheckpoint, path, -1, cp.CommitLogFlushed,
			"commit-log flushed offset %d is past the end of the log's valid records %d: flushed data is gone", cp.CommitLogFlushed, c.logEnd)
	}
	last := r.CommitLog.LastStoreTimestamp
	for _, ts := range []struct {
		name  string
		value int64
	}{{"physical", cp.PhysicMsgTimestamp}, {"consume-queue", cp.LogicsMsgTimestamp}, {"index", cp.IndexMsgTimestamp}} {
		if r.CommitLog.Records > 0 && ts.value > last {
			c.problem(KindCheckpoint, path, -1, -1, "%s timestamp %d is after the last record's store time %d", ts.name, ts.value, last)
		}
	}
}
