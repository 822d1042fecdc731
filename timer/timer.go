package timer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by calls after Close.
var ErrClosed = errors.New("timer: closed")

// Timer holds the messages of Topic until they are due and then puts them
// into their real topics. See the package documentation.
type Timer struct {
	opts Options
	log  *slog.Logger
	st   Store
	dir  string

	tlog  *timerLog
	wheel *wheel
	cpf   *checkpointFile
	p     int64 // precision, ms
	slots int64

	// The loop's state, touched only by the loop goroutine once Open
	// returns (and by Close after the loop ended).
	enq      int64     // next timer-topic queue offset to read
	read     int64     // the slot being walked
	walked   int64     // units of slot read at or below this position are delivered
	slotCL   int64     // the commit-log end when the walk of read began
	cpRead   int64     // read of the last durable checkpoint
	batch    []pending // units taken from slot read, by the time they are due
	batchTop int64     // the newest unit of batch
	// relinked are the units Open found past the checkpoint's LogEnd, by
	// queue offset: their messages, read again, are in the wheel already.
	relinked []relinkedUnit
	// delivered holds the origins of the messages Open found put after the
	// checkpoint: the timers it must not deliver again. While it is not
	// empty, checkpoints keep CommitLog at stickyCL, so that a crash before
	// they are all met again finds them again.
	delivered    map[int64]struct{}
	stickyCL     int64
	rebuildBelow int64 // see Checkpoint.RebuildBelow
	rebuildMs    int64 // see Checkpoint.RebuildReadMs
	quiet        Checkpoint
	durable      Checkpoint
	lastCpAt     time.Time
	sinceCp      int64 // units handled since the last checkpoint
	cpBusy       bool  // a checkpoint is being written
	cpDone       chan cpResult
	cpWG         sync.WaitGroup
	backoffUntil time.Time

	warnMu sync.Mutex // guards warned: deliveries in flight warn too
	warned map[string]warnState

	mu          sync.Mutex // guards published
	published   Checkpoint // the last durable checkpoint, for Checkpoint()
	publishedOK bool

	stats counters

	ctx       context.Context // cancelled by Close: puts in flight give up
	cancel    context.CancelFunc
	notify    chan struct{}
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// pending is a unit taken from the wheel, waiting for its time.
type pending struct {
	pos int64
	u   unit
}

// due is when a taken unit is acted on: a roll when its slot comes, any
// other when its message is due.
func (p *pending) due() int64 {
	if p.u.roll() {
		return p.u.walkMs
	}
	return p.u.deliverMs
}

type relinkedUnit struct{ queueOffset, pos int64 }

// Stats counts what the timer did since Open.
type Stats struct {
	Pending      int64 // timers in the wheel, not delivered yet
	Enqueued     int64 // timers taken in: linked into the wheel, or delivered at once when already due
	Delivered    int64 // messages put into their real topics
	Rolled       int64 // messages due beyond the wheel, put back into the timer topic
	Deduplicated int64 // deliveries skipped because they were made before a crash
	Lost         int64 // timers whose message could not be read or put (each logged)
	Checkpoints  int64 // checkpoints written
}

type counters struct {
	pending, enqueued, delivered, rolled, deduplicated, lost, checkpoints atomic.Int64
}

// Stats returns the counters.
func (t *Timer) Stats() Stats {
	s := &t.stats
	return Stats{
		Pending: s.pending.Load(), Enqueued: s.enqueued.Load(), Delivered: s.delivered.Load(), Rolled: s.rolled.Load(),
		Deduplicated: s.deduplicated.Load(), Lost: s.lost.Load(), Checkpoints: s.checkpoints.Load(),
	}
}

// Checkpoint is the last durable checkpoint (what a slave copies), and
// false before the first.
func (t *Timer) Checkpoint() (Checkpoint, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.published, t.publishedOK
}

// Open recovers the timer whose files are in dir (timerlog/, timerwheel,
// timercheck; created when missing) over st, and starts it. A nil opts
// means all defaults.
func Open(dir string, st Store, opts *Options) (*Timer, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := o.FS.MkdirAll(dir); err != nil {
		return nil, fmt.Errorf("timer: %w", err)
	}
	t := &Timer{
		opts: o, log: o.Logger, st: st, dir: dir, p: o.Precision.Milliseconds(),
		warned: map[string]warnState{},
		notify: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}),
		cpDone: make(chan cpResult, 1),
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	cpf, cp, ok, err := openCheckpointFile(o.FS, dir)
	if err != nil {
		return nil, err
	}
	t.cpf = cpf
	if t.tlog, err = openTimerLog(filepath.Join(dir, "timerlog"), o.FS, o.LogFileSize); err != nil {
		t.closeFiles()
		return nil, err
	}
	if err := t.recover(cp, ok); err != nil {
		t.closeFiles()
		return nil, err
	}
	// The recovered state is a quiescent point: make it the baseline.
	if err := t.checkpoint(time.Now()); err != nil {
		t.closeFiles()
		return nil, err
	}
	go t.run()
	return t, nil
}

// Notify wakes the timer to read the timer topic now (a message arrived
// in it), rather than at its next poll.
func (t *Timer) Notify() {
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

// Close stops the timer, waits for its goroutine and the puts it has in
// flight, writes a last checkpoint and closes its files. It does not close
// the store. Later calls return ErrClosed.
func (t *Timer) Close() error {
	err := ErrClosed
	t.closeOnce.Do(func() {
		close(t.quit)
		t.cancel()
		<-t.done
		select {
		case r := <-t.cpDone: // written as the loop stopped
			t.checkpointed(r)
		default:
		}
		t.closeErr = errors.Join(t.checkpoint(time.Now()), t.closeFiles())
		err = t.closeErr
	})
	return err
}

func (t *Timer) closeFiles() error {
	var errs []error
	if t.wheel != nil {
		errs = append(errs, t.wheel.close())
	}
	if t.tlog != nil {
		errs = append(errs, t.tlog.close())
	}
	errs = append(errs, t.cpf.close())
	return errors.Join(errs...)
}

// warnState rate-limits one cause of warnings.
type warnState struct {
	at         time.Time
	suppressed int
}

// warn is limited at the warning level.
func (t *Timer) warn(key, msg string, args ...any) { t.limited(slog.LevelWarn, key, msg, args...) }

// limited logs msg at most once per 10 s per key, saying how many it held
// back: a store refusing puts, or a cleanup that removed many timer
// messages, must not flood the log (Stats counts them all).
func (t *Timer) limited(level slog.Level, key, msg string, args ...any) {
	t.warnMu.Lock()
	defer t.warnMu.Unlock()
	w := t.warned[key]
	if !w.at.IsZero() && time.Since(w.at) < 10*time.Second {
		w.suppressed++
		t.warned[key] = w
		return
	}
	if w.suppressed > 0 {
		args = append(args, "suppressed", w.suppressed)
	}
	t.log.Log(context.Background(), level, msg, args...)
	t.warned[key] = warnState{at: time.Now()}
}
