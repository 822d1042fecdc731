package broker

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rateLimits are the send rate limits of topics and producer groups. The
// value is immutable once published (flowControl.limits): a change builds
// a new one, keeping the buckets of unchanged limits.
type rateLimits struct {
	topics, groups map[string]*bucketPair
}

// bucketPair limits messages and bytes of one topic or group.
type bucketPair struct {
	limit           RateLimit
	messages, bytes tokenBucket
}

// tokenBucket holds up to rate tokens (one second of burst), refilled at
// rate per second.
type tokenBucket struct {
	mu     sync.Mutex
	rate   float64
	tokens float64
	last   time.Time
}

func newBucketPair(r RateLimit) *bucketPair {
	p := &bucketPair{limit: r}
	p.messages = tokenBucket{rate: r.MessagesPerSecond, tokens: r.MessagesPerSecond}
	p.bytes = tokenBucket{rate: r.BytesPerSecond, tokens: r.BytesPerSecond}
	return p
}

// refill adds the tokens earned since the last call.
func (b *tokenBucket) refill(now time.Time) {
	if !b.last.IsZero() {
		b.tokens = min(b.rate, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
}

// take takes n messages and size bytes from both buckets, or nothing: a
// refused send costs no tokens. A request larger than one second's worth
// passes when the bucket is full, so that a limit below one message's size
// does not block a topic for ever.
func (p *bucketPair) take(n, size int, now time.Time) bool {
	m, b := &p.messages, &p.bytes
	m.mu.Lock()
	defer m.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	m.refill(now)
	b.refill(now)
	okM := m.rate <= 0 || m.tokens >= min(float64(n), m.rate)
	okB := b.rate <= 0 || b.tokens >= min(float64(size), b.rate)
	if !okM || !okB {
		return false
	}
	if m.rate > 0 {
		m.tokens -= float64(n)
	}
	if b.rate > 0 {
		b.tokens -= float64(size)
	}
	return true
}

func (l *rateLimits) empty() bool { return l == nil || len(l.topics)+len(l.groups) == 0 }

// take charges a send of n messages and size bytes to its topic and
// producer group; it names the limit that refused it.
func (l *rateLimits) take(topic, group string, n, size int, now time.Time) error {
	if p := l.topics[topic]; p != nil && !p.take(n, size, now) {
		return fmt.Errorf("[RATE_LIMIT]broker busy, topic %s is over its send limit of %s", topic, p.limit)
	}
	if p := l.groups[group]; p != nil && !p.take(n, size, now) {
		return fmt.Errorf("[RATE_LIMIT]broker busy, producer group %s is over its send limit of %s", group, p.limit)
	}
	return nil
}

// with returns a copy of l with the limit of a topic (or producer group)
// set; a zero limit removes it.
func (l *rateLimits) with(topic bool, name string, r RateLimit) *rateLimits {
	n := &rateLimits{topics: maps.Clone(l.topics), groups: maps.Clone(l.groups)}
	m := &n.groups
	if topic {
		m = &n.topics
	}
	if *m == nil {
		*m = map[string]*bucketPair{}
	}
	if r == (RateLimit{}) {
		delete(*m, name)
	} else {
		(*m)[name] = newBucketPair(r)
	}
	return n
}

// String writes a limit as its config value: "<messages/s>,<bytes/s>".
func (r RateLimit) String() string {
	return strconv.FormatFloat(r.MessagesPerSecond, 'f', -1, 64) + "," + strconv.FormatFloat(r.BytesPerSecond, 'f', -1, 64)
}

// ParseRateLimit reads a limit written as "<messages/s>,<bytes/s>" (either
// may be 0 for unlimited; "<messages/s>" alone limits messages only).
func ParseRateLimit(s string) (RateLimit, error) {
	var r RateLimit
	msgs, bytes, _ := strings.Cut(strings.TrimSpace(s), ",")
	var err error
	if r.MessagesPerSecond, err = strconv.ParseFloat(strings.TrimSpace(msgs), 64); err != nil {
		return r, fmt.Errorf("rate limit %q: want <messages/s>,<bytes/s>: %w", s, err)
	}
	if bytes != "" {
		if r.BytesPerSecond, err = strconv.ParseFloat(strings.TrimSpace(bytes), 64); err != nil {
			return r, fmt.Errorf("rate limit %q: want <messages/s>,<bytes/s>: %w", s, err)
		}
	}
	if r.MessagesPerSecond < 0 || r.BytesPerSecond < 0 {
		return r, fmt.Errorf("rate limit %q: rates must not be negative", s)
	}
	return r, nil
}
