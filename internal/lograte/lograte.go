// Package lograte keeps log lines that a remote peer can trigger in a loop
// (refused requests, bad signatures) from flooding the log: one line per
// cause per interval, the next one saying how many were held back.
package lograte

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultEvery is the interval between two lines of one cause.
const DefaultEvery = 10 * time.Second

// maxKeys bounds the causes remembered. Keys often carry what a peer sent
// (an access key, an address), so without a bound a peer could grow the
// table at will; past it, old causes are forgotten and, if none is old
// enough, new causes share one overflow entry.
const maxKeys = 4096

// overflowKey is the shared entry used when the table is full.
const overflowKey = "\x00overflow"

// Limiter decides which lines of each cause get written. The zero value is
// not usable; call New. It is safe for concurrent use.
type Limiter struct {
	every time.Duration
	now   func() time.Time

	mu        sync.Mutex
	last      map[string]*entry
	lastPrune time.Time
}

type entry struct {
	at         time.Time // when the last line of this cause was written
	suppressed int       // lines held back since
}

// New returns a limiter that lets one line per cause through every
// interval (DefaultEvery when every <= 0).
func New(every time.Duration) *Limiter {
	if every <= 0 {
		every = DefaultEvery
	}
	return &Limiter{every: every, now: time.Now, last: make(map[string]*entry)}
}

// Unlimited returns a limiter that lets every line through, for tests that
// look for each line.
func Unlimited() *Limiter { return &Limiter{every: -1} }

// Allow reports whether a line of cause key may be written now and, if so,
// how many lines of that cause were held back since the last one.
func (l *Limiter) Allow(key string) (ok bool, suppressed int) {
	if l.every < 0 { // Unlimited
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.last[key]
	if e == nil {
		if len(l.last) >= maxKeys && now.Sub(l.lastPrune) >= l.every {
			l.pruneLocked(now)
		}
		if len(l.last) >= maxKeys {
			key = overflowKey
			e = l.last[key]
		}
	}
	if e == nil {
		l.last[key] = &entry{at: now}
		return true, 0
	}
	if now.Sub(e.at) < l.every {
		e.suppressed++
		return false, 0
	}
	suppressed = e.suppressed
	e.at, e.suppressed = now, 0
	return true, suppressed
}

// pruneLocked forgets causes whose last line is older than the interval:
// their next line would be allowed anyway, only its held-back count is
// lost. It runs at most once per interval, so a full table costs a peer
// flooding new causes one sweep per interval, not one per line.
func (l *Limiter) pruneLocked(now time.Time) {
	l.lastPrune = now
	for k, e := range l.last {
		if now.Sub(e.at) >= l.every {
			delete(l.last, k)
		}
	}
}

// Log writes msg at level through log unless a line of cause key was
// written less than the interval ago. A line that follows held-back ones
// carries their number as "suppressed".
func (l *Limiter) Log(log *slog.Logger, level slog.Level, key, msg string, args ...any) {
	if !log.Enabled(context.Background(), level) {
		return
	}
	ok, suppressed := l.Allow(key)
	if !ok {
		return
	}
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	log.Log(context.Background(), level, msg, args...)
}
