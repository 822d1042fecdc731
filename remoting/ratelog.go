package remoting

import (
	"log/slog"
	"sync"
	"time"
)

// rateLogInterval is how often one kind of warning may be written.
const rateLogInterval = 10 * time.Second

// rateLog writes at most one line per message and interval, and reports how
// many it held back with the next line of the same message: a peer that
// repeats a fault in a loop (connects and sends garbage, floods a full
// pool) must not flood the log. Messages are constant strings, so the map
// of them stays small.
type rateLog struct {
	log   *slog.Logger
	every time.Duration

	mu   sync.Mutex
	last map[string]*rateEntry
}

type rateEntry struct {
	at   time.Time
	held int
}

func newRateLog(log *slog.Logger, every time.Duration) *rateLog {
	return &rateLog{log: log, every: every, last: make(map[string]*rateEntry)}
}

// warn logs msg with args at Warn level unless msg was logged less than an
// interval ago.
func (l *rateLog) warn(msg string, args ...any) {
	now := time.Now()
	l.mu.Lock()
	e := l.last[msg]
	if e == nil {
		e = &rateEntry{}
		l.last[msg] = e
	} else if now.Sub(e.at) < l.every {
		e.held++
		l.mu.Unlock()
		return
	}
	held := e.held
	e.at, e.held = now, 0
	l.mu.Unlock()
	if held > 0 {
		args = append(args, "suppressed", held)
	}
	l.log.Warn(msg, args...)
}
