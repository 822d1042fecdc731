package broker

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// logEvery is how often one cause of a warning a peer can repeat in a loop
// (a refused request, an unknown producer) is logged.
const logEvery = 10 * time.Second

// limitedLog logs a line at most once per logEvery for each cause, with the
// number of lines held back since the last one, so that a client repeating
// a bad request cannot flood the log.
type limitedLog struct {
	log *slog.Logger

	mu    sync.Mutex
	last  map[string]time.Time
	held  map[string]int
	every time.Duration
}

func newLimitedLog(l *slog.Logger) *limitedLog {
	return &limitedLog{log: l, last: map[string]time.Time{}, held: map[string]int{}, every: logEvery}
}

// warn logs msg with args unless cause was logged less than every ago.
func (l *limitedLog) warn(cause, msg string, args ...any) {
	now := time.Now()
	l.mu.Lock()
	if t, ok := l.last[cause]; ok && now.Sub(t) < l.every {
		l.held[cause]++
		l.mu.Unlock()
		return
	}
	held := l.held[cause]
	l.last[cause] = now
	delete(l.held, cause)
	if len(l.last) > 4096 { // causes include peer-chosen names: keep the map bounded
		for k, t := range l.last {
			if now.Sub(t) >= l.every {
				delete(l.last, k)
				delete(l.held, k)
			}
		}
	}
	l.mu.Unlock()
	if held > 0 {
		args = append(args, "suppressed", held)
	}
	l.log.Log(context.Background(), slog.LevelWarn, msg, args...)
}
