package flush

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestCommitterCommitsAndCallsBack(t *testing.T) {
	target := &fakeTarget{}
	woken := make(chan struct{}, 100)
	c := mustCommitter(t, target, CommitterOptions{Interval: time.Millisecond, LeastPages: 1, ThoroughInterval: time.Hour},
		func() { woken <- struct{}{} })
	end := target.write(2 * pageSize)
	select {
	case <-woken:
	case <-time.After(5 * time.Second):
		t.Fatal("onCommit never called")
	}
	if got := target.CommittedOffset(); got != end {
		t.Fatalf("committed %d when onCommit ran, want %d", got, end)
	}

	tail := target.write(10) // below LeastPages: only Close commits it
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if got := target.CommittedOffset(); got != tail {
		t.Fatalf("Close left %d bytes uncommitted", tail-got)
	}
	if len(woken) != 1 {
		t.Fatalf("%d onCommit calls for the final commit, want 1", len(woken))
	}
	if err := c.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v, want ErrClosed", err)
	}
}

func TestCommitterLeastPages(t *testing.T) {
	target := &fakeTarget{}
	var calls atomic.Int64
	c := mustCommitter(t, target, CommitterOptions{Interval: time.Millisecond, ThoroughInterval: time.Hour},
		func() { calls.Add(1) })
	defer c.Close()
	target.write(3 * pageSize) // default LeastPages is 4
	rounds := target.commitCalls.Load() + 5
	waitFor(t, "five more rounds", func() bool { return target.commitCalls.Load() >= rounds })
	if target.CommittedOffset() != 0 || calls.Load() != 0 {
		t.Fatalf("committed %d bytes (%d callbacks) below the threshold", target.CommittedOffset(), calls.Load())
	}
	end := target.write(pageSize)
	waitFor(t, "four pages are committed", func() bool { return target.CommittedOffset() == end })
	waitFor(t, "onCommit runs", func() bool { return calls.Load() == 1 })
}

func TestCommitterWake(t *testing.T) {
	target := &fakeTarget{}
	done := make(chan struct{}, 1)
	c := mustCommitter(t, target, CommitterOptions{Interval: time.Hour, LeastPages: -1, ThoroughInterval: time.Hour},
		func() { done <- struct{}{} })
	defer c.Close()
	target.write(1)
	c.Wake()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Wake never committed")
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
}
