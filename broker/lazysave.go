package broker

import (
	"log/slog"
	"sync"
	"time"
)

// derivedSaveInterval is how long a change to a config file may wait to
// be written when it may be lost in a crash (see lazySave).
const derivedSaveInterval = 500 * time.Millisecond

// lazySave writes one config file, at once (now) for changes an operator
// made, and at most once per interval (later) for changes the broker can
// make again by itself: auto-created topics and groups, copies of a
// master's configs. A burst of those (a heartbeat naming 1,500 groups, a
// client sending to thousands of new topics) then costs one write and one
// fsync per interval instead of one each. A failed write is logged and
// retried after the interval; close writes what is pending.
type lazySave struct {
	what     string
	save     func() error // writes the table's current state
	interval time.Duration
	log      *slog.Logger

	saveMu sync.Mutex // one write at a time: they share a temporary file

	mu      sync.Mutex
	pending bool
	timer   *time.Timer
	closed  bool
	wg      sync.WaitGroup // the timer's function, while it may run
}

func newLazySave(what string, save func() error, log *slog.Logger) *lazySave {
	return &lazySave{what: what, save: save, interval: derivedSaveInterval, log: log}
}

// now writes the file before it returns.
func (l *lazySave) now() error {
	l.mu.Lock()
	l.pending = false // this write covers it
	l.mu.Unlock()
	return l.write()
}

// later has the file written within the interval.
func (l *lazySave) later() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.pending {
		return
	}
	l.pending = true
	l.wg.Add(1)
	l.timer = time.AfterFunc(l.interval, func() {
		defer l.wg.Done()
		l.mu.Lock()
		due := l.pending
		l.pending = false
		l.mu.Unlock()
		if !due {
			return
		}
		if err := l.write(); err != nil {
			l.log.Error("config not saved; retrying", "file", l.what, "err", err)
			l.later()
		}
	})
}

func (l *lazySave) write() error {
	l.saveMu.Lock()
	defer l.saveMu.Unlock()
	return l.save()
}

// close writes what is pending and stops the timer.
func (l *lazySave) close() error {
	l.mu.Lock()
	l.closed = true
	if l.timer != nil && l.timer.Stop() {
		l.wg.Done() // its function will not run
	}
	pending := l.pending
	l.pending = false
	l.mu.Unlock()
	l.wg.Wait()
	if pending {
		return l.write()
	}
	return nil
}
