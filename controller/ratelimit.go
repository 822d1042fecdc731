package controller

import (
	"sync"
	"time"
)

// rateLimiter lets one log line per key through per period, so a peer
// retrying in a loop leaves a line now and then rather than a flood.
type rateLimiter struct {
	period time.Duration

	mu   sync.Mutex
	last map[string]time.Time
}

// maxLimiterKeys bounds the memory peers can make the limiter use.
const maxLimiterKeys = 4096

func newRateLimiter(period time.Duration) *rateLimiter {
	return &rateLimiter{period: period, last: make(map[string]time.Time)}
}

// allow reports whether a line for key may be logged now.
func (l *rateLimiter) allow(key string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.last[key]; ok && now.Sub(t) < l.period {
		return false
	}
	if len(l.last) >= maxLimiterKeys {
		clear(l.last)
	}
	l.last[key] = now
	return true
}
