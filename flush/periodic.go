package flush

import (
	"sync"
	"sync/atomic"
	"time"
)

// periodic is the loop shared by IntervalFlusher and Committer: it runs an
// action every interval with a least-pages threshold, without threshold
// once every thorough interval, early on wake-up, and a last time without
// threshold on close.
type periodic struct {
	wake    chan struct{} // buffered 1: wake-ups coalesce
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  atomic.Bool
	lastErr atomic.Pointer[error]
}

func (p *periodic) start(interval, thorough time.Duration, leastPages int, action func(leastPages int) error) {
	p.wake = make(chan struct{}, 1)
	p.stop = make(chan struct{})
	p.wg.Add(1)
	go p.run(interval, thorough, leastPages, action)
}

func (p *periodic) run(interval, thorough time.Duration, leastPages int, action func(leastPages int) error) {
	defer p.wg.Done()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	lastThorough := time.Now()
	for {
		select {
		case <-ticker.C:
		case <-p.wake:
		case <-p.stop:
			p.record(action(0))
			return
		}
		least := leastPages
		if now := time.Now(); now.Sub(lastThorough) >= thorough {
			least, lastThorough = 0, now
		}
		// An error does not stop the loop: the next round retries, and the
		// owner sees it through LastError meanwhile.
		p.record(action(least))
	}
}

func (p *periodic) record(err error) {
	if err == nil {
		p.lastErr.Store(nil)
		return
	}
	p.lastErr.Store(&err)
}

func (p *periodic) wakeUp() {
	select {
	case p.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

func (p *periodic) lastError() error {
	if e := p.lastErr.Load(); e != nil {
		return *e
	}
	return nil
}

func (p *periodic) close() error {
	if p.closed.Swap(true) {
		return ErrClosed
	}
	close(p.stop)
	p.wg.Wait()
	return p.lastError()
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

// durationOrDefault maps zero and negative durations to def.
func durationOrDefault(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
