package timer

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// heapBytes is the live heap after a collection.
func heapBytes() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// millionPending enqueues n timers due from 1 h to 3 days ahead into a
// timer in dir, waiting until all are in the wheel.
func millionPending(tb testing.TB, dir string, n int64) (*Timer, *synthStore) {
	tb.Helper()
	now := time.Now().UnixMilli()
	st := &synthStore{n: n, due: func(q int64) int64 { return now + time.Hour.Milliseconds() + q*7919%(71*time.Hour).Milliseconds() }}
	tm := openTimer(tb, dir, st, &Options{FlushInterval: 100 * time.Millisecond, LogFileSize: 8 << 20})
	deadline := time.Now().Add(5 * time.Minute)
	for tm.Stats().Pending < n {
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d timers in the wheel", tm.Stats().Pending, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return tm, st
}

// TestAMillionPendingTimersInBoundedHeap holds a million timers due over
// three days, and again after a restart: the heap stays small, since the
// timers live in the timer log and the wheel (mapped files).
func TestAMillionPendingTimersInBoundedHeap(t *testing.T) {
	const n = 1_000_000
	const bound = 32 << 20
	dir := t.TempDir()
	before := heapBytes()
	tm, st := millionPending(t, dir, n)
	held := heapBytes() - before
	if err := tm.Close(); err != nil {
		t.Fatal(err)
	}
	before = heapBytes()
	tm = openTimer(t, dir, st, &Options{LogFileSize: 8 << 20})
	defer tm.Close()
	reopened := heapBytes() - before
	t.Logf("heap held for %d pending timers: %d KiB; after reopening: %d KiB; timer log %d MiB", n, held>>10, reopened>>10, dirBytes(t, filepath.Join(dir, "timerlog"))>>20)
	if s := tm.Stats(); s.Pending != n {
		t.Fatalf("%d pending after reopening, want %d", s.Pending, n)
	}
	if held > bound || reopened > bound {
		t.Fatalf("heap grew by %d and %d bytes for a million timers, bound %d", held, reopened, bound)
	}
	if st.put.Load() != 0 {
		t.Fatalf("%d delivered, none was due", st.put.Load())
	}
}

func dirBytes(tb testing.TB, dir string) int64 {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var total int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			total += info.Size()
		}
	}
	return total
}
