package ha

import (
	"log/slog"
	"sync"
	"time"
)

// refusalEvery is how often one kind of refused connection is logged: a
// peer can connect in a loop.
const refusalEvery = 10 * time.Second

// refusalLog logs a refusal at most once per refusalEvery for each message
// (the causes are few and fixed), with the number held back since.
type refusalLog struct {
	mu   sync.Mutex
	last map[string]time.Time
	held map[string]int
}

func (r *refusalLog) warn(log *slog.Logger, msg string, args ...any) {
	now := time.Now()
	r.mu.Lock()
	if r.last == nil {
		r.last, r.held = map[string]time.Time{}, map[string]int{}
	}
	if now.Sub(r.last[msg]) < refusalEvery {
		r.held[msg]++
		r.mu.Unlock()
		return
	}
	held := r.held[msg]
	r.last[msg], r.held[msg] = now, 0
	r.mu.Unlock()
	if held > 0 {
		args = append(args, "suppressed", held)
	}
	log.Warn(msg, args...)
}
