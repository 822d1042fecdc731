package broker

import (
	"log/slog"
	"sync"
	"time"
)

// maxThrottledCauses bounds the causes a logThrottle remembers.
const maxThrottledCauses = 4096

// logThrottle lets one log line per cause through each period, so that a
// client repeating a refused request in a loop does not flood the log; the
// next line that gets through says how many were held back. Safe for
// concurrent use.
type logThrottle struct {
	period time.Duration

	mu     sync.Mutex
	causes map[string]*throttledCause
}

type throttledCause struct {
	last       time.Time
	suppressed int
}

func newLogThrottle(period time.Duration) *logThrottle {
	return &logThrottle{period: period, causes: make(map[string]*throttledCause)}
}

// warn logs msg with args at Warn level unless a line for cause was
// logged less than a period ago.
func (t *logThrottle) warn(log *slog.Logger, cause, msg string, args ...any) {
	now := time.Now()
	t.mu.Lock()
	c := t.causes[cause]
	if c != nil && now.Sub(c.last) < t.period {
		c.suppressed++
		t.mu.Unlock()
		return
	}
	if c == nil {
		t.makeRoom(now)
		c = &throttledCause{}
		t.causes[cause] = c
	}
	suppressed := c.suppressed
	c.last, c.suppressed = now, 0
	t.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	log.Warn(msg, args...)
}

// makeRoom forgets the causes whose period is over once too many are
// remembered, and all of them if that is not enough.
func (t *logThrottle) makeRoom(now time.Time) {
	if len(t.causes) < maxThrottledCauses {
		return
	}
	for k, c := range t.causes {
		if now.Sub(c.last) >= t.period {
			delete(t.causes, k)
		}
	}
	if len(t.causes) >= maxThrottledCauses {
		clear(t.causes)
	}
}
