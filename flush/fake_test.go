package flush

import (
	"sync"
	"sync/atomic"
	"time"
)

// fakeTarget is a log in memory: MaxOffset grows by write, Commit and Flush
// move their offsets, and tests can block or fail flushes.
type fakeTarget struct {
	wrote, committed, flushed atomic.Int64
	flushes, commits          atomic.Int64
	flushDelay                time.Duration
	block                     chan struct{} // flushes wait on it when non-nil
	mu                        sync.Mutex
	failWith                  error
}

func (f *fakeTarget) write(n int64) int64 {
	end := f.wrote.Add(n)
	return end
}

func (f *fakeTarget) Flush(leastPages int) error {
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	err := f.failWith
	f.mu.Unlock()
	if err != nil {
		return err
	}
	c, fl := f.committed.Load(), f.flushed.Load()
	if c == fl || (leastPages > 0 && (c-fl)/4096 < int64(leastPages)) {
		return nil
	}
	f.flushes.Add(1)
	if f.flushDelay > 0 {
		time.Sleep(f.flushDelay)
	}
	f.flushed.Store(c)
	return nil
}

func (f *fakeTarget) FlushedOffset() int64 { return f.flushed.Load() }

func (f *fakeTarget) Commit(leastPages int) error {
	w, c := f.wrote.Load(), f.committed.Load()
	if w == c || (leastPages > 0 && (w-c)/4096 < int64(leastPages)) {
		return nil
	}
	f.commits.Add(1)
	f.committed.Store(w)
	return nil
}

func (f *fakeTarget) CommittedOffset() int64 { return f.committed.Load() }
func (f *fakeTarget) MaxOffset() int64       { return f.wrote.Load() }

// writeCommitted writes n bytes straight into the files (no pool).
func (f *fakeTarget) writeCommitted(n int64) int64 {
	end := f.write(n)
	for {
		c := f.committed.Load()
		if c >= end || f.committed.CompareAndSwap(c, end) {
			return end
		}
	}
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return cond()
}
