package commitlog

import (
	"errors"
	"log/slog"
	"time"

	"github.com/rocketstore/rocketstore/flush"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// Events are optional callbacks through which a Log reports what its
// background work cannot return to a caller; a store wires them to its own
// listener. Each runs on the goroutine where the event happened (an
// appender, after it let go of the append lock, or a background service),
// so it must return quickly and must not call back into the log's Close.
// Every event but OnFlushRound is also logged with Options.Logger.
type Events struct {
	// OnRoll: appends moved on to a new file.
	OnRoll func(RollInfo)
	// OnFlushStall: a commit or flush round took at least
	// Options.FlushStallThreshold.
	OnFlushStall func(FlushStallInfo)
	// OnFlushRound: a commit or flush round did work (see FlushRoundInfo).
	// It is called once per round, never per append, for metrics; it is
	// not logged. Unset, it costs nothing.
	OnFlushRound func(FlushRoundInfo)
	// OnPoisoned: a write or sync failed and poisoned the log (see
	// Log.Err); called once, with that error.
	OnPoisoned func(error)
	// OnBackgroundError: any other error of background work, which no
	// caller receives: unmapping or removing a file once its last reader
	// let go, prewarming a file, a flush service stopping for a reason that
	// is not an I/O failure.
	OnBackgroundError func(error)
}

// RollInfo describes a roll to a new file.
type RollInfo struct {
	Path        string // the new file
	StartOffset int64  // its first physical offset
	FillerBytes int    // bytes of blank filler that ended the previous file
}

// The log's flush services, as events name them.
const (
	ServiceGroupCommit   = "group commit"   // SyncFlush: appenders wait for one flush
	ServiceIntervalFlush = "interval flush" // the periodic flush (AsyncFlush, and WAIT=false sends)
	ServiceCommit        = "commit"         // the transient store pool's committer
)

// FlushRoundInfo describes a commit or flush round that did work: a group
// commit that answered appenders or made bytes durable, an interval flush
// that made bytes durable, a commit that moved bytes from the transient
// store pool into the files. Failed rounds are reported as OnPoisoned or
// OnBackgroundError instead.
type FlushRoundInfo struct {
	Service string        // ServiceGroupCommit, ServiceIntervalFlush or ServiceCommit
	Took    time.Duration // the round's commit and flush (not the group commit's linger)
	// Bytes is how far the round moved the flushed offset (the committed
	// offset, for ServiceCommit); a flush of another service at the same
	// time can add its bytes.
	Bytes int64
	// Waiters is the size of a group commit's group: the appends the round
	// acknowledged. 0 for the other services.
	Waiters int
}

// FlushStallInfo describes a slow commit or flush round.
type FlushStallInfo struct {
	Service   string // ServiceGroupCommit, ServiceIntervalFlush or ServiceCommit
	Took      time.Duration
	Threshold time.Duration
}

// reporter turns what the log's parts report into events and log lines.
type reporter struct {
	ev        Events
	log       *slog.Logger
	dir       string
	threshold time.Duration // 0: stalls are not reported
}

func newReporter(o *Options, dir string) *reporter {
	return &reporter{ev: o.Events, log: o.Logger, dir: dir, threshold: max(0, o.FlushStallThreshold)}
}

func (r *reporter) roll(info RollInfo) {
	r.log.Debug("commitlog: new file", "path", info.Path, "start", info.StartOffset, "filler", info.FillerBytes)
	if r.ev.OnRoll != nil {
		r.ev.OnRoll(info)
	}
}

func (r *reporter) poisoned(err error) {
	r.log.Error("commitlog: a write or sync failed; appends are refused until the log is reopened", "dir", r.dir, "err", err)
	if r.ev.OnPoisoned != nil {
		r.ev.OnPoisoned(err)
	}
}

// background reports an error of background work.
func (r *reporter) background(err error) {
	r.log.Error("commitlog: background error", "dir", r.dir, "err", err)
	if r.ev.OnBackgroundError != nil {
		r.ev.OnBackgroundError(err)
	}
}

// serviceFailed reports the error that stopped a flush service. A failed
// write or sync has its own report (poisoned), which the queue makes once
// however many services then meet it.
func (r *reporter) serviceFailed(err error) {
	if !errors.Is(err, mappedfile.ErrPoisoned) {
		r.background(err)
	}
}

// hooks are the flush hooks of one service.
func (r *reporter) hooks(service string) flush.Hooks {
	h := flush.Hooks{OnError: r.serviceFailed}
	if r.threshold > 0 {
		h.StallThreshold = r.threshold
		h.OnStall = func(took time.Duration) {
			info := FlushStallInfo{Service: service, Took: took, Threshold: r.threshold}
			r.log.Warn("commitlog: slow "+service, "dir", r.dir, "took", took, "threshold", r.threshold)
			if r.ev.OnFlushStall != nil {
				r.ev.OnFlushStall(info)
			}
		}
	}
	if onRound := r.ev.OnFlushRound; onRound != nil {
		h.OnRound = func(round flush.Round) {
			onRound(FlushRoundInfo{Service: service, Took: round.Took, Bytes: round.Bytes, Waiters: round.Waiters})
		}
	}
	return h
}
