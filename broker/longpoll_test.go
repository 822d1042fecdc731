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
	f.b.polls.release(true)
	select {
	case <-quiet:
	case <-time.After(10 * time.Second):
		t.Fatal("the quiet pull was not answered when every pull was released")
	}
	if n := f.b.polls.count.Load(); n != 0 {
		t.Fatalf("count %d after releasing every pull, want 0", n)
	}
}
