package store

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
)

// EventListener is told what the store does in the background. Every field
// is optional. Callbacks run on the goroutine that saw the event (the
// dispatcher, the flusher, the cleaner, Open): keep them short, and never
// call back into the store from one. The store also logs every event
// through Options.Logger, so a listener is for programs that act on events
// (metrics, alerts, tests).
type EventListener struct {
	// RecoveryDone is told how Open recovered the store.
	RecoveryDone func(RecoveryReport)
	// FileRolled is told about every new commit-log or index file taken
	// into use after the first.
	FileRolled func(FileRollInfo)
	// FilesDeleted is told about the files one cleanup round deleted, once
	// per kind of file.
	FilesDeleted func(FilesDeletedInfo)
	// FlushStalled is told about a flush that took longer than
	// Options.FlushStallThreshold.
	FlushStalled func(FlushStallInfo)
	// FlushRound is told about every round of the commit log's flush
	// services that did work: its duration, bytes and, for a group commit,
	// the appends it acknowledged. It runs on the flush service's goroutine,
	// once per round (never per put), and is not logged: it is for metrics.
	FlushRound func(FlushRoundInfo)
	// BackgroundError is told about every failure of a background task
	// (dispatch, flushes, checkpoint, cleanup, the commit log's own), and
	// with a nil Err when the task works again.
	BackgroundError func(BackgroundErrorInfo)
	// Unwritable is told, once, that a write or sync of the commit log
	// failed: from then on every put fails with ErrUnwritable until the
	// store is reopened (MessageStore.Err).
	Unwritable func(error)
}

// Kinds of files, in events.
const (
	KindCommitLog    = "commitlog"
	KindConsumeQueue = "consumequeue"
	KindIndex        = "index"
	KindCheckpoint   = "checkpoint"
)

// FileRollInfo describes a roll to a new file.
type FileRollInfo struct {
	Kind string // KindCommitLog or KindIndex
	Path string // the new file
}

// FilesDeletedInfo describes the files of one kind a cleanup round deleted.
type FilesDeletedInfo struct {
	Kind   string
	Paths  []string
	Reason string // why they went, for the operator
	// Early counts the commit-log files among them deleted before
	// FileReservedTime (a forced cleanup of a full disk): their messages
	// may not have been consumed yet.
	Early int
}

// FlushStallInfo describes a slow flush.
type FlushStallInfo struct {
	Part     string // what was flushed
	Duration time.Duration
}

// FlushRoundInfo describes a round of a commit-log flush service that did
// work; its Service is commitlog.ServiceGroupCommit, ServiceIntervalFlush
// or ServiceCommit.
type FlushRoundInfo = commitlog.FlushRoundInfo

// BackgroundErrorInfo describes a background task's failure, or its
// recovery (Err nil).
type BackgroundErrorInfo struct {
	Task string // TaskDispatch, TaskFlushCommitLog, ...
	Err  error
}

// Background tasks, in BackgroundErrorInfo.
const (
	TaskDispatch          = "dispatch"
	TaskCommitLog         = "commit log"
	TaskFlushConsumeQueue = "flush consume queues"
	TaskFlushIndex        = "flush index"
	TaskCheckpoint        = "write checkpoint"
	TaskCleanup           = "cleanup"
	TaskConsumeQueueFiles = "consume-queue files" // unmapping or removing one after its last reader
	TaskIndex             = "index entries"       // a full disk keeps records out of the index
)

// errorRepeatInterval is how often a background error that keeps
// happening (the dispatcher retries every 100 ms) is logged again.
const errorRepeatInterval = time.Minute

// reporter turns the store's events into log lines and listener calls. It
// keeps one line per cause from flooding the log: an error repeated within
// errorRepeatInterval is counted, not logged.
type reporter struct {
	log    *slog.Logger
	events *EventListener
	now    func() time.Time

	mu     sync.Mutex
	failed map[string]*failure // by task
}

// failure is the state of a failing task.
type failure struct {
	text     string // the error last reported
	at       time.Time
	repeated int // times seen since it was last reported
}

func newReporter(log *slog.Logger, events *EventListener) *reporter {
	if events == nil {
		events = &EventListener{}
	}
	return &reporter{log: log, events: events, now: time.Now, failed: map[string]*failure{}}
}

// taskResult reports the outcome of one run of a background task: an
// error, or nil, which ends a failure reported before.
func (r *reporter) taskResult(task string, err error) {
	r.mu.Lock()
	f := r.failed[task]
	now := r.now()
	switch {
	case err == nil && f == nil:
		r.mu.Unlock()
		return
	case err == nil:
		delete(r.failed, task)
		r.mu.Unlock()
		r.log.Info("store: background task works again", "task", task, "failed_for", now.Sub(f.at).Round(time.Millisecond))
	case f != nil && f.text == err.Error() && now.Sub(f.at) < errorRepeatInterval:
		f.repeated++
		r.mu.Unlock()
		return
	default:
		repeated := 0
		if f != nil && f.text == err.Error() {
			repeated = f.repeated
		}
		r.failed[task] = &failure{text: err.Error(), at: now}
		r.mu.Unlock()
		r.log.Error("store: background task failed", "task", task, "err", err, "repeated", repeated)
	}
	if cb := r.events.BackgroundError; cb != nil {
		cb(BackgroundErrorInfo{Task: task, Err: err})
	}
}

// recovered reports how Open recovered the store.
func (r *reporter) recovered(rep RecoveryReport) {
	cl := rep.CommitLog
	level := slog.LevelInfo
	// A new store has no checkpoint yet; one with records should.
	if cl.Dropped() || rep.Abnormal || !rep.CheckpointValid && cl.End > 0 || rep.DispatchErr != nil {
		level = slog.LevelWarn
	}
	r.log.Log(context.Background(), level, "store: recovered",
		"abnormal", rep.Abnormal, "checkpoint_valid", rep.CheckpointValid,
		"scan_from", cl.ScanFrom, "end", cl.End, "records_scanned", cl.Records,
		"dropped_bytes", cl.DroppedBytes, "dropped_files", cl.DroppedFiles, "stopped_by", cl.Reason,
		"dispatch_from", rep.DispatchFrom, "redispatched", rep.Redispatched, "index_rebuilt_from", rep.IndexRebuiltFrom,
		"dispatch_err", rep.DispatchErr)
	if cb := r.events.RecoveryDone; cb != nil {
		cb(rep)
	}
}

// rolled reports a new file.
func (r *reporter) rolled(kind, path string) {
	r.log.Info("store: new file", "kind", kind, "path", path)
	if cb := r.events.FileRolled; cb != nil {
		cb(FileRollInfo{Kind: kind, Path: path})
	}
}

// commitLogEvents forwards the commit log's events to the listener, and
// then to those the caller set in Options.CommitLog.Events. The commit log
// logs them itself, with the same logger.
func (r *reporter) commitLogEvents(inner commitlog.Events) commitlog.Events {
	ev := r.events
	return commitlog.Events{
		OnRoll: func(i commitlog.RollInfo) {
			if ev.FileRolled != nil {
				ev.FileRolled(FileRollInfo{Kind: KindCommitLog, Path: i.Path})
			}
			if inner.OnRoll != nil {
				inner.OnRoll(i)
			}
		},
		OnFlushStall: func(i commitlog.FlushStallInfo) {
			if ev.FlushStalled != nil {
				ev.FlushStalled(FlushStallInfo{Part: "commit log " + i.Service, Duration: i.Took})
			}
			if inner.OnFlushStall != nil {
				inner.OnFlushStall(i)
			}
		},
		OnFlushRound: flushRounds(ev.FlushRound, inner.OnFlushRound),
		OnPoisoned: func(err error) {
			if ev.Unwritable != nil {
				ev.Unwritable(err)
			}
			if inner.OnPoisoned != nil {
				inner.OnPoisoned(err)
			}
		},
		OnBackgroundError: func(err error) {
			if ev.BackgroundError != nil {
				ev.BackgroundError(BackgroundErrorInfo{Task: TaskCommitLog, Err: err})
			}
			if inner.OnBackgroundError != nil {
				inner.OnBackgroundError(err)
			}
		},
	}
}

// flushRounds forwards flush rounds to the listener and then to inner. It
// is nil when neither listens, so that the commit log calls nothing per
// round for nobody.
func flushRounds(listener, inner func(FlushRoundInfo)) func(FlushRoundInfo) {
	switch {
	case listener == nil:
		return inner
	case inner == nil:
		return listener
	}
	return func(i FlushRoundInfo) {
		listener(i)
		inner(i)
	}
}

// maxLoggedPaths bounds the paths one log line names.
const maxLoggedPaths = 5

// deleted reports files a cleanup round removed, early of them before
// their reserved time (a warning: their messages may be unconsumed).
func (r *reporter) deleted(kind string, paths []string, reason string, early int) {
	if len(paths) == 0 {
		return
	}
	level, msg := slog.LevelInfo, "store: deleted files"
	if early > 0 {
		level, msg = slog.LevelWarn, "store: deleted files before their reserved time; unconsumed messages may be lost"
	}
	r.log.Log(context.Background(), level, msg, "kind", kind, "count", len(paths), "early", early,
		"paths", paths[:min(len(paths), maxLoggedPaths)], "reason", reason)
	if cb := r.events.FilesDeleted; cb != nil {
		cb(FilesDeletedInfo{Kind: kind, Paths: paths, Reason: reason, Early: early})
	}
}

// flushTook reports a flush that took longer than threshold (negative:
// none is reported).
func (r *reporter) flushTook(part string, d, threshold time.Duration) {
	if threshold < 0 || d <= threshold {
		return
	}
	r.log.Warn("store: flush stalled", "part", part, "took", d.Round(time.Millisecond), "threshold", threshold)
	if cb := r.events.FlushStalled; cb != nil {
		cb(FlushStallInfo{Part: part, Duration: d})
	}
}
