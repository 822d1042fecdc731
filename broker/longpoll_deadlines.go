package broker

import (
	"container/heap"
	"slices"
	"time"
)

// deadlineHeap orders the parked pulls by deadline, so that the periodic
// check takes the pulls whose deadline passed instead of visiting every
// parked pull of every queue: with thousands of long-polled queues that
// visit, ten times a second, was a broker's busiest loop. Guarded by
// longPoll.mu; each pull knows its place (heapIndex, -1 when not in it).
type deadlineHeap []*pullRequest

func (h deadlineHeap) Len() int           { return len(h) }
func (h deadlineHeap) Less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }

func (h deadlineHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIndex, h[j].heapIndex = i, j
}

func (h *deadlineHeap) Push(x any) {
	p := x.(*pullRequest)
	p.heapIndex = len(*h)
	*h = append(*h, p)
}

func (h *deadlineHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = nil // no reference kept to a released pull
	p.heapIndex = -1
	*h = old[:len(old)-1]
	return p
}

// forgetDeadlineLocked takes p out of the deadline heap (a pull woken,
// dropped or released some other way).
func (l *longPoll) forgetDeadlineLocked(p *pullRequest) {
	if p.heapIndex >= 0 {
		heap.Remove(&l.deadlines, p.heapIndex)
	}
}

// takeExpiredLocked removes the parked pulls whose deadline is not after
// now and appends those whose client is still there to due. It returns
// due and how many pulls it removed.
func (l *longPoll) takeExpiredLocked(now time.Time, due []*pullRequest) ([]*pullRequest, int) {
	removed := 0
	for len(l.deadlines) > 0 && !now.Before(l.deadlines[0].deadline) {
		p := heap.Pop(&l.deadlines).(*pullRequest)
		k := queueKey{p.h.Topic, p.h.QueueID}
		if kept := slices.DeleteFunc(l.held[k], func(q *pullRequest) bool { return q == p }); len(kept) == 0 {
			delete(l.held, k)
		} else {
			l.held[k] = kept
		}
		l.unheldLocked(p.conn)
		removed++
		if !isGone(p.conn) {
			due = append(due, p)
		}
	}
	return due, removed
}
