package flush

import (
	"errors"
	"fmt"
	"time"
)

// ErrInvalidOptions means options hold values that cannot work; Validate
// reports every such problem at once, each wrapping it.
var ErrInvalidOptions = errors.New("flush: invalid options")

// Hooks report what a service's goroutine cannot return to a caller. Every
// field is optional; the callbacks run on the service's goroutine, so they
// must not block for long nor call Close.
type Hooks struct {
	// OnRound gets every round that did work: a group-commit round that
	// answered a waiter or made bytes durable, an interval-flush round that
	// made bytes durable, a committer round that moved bytes into the
	// files. Failed rounds go to OnError instead. It is called once per
	// round, never per append, so a metrics histogram can observe it.
	OnRound func(Round)
	// StallThreshold makes a round (a commit, a flush, or both) that took at
	// least this long call OnStall. Default 0: no stall is reported.
	StallThreshold time.Duration
	// OnStall gets how long a slow round took.
	OnStall func(took time.Duration)
	// OnError gets the error of the first round that failed, once: the
	// service is poisoned from then on (see the package documentation).
	OnError func(err error)
}

// Round describes one round of a service that did work.
type Round struct {
	// Took is how long the round's commit and flush took (for a group
	// commit, not the linger before it).
	Took time.Duration
	// Bytes is how far the round moved the target's flushed offset (the
	// committed offset, for a committer). Another service flushing the
	// same target at the same time can add its bytes.
	Bytes int64
	// Waiters is how many waiters a group-commit round answered: the size
	// of the group. 0 for the other services.
	Waiters int
}

// observe returns how long a round that began at start took, and reports
// it to OnStall when it was slow.
func (h *Hooks) observe(start time.Time) time.Duration {
	took := time.Since(start)
	if h.StallThreshold > 0 && h.OnStall != nil && took >= h.StallThreshold {
		h.OnStall(took)
	}
	return took
}

// round reports a round that did work to OnRound.
func (h *Hooks) round(r Round) {
	if h.OnRound != nil {
		h.OnRound(r)
	}
}

func (h *Hooks) failed(err error) {
	if h.OnError != nil {
		h.OnError(err)
	}
}

// problems collects what Validate finds.
type problems []error

func (p *problems) add(format string, args ...any) {
	*p = append(*p, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...))
}

func (p *problems) nonNegative(name string, v time.Duration) {
	if v < 0 {
		p.add("%s %v is negative", name, v)
	}
}

// periods checks an interval and the thorough interval it ticks with.
func (p *problems) periods(what string, interval, thorough, defInterval, defThorough time.Duration) {
	p.nonNegative(what+" Interval", interval)
	p.nonNegative(what+" ThoroughInterval", thorough)
	i, th := durationOrDefault(interval, defInterval), durationOrDefault(thorough, defThorough)
	if th < i {
		p.add("%s ThoroughInterval %v is shorter than its Interval %v: thorough rounds happen on ticks", what, th, i)
	}
}

func (p *problems) hooks(h Hooks) {
	p.nonNegative("Hooks.StallThreshold", h.StallThreshold)
	if h.StallThreshold > 0 && h.OnStall == nil {
		p.add("Hooks.StallThreshold %v without OnStall", h.StallThreshold)
	}
}

func (p problems) err() error { return errors.Join(p...) }

// Validate reports every problem of o at once.
func (o GroupCommitOptions) Validate() error {
	var p problems
	p.nonNegative("Timeout", o.Timeout)
	p.hooks(o.Hooks)
	return p.err()
}

// Validate reports every problem of o at once.
func (o IntervalOptions) Validate() error {
	var p problems
	p.periods("flush", o.Interval, o.ThoroughInterval, DefaultFlushInterval, DefaultFlushThoroughInterval)
	p.hooks(o.Hooks)
	return p.err()
}

// Validate reports every problem of o at once.
func (o CommitterOptions) Validate() error {
	var p problems
	p.periods("commit", o.Interval, o.ThoroughInterval, DefaultCommitInterval, DefaultCommitThoroughInterval)
	p.hooks(o.Hooks)
	return p.err()
}

// Validate reports every problem of o at once.
func (o PoolOptions) Validate() error {
	var p problems
	if o.BufferSize <= 0 {
		p.add("BufferSize %d, want > 0", o.BufferSize)
	}
	if o.Size < 0 {
		p.add("Size %d is negative", o.Size)
	}
	if o.BestEffortLock && !o.Lock {
		p.add("BestEffortLock without Lock")
	}
	return p.err()
}

// leastPagesOrDefault maps the zero value to def and a negative value to 0,
// which the Target reads as "any dirty byte".
func leastPagesOrDefault(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// durationOrDefault maps a zero duration to def.
func durationOrDefault(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}
