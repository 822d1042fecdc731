package store

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/index"
)

// Errors callers test with errors.Is.
var (
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store: closed")
	// ErrDiskFull: the disk is full, or above the warning ratio.
	ErrDiskFull = commitlog.ErrDiskFull
	// ErrMessageIllegal: the message cannot be stored (bad topic, queue
	// id, properties).
	ErrMessageIllegal = commitlog.ErrMessageIllegal
	// ErrMessageTooLarge: the encoded record is above the maximum size.
	ErrMessageTooLarge = commitlog.ErrMessageTooLarge
	// ErrFlushTimeout: a sync-flush put was written but not made durable in
	// time.
	ErrFlushTimeout = commitlog.ErrFlushTimeout
	// ErrUnwritable: a write or sync of the commit log failed, and nothing
	// is acknowledged any more until the store is reopened (which recovers
	// what was durable). It is matched by an *UnwritableError.
	ErrUnwritable = errors.New("store: unwritable")
	// ErrDispatchFailing: the consume queues or the index cannot take the
	// records already in the commit log (a full disk, most often: then the
	// error matches ErrDiskFull too), so puts are refused until dispatch
	// works again; what was acknowledged is in the commit log and is
	// dispatched then.
	ErrDispatchFailing = errors.New("store: dispatch failing")
)

// Names of the store's files and directories below its root, as RocketMQ's.
const (
	commitLogDir    = "commitlog"
	consumeQueueDir = "consumequeue"
	indexDir        = "index"
	checkpointName  = "checkpoint"
	abortName       = "abort"
)

// MessageStore is a commit log with the consume queues and key index derived
// from it. See the package documentation.
type MessageStore struct {
	opts Options
	root string
	// ownClock: the caller set Options.Now, which the commit log then uses
	// for store timestamps; otherwise it reads the wall clock its cheaper
	// way.
	ownClock bool

	commitLog *commitlog.Log
	queues    *queueTable
	index     *index.Service // nil when Options.DisableIndex
	cp        *checkpointFile
	offsets   *queueOffsets
	deleted   *deletedTopics
	cache     *lookupCache

	dispatcher *dispatcher
	flusher    *logicsFlusher
	cleaner    *cleaner

	// putMu is held shared by every put and exclusively by Close, so that
	// Close sees no put in flight once it holds it.
	putMu    sync.RWMutex
	closed   atomic.Bool
	diskHigh atomic.Bool // usage above the warning ratio: writes refused

	earlyDeleted atomic.Int64 // commit-log files cleanup deleted before their reserved time

	indexFullAt  atomic.Int64 // when the index last could not grow (Unix ns; 0: it can)
	indexFullErr atomic.Pointer[error]
	unindexed    atomic.Int64 // records dispatched without their keys

	recovery    RecoveryReport
	delayLevels []time.Duration

	log    *slog.Logger
	report *reporter
}

// RecoveryReport says how Open recovered the store.
type RecoveryReport struct {
	// Abnormal is true when the abort marker was found: the last run did
	// not close cleanly.
	Abnormal bool
	// CheckpointValid is false when the checkpoint was missing or torn.
	CheckpointValid bool
	// CommitLog is the commit log's own report (scan, truncation).
	CommitLog commitlog.RecoveryReport
	// DispatchFrom is where re-dispatch started; Redispatched counts the
	// records fed to consume queues and index again.
	DispatchFrom int64
	Redispatched int64
	// IndexRebuiltFrom is the offset from which index entries were rebuilt
	// (-1: none were dropped).
	IndexRebuiltFrom int64
	// DispatchErr, when not nil, is why the dispatch of the recovered log
	// could not finish (a full disk): the store opened anyway, refuses puts
	// (ErrDispatchFailing) and dispatches the rest once it can.
	DispatchErr error
}

// Open opens (creating if needed) the store under root, recovers it and
// starts its services. A nil opts means all defaults.
func Open(root string, opts *Options) (*MessageStore, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	ownClock := o.Now != nil
	o = o.WithDefaults()
	if err := o.FS.MkdirAll(root); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s := &MessageStore{opts: o, root: root, ownClock: ownClock, log: o.Logger, report: newReporter(o.Logger, o.Events)}
	s.delayLevels, _ = ParseDelayLevels(o.DelayLevels) // checked by Validate
	if err := s.recover(); err != nil {
		s.closeParts()
		return nil, err
	}
	if err := createAbortMarker(o.FS, s.path(abortName)); err != nil {
		s.closeParts()
		return nil, fmt.Errorf("store: abort marker: %w", err)
	}
	s.report.recovered(s.recovery)
	s.start()
	return s, nil
}

func (s *MessageStore) path(name string) string { return filepath.Join(s.root, name) }

// recover opens every part and brings the derived data level with the
// commit log.
func (s *MessageStore) recover() error {
	o := &s.opts
	abnormal, err := abortMarkerPresent(o.FS, s.path(abortName))
	if err != nil {
		return fmt.Errorf("store: abort marker: %w", err)
	}
	s.recovery.Abnormal = abnormal
	if s.cp, err = openCheckpoint(o.FS, s.path(checkpointName)); err != nil {
		return err
	}
	cp, valid := s.cp.load()
	s.recovery.CheckpointValid = valid
	if s.deleted, err = openDeletedTopics(o.FS, s.path(deletedTopicsName)); err != nil {
		return err
	}

	// After a clean close nothing lies past the recovered ends; after a
	// crash, torn tails must be cleared.
	s.queues = newQueueTable(s.path(consumeQueueDir), o.consumeQueueOptions(!abnormal, func(err error) {
		s.report.taskResult(TaskConsumeQueueFiles, err)
	}))
	// Consume queues load (clearing torn tails after a crash) while the
	// commit log is scanned.
	loaded := make(chan error, 1)
	go func() { loaded <- s.queues.load() }()
	waitQueues := func() error {
		if loaded == nil {
			return nil
		}
		err := <-loaded
		loaded = nil
		return err
	}
	defer waitQueues() // on every early return, before closeParts runs
	if !o.DisableIndex {
		indexOpts := o.indexOptions()
		indexOpts.OnRoll = func(path string, err error) {
			s.report.rolled(KindIndex, path)
			s.report.taskResult(TaskFlushIndex, err)
		}
		s.index, err = index.Open(s.path(indexDir), &indexOpts)
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}

	// Where the durable derived data ends: the checkpoint says how far
	// both were flushed; a queue or index that is missing altogether (its
	// files deleted) starts over.
	queuesFrom, indexFrom := int64(0), int64(0)
	if valid {
		queuesFrom = cp.LogicsOffset
		indexFrom = cp.IndexOffset
		if s.index != nil && len(s.index.Files()) == 0 {
			indexFrom = 0
		}
	}
	if s.index == nil {
		indexFrom = queuesFrom
	}
	// Index entries cannot be removed one by one: files holding entries
	// past the durable point go, and their records are indexed again.
	s.recovery.IndexRebuiltFrom = -1
	if indexFrom, err = s.truncateIndex(indexFrom); err != nil {
		return err
	}

	s.offsets = newQueueOffsets(s.queues)
	clOpts := o.CommitLog
	clOpts.QueueOffsets = s.offsets
	clOpts.FS = o.FS
	if s.ownClock {
		clOpts.Now = o.Now
	}
	clOpts.CleanShutdown = !abnormal
	if clOpts.Logger == nil {
		clOpts.Logger = o.Logger
	}
	if clOpts.FlushStallThreshold == 0 {
		clOpts.FlushStallThreshold = o.FlushStallThreshold
	}
	clOpts.Events = s.report.commitLogEvents(clOpts.Events)
	// Every record re-dispatched below must have passed the recovery scan,
	// and so must every byte past the log's last recorded flush.
	clOpts.RecoverFrom = recoveryScanFrom(cp, valid, abnormal, queuesFrom, indexFrom)
	if s.commitLog, err = commitlog.Open(s.path(commitLogDir), &clOpts); err != nil {
		return err
	}
	s.recovery.CommitLog = s.commitLog.Recovery()
	end, begin := s.commitLog.MaxOffset(), s.commitLog.MinOffset()
	if err := waitQueues(); err != nil {
		return err
	}
	// The queues of a deleted topic that a crash left half removed go now.
	if err := s.queues.removeDeleted(s.deleted); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	// Queues behind the checkpoint (files deleted or damaged) are fed from
	// their own end; the dispatcher checks those records' CRCs itself.
	queuesFrom = min(queuesFrom, s.queues.maxPhysicalOffset())

	// After a crash the units past the durable point may be torn (a kill
	// or power loss between a unit's fields): a repeated put skips a unit
	// below a queue's end, so they go, and re-dispatch writes them again.
	cut := end
	if abnormal {
		cut = min(max(queuesFrom, begin), end)
	}
	for _, q := range s.queues.all() {
		if err := q.TruncateAfterCommitLogOffset(cut); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if err := q.CorrectMinOffset(begin); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	// The log may end before the durable point (a damaged record cut it).
	if end < indexFrom {
		if indexFrom, err = s.truncateIndex(end); err != nil {
			return err
		}
	}
	queuesFrom = min(max(queuesFrom, begin), end)
	indexFrom = min(max(indexFrom, begin), end)

	if o.CacheBytes > 0 {
		if s.cache, err = newLookupCache(o.CacheBytes); err != nil {
			return err
		}
	}
	s.dispatcher = newDispatcher(s, min(queuesFrom, indexFrom), indexFrom)
	if o.HoldUnconfirmed {
		s.dispatcher.limit.Store(s.initialConfirm(cp, valid))
	}
	s.recovery.DispatchFrom = s.dispatcher.offset()
	n, err := s.dispatcher.catchUp()
	s.recovery.Redispatched = n
	if err != nil && errors.Is(err, ErrDiskFull) {
		// A full disk must not keep the store from opening: reads work,
		// cleanup can free room, and the dispatcher goes on from here.
		s.recovery.DispatchErr = err
		s.dispatcher.setErr(err)
		err = nil
	}
	if err != nil {
		return fmt.Errorf("store: re-dispatch from %d: %w", s.recovery.DispatchFrom, err)
	}
	return nil
}

// truncateIndex drops the index files holding entries for records at or
// after from and returns the offset from which records must be indexed
// again.
func (s *MessageStore) truncateIndex(from int64) (int64, error) {
	if s.index == nil {
		return from, nil
	}
	rebuilt, err := s.index.TruncateAfter(from)
	if err != nil {
		return from, fmt.Errorf("store: %w", err)
	}
	if rebuilt < 0 {
		return from, nil // nothing was dropped
	}
	from = min(from, rebuilt)
	if r := &s.recovery; r.IndexRebuiltFrom < 0 || rebuilt < r.IndexRebuiltFrom {
		r.IndexRebuiltFrom = rebuilt
	}
	return from, nil
}

// start launches the background services.
func (s *MessageStore) start() {
	s.dispatcher.start()
	s.flusher = startLogicsFlusher(s)
	if s.opts.CleanResourceInterval > 0 {
		s.cleaner = startCleaner(s)
	}
}

// Close stops the services, dispatches and flushes everything, writes the
// checkpoint and removes the abort marker. Every held result must have been
// released. Later calls return ErrClosed.
func (s *MessageStore) Close() error {
	s.putMu.Lock()
	already := s.closed.Swap(true)
	s.putMu.Unlock()
	if already {
		return ErrClosed
	}
	var errs []error
	if s.cleaner != nil {
		s.cleaner.stop()
	}
	errs = append(errs, s.dispatcher.stop())
	s.flusher.stop()
	errs = append(errs, s.commitLog.Flush(), s.flushLogics(true))
	err := errors.Join(errs...)
	errs = append(errs, s.closeParts())
	if err == nil {
		// Only a store whose every part closed cleanly may skip the
		// abnormal recovery next time.
		errs = append(errs, removeAbortMarker(s.opts.FS, s.path(abortName)))
	}
	return errors.Join(errs...)
}

// closeParts closes whatever recover opened.
func (s *MessageStore) closeParts() error {
	var errs []error
	if s.dispatcher != nil {
		s.dispatcher.close()
	}
	if s.queues != nil {
		errs = append(errs, s.queues.closeAll())
	}
	if s.index != nil {
		errs = append(errs, s.index.Close())
	}
	if s.commitLog != nil {
		if err := s.commitLog.Close(); !errors.Is(err, commitlog.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if s.cp != nil {
		errs = append(errs, s.cp.close())
	}
	if s.cache != nil {
		s.cache.close()
	}
	return errors.Join(errs...)
}

// Recovery reports how Open recovered the store.
func (s *MessageStore) Recovery() RecoveryReport { return s.recovery }

// Err is nil while the store takes writes. Once a write or sync of the
// commit log failed it is that failure, matching ErrUnwritable, and every
// put fails with it until the store is reopened.
func (s *MessageStore) Err() error {
	if err := s.commitLog.Err(); err != nil {
		return unwritable(err)
	}
	return nil
}

// UnwritableError is the error of every put to a store whose commit log
// failed a write or sync. It matches ErrUnwritable and its Cause
// (commitlog.ErrPoisoned, and a *mappedfile.IOError naming the file and
// offset).
type UnwritableError struct{ Cause error }

func (e *UnwritableError) Error() string { return "store unwritable: " + e.Cause.Error() }

// Unwrap gives ErrUnwritable and the cause.
func (e *UnwritableError) Unwrap() []error { return []error{ErrUnwritable, e.Cause} }

func unwritable(err error) error { return &UnwritableError{Cause: err} }

// CommitLog is the store's commit log, for readers such as replication.
func (s *MessageStore) CommitLog() *commitlog.Log { return s.commitLog }

// Root is the store's directory.
func (s *MessageStore) Root() string { return s.root }
