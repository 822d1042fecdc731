package flush

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const pageSize = 4096

// fakeTarget is a log in memory. write moves MaxOffset; Commit and Flush
// move their offsets, honouring leastPages like a mapped-file queue. Tests
// can slow, block, limit or fail flushes.
type fakeTarget struct {
	wrote, committed, flushed atomic.Int64

	flushCalls  atomic.Int64 // every Flush call
	flushes     atomic.Int64 // Flush calls that moved FlushedOffset
	commitCalls atomic.Int64 // every Commit call
	commits     atomic.Int64 // Commit calls that moved CommittedOffset

	flushDelay time.Duration // each effective flush sleeps this long (an fsync)
	// entered, when non-nil, receives a value (if there is room) each time
	// Flush is called, before it blocks on block.
	entered chan struct{}
	block   chan struct{} // when non-nil, Flush waits for it to be closed

	mu         sync.Mutex
	failWith   error // Flush returns it, flushing nothing
	flushLimit int64 // when > 0, Flush never goes beyond it
}

// write appends n bytes to a write buffer (a transient store pool).
func (f *fakeTarget) write(n int64) int64 { return f.wrote.Add(n) }

// writeCommitted appends n bytes straight into the files (no pool), as many
// appenders may do at once; it returns the record's end offset.
func (f *fakeTarget) writeCommitted(n int64) int64 {
	end := f.write(n)
	for {
		c := f.committed.Load()
		if c >= end || f.committed.CompareAndSwap(c, end) {
			return end
		}
	}
}

func (f *fakeTarget) setFailure(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failWith = err
}

func (f *fakeTarget) setFlushLimit(limit int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.flushLimit = limit
}

func (f *fakeTarget) Flush(leastPages int) error {
	f.flushCalls.Add(1)
	if f.entered != nil {
		select {
		case f.entered <- struct{}{}:
		default:
		}
	}
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	err, limit := f.failWith, f.flushLimit
	f.mu.Unlock()
	if err != nil {
		return err
	}
	to, from := f.committed.Load(), f.flushed.Load()
	if limit > 0 {
		to = min(to, limit)
	}
	if to <= from || (leastPages > 0 && (to-from)/pageSize < int64(leastPages)) {
		return nil
	}
	f.flushes.Add(1)
	if f.flushDelay > 0 {
		time.Sleep(f.flushDelay)
	}
	f.flushed.Store(to)
	return nil
}

func (f *fakeTarget) FlushedOffset() int64 { return f.flushed.Load() }

func (f *fakeTarget) Commit(leastPages int) error {
	f.commitCalls.Add(1)
	to, from := f.wrote.Load(), f.committed.Load()
	if to == from || (leastPages > 0 && (to-from)/pageSize < int64(leastPages)) {
		return nil
	}
	f.commits.Add(1)
	f.committed.Store(to)
	return nil
}

func (f *fakeTarget) CommittedOffset() int64 { return f.committed.Load() }
func (f *fakeTarget) MaxOffset() int64       { return f.wrote.Load() }

// waitFor polls cond until it holds, failing the test after a generous
// deadline. It is for conditions a background goroutine makes true on its
// own schedule, where no channel can say so.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func mustGroupCommit(t testing.TB, target Target, opts GroupCommitOptions) *GroupCommit {
	t.Helper()
	g, err := NewGroupCommit(target, opts)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustIntervalFlusher(t testing.TB, target Target, opts IntervalOptions) *IntervalFlusher {
	t.Helper()
	f, err := NewIntervalFlusher(target, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustCommitter(t testing.TB, target Target, opts CommitterOptions, onCommit func()) *Committer {
	t.Helper()
	c, err := NewCommitter(target, opts, onCommit)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
