package flush

import (
	"errors"
	"syscall"
	"testing"
	"time"
)

func TestIntervalFlusherHonoursLeastPages(t *testing.T) {
	target := &fakeTarget{}
	f := NewIntervalFlusher(target, IntervalOptions{Interval: time.Millisecond, LeastPages: 4, ThoroughInterval: time.Hour})
	target.writeCommitted(3 * 4096)
	time.Sleep(20 * time.Millisecond)
	if target.FlushedOffset() != 0 {
		t.Fatal("3 dirty pages flushed under a 4-page threshold")
	}
	target.writeCommitted(4096)
	if !eventually(func() bool { return target.FlushedOffset() == 4*4096 }) {
		t.Fatalf("4 dirty pages not flushed: flushed %d", target.FlushedOffset())
	}
	target.writeCommitted(100)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if target.FlushedOffset() != 4*4096+100 {
		t.Fatalf("Close did not flush the rest: %d", target.FlushedOffset())
	}
	if err := f.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

func TestIntervalFlusherThoroughInterval(t *testing.T) {
	target := &fakeTarget{}
	f := NewIntervalFlusher(target, IntervalOptions{Interval: time.Millisecond, LeastPages: 100, ThoroughInterval: 20 * time.Millisecond})
	defer f.Close()
	target.writeCommitted(10)
	if !eventually(func() bool { return target.FlushedOffset() == 10 }) {
		t.Fatal("the thorough interval never flushed a small tail")
	}
}

func TestIntervalFlusherKeepsAndRetriesErrors(t *testing.T) {
	target := &fakeTarget{failWith: syscall.EIO}
	f := NewIntervalFlusher(target, IntervalOptions{Interval: time.Millisecond, LeastPages: -1})
	defer f.Close()
	target.writeCommitted(10)
	if !eventually(func() bool { return errors.Is(f.LastError(), syscall.EIO) }) {
		t.Fatalf("LastError = %v, want EIO", f.LastError())
	}
	target.mu.Lock()
	target.failWith = nil
	target.mu.Unlock()
	if !eventually(func() bool { return f.LastError() == nil && target.FlushedOffset() == 10 }) {
		t.Fatalf("no retry: err %v flushed %d", f.LastError(), target.FlushedOffset())
	}
}

func TestWakeFlushesNow(t *testing.T) {
	target := &fakeTarget{}
	f := NewIntervalFlusher(target, IntervalOptions{Interval: time.Hour, LeastPages: -1})
	defer f.Close()
	target.writeCommitted(10)
	f.Wake()
	if !eventually(func() bool { return target.FlushedOffset() == 10 }) {
		t.Fatal("Wake did not flush")
	}
}

func TestCommitterCommitsAndCallsBack(t *testing.T) {
	target := &fakeTarget{}
	woken := make(chan struct{}, 100)
	c := NewCommitter(target, CommitterOptions{Interval: time.Millisecond, LeastPages: 1}, func() { woken <- struct{}{} })
	target.write(2 * 4096)
	select {
	case <-woken:
	case <-time.After(5 * time.Second):
		t.Fatal("onCommit never called")
	}
	if target.CommittedOffset() != 2*4096 {
		t.Fatalf("committed %d", target.CommittedOffset())
	}
	target.write(10)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if target.CommittedOffset() != 2*4096+10 {
		t.Fatalf("Close left %d bytes uncommitted", target.MaxOffset()-target.CommittedOffset())
	}
}
