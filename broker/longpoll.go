package broker

import (
	"container/heap"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
)

// longPollCheck is how often suspended pulls are checked for timeouts.
const longPollCheck = 100 * time.Millisecond

// longPoll keeps suspended pulls per queue and runs them again when the
// dispatcher reports a new message for their queue that their filter's tag
// step lets through, or they time out, as RocketMQ's PullRequestHoldService
// does.
type longPoll struct {
	b     *Broker
	count atomic.Int64 // suspended pulls: arrivals cost nothing while 0

	mu     sync.Mutex
	held   map[queueKey][]*pullRequest
	byConn map[*remoting.Conn]int // suspended pulls per connection
	// woken are the queues with a woken pull: an arrival releases those
	// alone, not every pull of thousands of queues (each message would
	// then cost a scan of them all).
	woken     map[queueKey]struct{}
	deadlines deadlineHeap // the parked pulls, soonest deadline first
	wake      chan struct{}
	quit      chan struct{}
}

type queueKey struct {
	topic   string
	queueID int32
}

func newLongPoll(b *Broker) *longPoll {
	return &longPoll{
		b:      b,
		held:   make(map[queueKey][]*pullRequest),
		byConn: make(map[*remoting.Conn]int),
		woken:  make(map[queueKey]struct{}),
		wake:   make(chan struct{}, 1),
		quit:   make(chan struct{}),
	}
}

// hold parks p until its queue grows or its deadline passes. It reports
// false, parking nothing, when p's connection has MaxSuspendedPullsPerConn
// pulls parked already; a pull of a closed connection is dropped.
func (l *longPoll) hold(p *pullRequest) bool {
	k := queueKey{p.h.Topic, p.h.QueueID}
	l.mu.Lock()
	if isGone(p.conn) {
		l.mu.Unlock()
		return true // nobody to answer
	}
	if l.byConn[p.conn] >= l.b.opts.MaxSuspendedPullsPerConn {
		l.mu.Unlock()
		return false
	}
	l.held[k] = append(l.held[k], p)
	heap.Push(&l.deadlines, p)
	l.byConn[p.conn]++
	l.count.Add(1)
	l.mu.Unlock()
	// A message dispatched after the pull looked and before it was parked
	// found no pull to wake; from here on arrivals see p, so one look at
	// the queue's end closes the gap.
	if l.b.store.GetMaxOffsetInQueue(p.h.Topic, p.h.QueueID) > p.h.QueueOffset {
		l.mu.Lock()
		p.woken = true
		l.woken[k] = struct{}{}
		l.mu.Unlock()
		l.signal()
	}
	return true
}

// dropConn forgets the pulls a closed connection had parked, at once: no
// answer can reach it, and its requests must not stay held.
func (l *longPoll) dropConn(c *remoting.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byConn[c] == 0 {
		return
	}
	removed := 0
	for k, ps := range l.held {
		n := len(ps)
		kept := slices.DeleteFunc(ps, func(p *pullRequest) bool {
			if p.conn != c {
				return false
			}
			l.forgetDeadlineLocked(p)
			return true
		})
		removed += n - len(kept)
		if len(kept) == 0 {
			delete(l.held, k)
		} else {
			l.held[k] = kept
		}
	}
	delete(l.byConn, c)
	l.count.Add(-int64(removed))
}

// arrived is the store's arrival listener; it runs on the dispatcher, so it
// only marks the pulls that want the message: a pull filtered by tag is not
// woken by messages it would skip.
func (l *longPoll) arrived(a store.Arrival) {
	if l.count.Load() == 0 {
		return
	}
	k := queueKey{a.Topic, a.QueueID}
	woke := false
	l.mu.Lock()
	for _, p := range l.held[k] {
		if p.filter == nil || p.filter.MatchTagsCode(a.TagsCode) {
			p.woken, woke = true, true
		}
	}
	if woke {
		l.woken[k] = struct{}{}
	}
	l.mu.Unlock()
	if woke {
		l.signal()
	}
}

// signal tells the run loop that pulls were woken.
func (l *longPoll) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *longPoll) run() {
	tick := time.NewTicker(longPollCheck)
	defer tick.Stop()
	for {
		select {
		case <-l.quit:
			l.releaseAll()
			return
		case <-l.wake:
			l.releaseWoken(false)
		case <-tick.C:
			l.releaseWoken(true)
		}
	}
}

// releaseAll runs again every parked pull (at close).
func (l *longPoll) releaseAll() {
	now := time.Now()
	var due []*pullRequest
	l.mu.Lock()
	removed := 0
	for k := range l.held {
		var n int
		due, n = l.takeDueLocked(k, true, now, due)
		removed += n
	}
	clear(l.woken)
	l.count.Add(-int64(removed))
	l.mu.Unlock()
	l.runAgain(due)
}

// releaseWoken runs again the pulls of the queues that had a pull woken,
// and those of their pulls whose deadline passed; with expired, also every
// pull whose deadline passed (the periodic check). Other pulls stay parked.
func (l *longPoll) releaseWoken(expired bool) {
	now := time.Now()
	var due []*pullRequest
	l.mu.Lock()
	removed := 0
	for k := range l.woken {
		var n int
		due, n = l.takeDueLocked(k, false, now, due)
		removed += n
	}
	clear(l.woken)
	if expired {
		var n int
		due, n = l.takeExpiredLocked(now, due)
		removed += n
	}
	l.count.Add(-int64(removed))
	l.mu.Unlock()
	l.runAgain(due)
}

// takeDueLocked removes from queue k's parked pulls those to run again
// (woken, past their deadline or, with all, every one) and appends them to
// due; pulls of a closed connection are dropped. It returns due and how
// many pulls it removed, for the caller to update the count.
func (l *longPoll) takeDueLocked(k queueKey, all bool, now time.Time, due []*pullRequest) ([]*pullRequest, int) {
	ps := l.held[k]
	kept := ps[:0]
	removed := 0
	for _, p := range ps {
		gone := isGone(p.conn) // the client is gone: no answer
		if gone || all || p.woken || !now.Before(p.deadline) {
			l.forgetDeadlineLocked(p)
			l.unheldLocked(p.conn)
			removed++
			if !gone {
				due = append(due, p)
			}
			continue
		}
		kept = append(kept, p)
	}
	if len(kept) == 0 {
		delete(l.held, k)
	} else {
		l.held[k] = kept
	}
	return due, removed
}

// runAgain runs pulls taken from the parked ones without suspending them.
func (l *longPoll) runAgain(due []*pullRequest) {
	for _, p := range due {
		// Run once more without suspending: messages, or PULL_NOT_FOUND so
		// the client asks again.
		if resp := l.b.pull(p, false); resp != nil {
			if err := p.conn.Reply(p.req, resp); err != nil {
				l.b.pullResponseDropped(p.conn, err)
			}
		}
	}
}

// isGone reports whether c is closed (a pull made in process has none).
func isGone(c *remoting.Conn) bool {
	if c == nil {
		return false
	}
	select {
	case <-c.Done():
		return true
	default:
		return false
	}
}

// unheldLocked counts one pull of c no longer parked.
func (l *longPoll) unheldLocked(c *remoting.Conn) {
	if n := l.byConn[c] - 1; n > 0 {
		l.byConn[c] = n
	} else {
		delete(l.byConn, c)
	}
}

func (l *longPoll) close() {
	select {
	case <-l.quit:
	default:
		close(l.quit)
	}
}
