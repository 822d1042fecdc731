package flush

import (
	"sync"
	"sync/atomic"
	"time"
)

// periodic is the loop shared by IntervalFlusher and Committer: it runs an
// action every interval with a least-pages threshold, without threshold
// once every thorough interval, early on wake-up, and a last time without
// threshold on close. The action returns how many bytes it moved; a round
// that moved some is reported to Hooks.OnRound. The first failed action
// poisons it: no action runs again, and Err keeps that error.
type periodic struct {
	wake   chan struct{} // buffered 1: wake-ups coalesce
	stop   chan struct{}
	wg     sync.WaitGroup
	closed atomic.Bool
	err    atomic.Pointer[error]
	hooks  Hooks
}

// roundAction is what a periodic round does: it moves bytes (flushes or commits)
// when at least leastPages pages wait, and returns how many it moved.
type roundAction func(leastPages int) (moved int64, err error)

func (p *periodic) start(interval, thorough time.Duration, leastPages int, hooks Hooks, action roundAction) {
	p.wake = make(chan struct{}, 1)
	p.stop = make(chan struct{})
	p.hooks = hooks
	p.wg.Add(1)
	go p.run(interval, thorough, leastPages, action)
}

func (p *periodic) run(interval, thorough time.Duration, leastPages int, action roundAction) {
	defer p.wg.Done()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	lastThorough := time.Now()
	for {
		select {
		case <-ticker.C:
		case <-p.wake:
		case <-p.stop:
			p.round(action, 0)
			return
		}
		least := leastPages
		if now := time.Now(); now.Sub(lastThorough) >= thorough {
			least, lastThorough = 0, now
		}
		p.round(action, least)
	}
}

// round runs the action unless an earlier round failed. A failure is not
// retried: after a failed write or sync the target may report success
// without the bytes reaching the disk, so the first error stands until the
// target is opened again.
func (p *periodic) round(act roundAction, least int) {
	if p.err.Load() != nil {
		return
	}
	start := time.Now()
	moved, err := act(least)
	took := p.hooks.observe(start)
	if err != nil {
		p.fail(err)
		return
	}
	if moved > 0 {
		p.hooks.round(Round{Took: took, Bytes: moved})
	}
}

func (p *periodic) fail(err error) {
	p.err.Store(&err)
	p.hooks.failed(err)
}

func (p *periodic) wakeUp() {
	select {
	case p.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

func (p *periodic) failure() error {
	if e := p.err.Load(); e != nil {
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
	return p.failure()
}
