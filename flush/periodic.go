package flush

import (
	"sync"
	"sync/atomic"
	"time"
)

// periodic runs an action every interval with a least-pages threshold, and
// with no threshold every thorough interval, on wake-up, and once more on
// close. It is the loop shared by IntervalFlusher and Committer.
type periodic struct {
	wake    chan struct{}
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  atomic.Bool
	lastErr atomic.Pointer[error]
}

func (p *periodic) start(interval, thorough time.Duration, leastPages int, action func(leastPages int) error) {
	p.wake = make(chan struct{}, 1)
	p.stop = make(chan struct{})
	p.wg.Add(1)
	go func() {
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
			p.record(action(least))
		}
	}()
}

func (p *periodic) record(err error) {
	if err == nil {
		p.lastErr.Store(nil)
		return
	}
	p.lastErr.Store(&err)
}

// Wake makes the service run now.
func (p *periodic) Wake() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// LastError is the error of the last run, nil when it succeeded.
func (p *periodic) LastError() error {
	if e := p.lastErr.Load(); e != nil {
		return *e
	}
	return nil
}

// Close stops the goroutine after one last run with no threshold and
// returns that run's error.
func (p *periodic) Close() error {
	if p.closed.Swap(true) {
		return ErrClosed
	}
	close(p.stop)
	p.wg.Wait()
	return p.LastError()
}

// leastPagesOrDefault maps the zero value to def and a negative value to 0
// (any dirty byte).
func leastPagesOrDefault(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func durationOrDefault(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
