package broker

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// An arrival releases the pulls of its own queue only: the others stay
// parked, and the bookkeeping (count, woken queues) follows.
func TestArrivalReleasesOnlyItsQueuesPulls(t *testing.T) {
	f := newFilterFixture(t, false)
	call(t, f.cl, f.addr, taggedSend("Quiet", "first", "TagA", 0))
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	pull := func(topic string, offset int64) (<-chan *remoting.Command, context.CancelFunc) {
		h := remoting.PullMessageRequestHeader{ConsumerGroup: "cg", Topic: topic, QueueOffset: offset, MaxMsgNums: 32,
			SysFlag: pullSubscription | pullSuspend, SuspendTimeoutMillis: 20_000, ExpressionType: "TAG", Subscription: "*"}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		done := make(chan *remoting.Command, 1)
		go func() {
			resp, _ := f.cl.InvokeSync(ctx, f.addr, remoting.NewRequest(remoting.RequestPullMessage, h.Encode(nil), nil))
			done <- resp
		}()
		return done, cancel
	}
	quiet, cancelQuiet := pull("Quiet", 1)
	defer cancelQuiet()
	waitFor(t, "the quiet queue's pull to be suspended", func() bool { return f.b.polls.count.Load() == 1 })
	busy, cancelBusy := pull("Filtered", 30)
	defer cancelBusy()
	waitFor(t, "both pulls to be suspended", func() bool { return f.b.polls.count.Load() == 2 })

	call(t, f.cl, f.addr, taggedSend("Filtered", "wanted", "TagC", 0))
	var resp *remoting.Command
	select {
	case resp = <-busy:
	case <-time.After(10 * time.Second):
		t.Fatal("the pull of the queue that received a message was not answered")
	}
	if resp == nil {
		t.Fatal("the woken pull failed")
	}
	if got := bodiesOf(t, resp); strings.Join(got, " ") != "wanted" {
		t.Fatalf("the woken pull got %v", got)
	}
	select {
	case <-quiet:
		t.Fatal("the quiet queue's pull was answered by another queue's arrival")
	default:
	}
	f.b.polls.mu.Lock()
	held, woken := len(f.b.polls.held), len(f.b.polls.woken)
	_, quietHeld := f.b.polls.held[queueKey{"Quiet", 0}]
	f.b.polls.mu.Unlock()
	if n := f.b.polls.count.Load(); n != 1 || held != 1 || !quietHeld || woken != 0 {
		t.Fatalf("count %d, %d queues held (quiet one: %v), %d woken; want the quiet pull alone", n, held, quietHeld, woken)
	}
	// Releasing every pull (as at close) answers the quiet one and brings
	// the count, kept by what each release removes, back to zero.
	f.b.polls.releaseAll()
	select {
	case <-quiet:
	case <-time.After(10 * time.Second):
		t.Fatal("the quiet pull was not answered when every pull was released")
	}
	if n := f.b.polls.count.Load(); n != 0 {
		t.Fatalf("count %d after releasing every pull, want 0", n)
	}
}

// The periodic check takes the pulls whose deadline passed, through the
// deadline heap, and leaves the others parked; a pull released another way
// (woken) leaves the heap too, so that nothing released stays referenced.
func TestPeriodicCheckTakesOnlyExpiredPulls(t *testing.T) {
	b := testBroker(t, t.TempDir())
	defer b.Close()
	// A long-poll table of its own, which no run loop releases meanwhile.
	l := newLongPoll(b)
	const queues = 1000
	now := time.Now()
	pulls := make([]*pullRequest, queues)
	for i := range pulls {
		deadline := now.Add(time.Hour)
		if i%2 == 0 {
			deadline = now.Add(-time.Duration(i) * time.Millisecond)
		}
		pulls[i] = &pullRequest{h: remoting.PullMessageRequestHeader{Topic: "Parked", QueueID: int32(i)}, deadline: deadline, heapIndex: -1}
		if !l.hold(pulls[i]) {
			t.Fatalf("pull %d not parked", i)
		}
	}
	l.mu.Lock()
	due, removed := l.takeExpiredLocked(now, nil)
	l.count.Add(-int64(removed))
	held, inHeap := len(l.held), len(l.deadlines)
	l.mu.Unlock()
	if removed != queues/2 || len(due) != queues/2 {
		t.Fatalf("removed %d, due %d; want the %d expired pulls", removed, len(due), queues/2)
	}
	for _, p := range due {
		if p.deadline.After(now) || p.heapIndex != -1 {
			t.Fatalf("took queue %d, deadline in %v, heap index %d", p.h.QueueID, p.deadline.Sub(now), p.heapIndex)
		}
	}
	if held != queues/2 || inHeap != queues/2 || l.count.Load() != queues/2 {
		t.Fatalf("%d queues held, %d pulls in the heap, count %d; want %d each", held, inHeap, l.count.Load(), queues/2)
	}

	// A woken pull leaves the queue and the heap.
	woken := pulls[1]
	l.mu.Lock()
	woken.woken = true
	took, n := l.takeDueLocked(queueKey{"Parked", 1}, false, now, nil)
	l.count.Add(-int64(n))
	inHeap = len(l.deadlines)
	for i, p := range l.deadlines {
		if p.heapIndex != i || p == woken {
			l.mu.Unlock()
			t.Fatalf("heap slot %d holds queue %d with index %d", i, p.h.QueueID, p.heapIndex)
		}
	}
	l.mu.Unlock()
	if len(took) != 1 || took[0] != woken || inHeap != queues/2-1 || woken.heapIndex != -1 {
		t.Fatalf("took %d pulls, %d left in the heap, woken pull's index %d", len(took), inHeap, woken.heapIndex)
	}
	// Nothing more is due before the remaining deadlines.
	l.mu.Lock()
	due, removed = l.takeExpiredLocked(now.Add(time.Minute), nil)
	l.mu.Unlock()
	if removed != 0 || len(due) != 0 {
		t.Fatalf("%d pulls taken before their deadline", removed)
	}
}
