package commitlog

import (
	"sync"
	"testing"
	"time"
)

// roundTotals sums the flush rounds a log reported, per service.
type roundTotals struct {
	mu      sync.Mutex
	rounds  map[string]int
	bytes   map[string]int64
	waiters map[string]int
	maxTook time.Duration
}

func newRoundTotals() *roundTotals {
	return &roundTotals{rounds: map[string]int{}, bytes: map[string]int64{}, waiters: map[string]int{}}
}

func (r *roundTotals) add(i FlushRoundInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rounds[i.Service]++
	r.bytes[i.Service] += i.Bytes
	r.waiters[i.Service] += i.Waiters
	r.maxTook = max(r.maxTook, i.Took)
}

// TestSyncFlushReportsGroupCommitRounds: under SyncFlush every byte is made
// durable by a group-commit round that says so, and the rounds' groups
// acknowledge the appends (those a round covered before they waited
// acknowledge without one).
func TestSyncFlushReportsGroupCommitRounds(t *testing.T) {
	totals := newRoundTotals()
	// The interval flusher never ticks, so only the group commit flushes.
	l := openTest(t, t.TempDir(), &Options{FlushMode: SyncFlush, FlushInterval: time.Hour, FlushThoroughInterval: time.Hour,
		Events: Events{OnFlushRound: totals.add}})
	const appenders, each = 8, 25
	var wg sync.WaitGroup
	for a := range appenders {
		wg.Go(func() {
			for i := range each {
				mustAppend(t, l, testMessage(int64(a*each+i), 200))
			}
		})
	}
	wg.Wait()
	end := l.MaxOffset()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	totals.mu.Lock()
	defer totals.mu.Unlock()
	if got := totals.bytes[ServiceGroupCommit]; got != end {
		t.Errorf("group-commit rounds made %d bytes durable, the log holds %d", got, end)
	}
	if w := totals.waiters[ServiceGroupCommit]; w == 0 || w > appenders*each {
		t.Errorf("group-commit rounds answered %d waiters for %d appends", w, appenders*each)
	}
	if n := totals.rounds[ServiceGroupCommit]; n == 0 || n > appenders*each {
		t.Errorf("%d group-commit rounds for %d appends", n, appenders*each)
	}
	if totals.maxTook <= 0 {
		t.Error("no round took any time")
	}
	t.Logf("%d rounds, %d waiters answered", totals.rounds[ServiceGroupCommit], totals.waiters[ServiceGroupCommit])
}

// TestTransientPoolReportsCommitAndFlushRounds: with the transient store
// pool, commit rounds move every byte into the files and interval-flush
// rounds make them durable, each reported once.
func TestTransientPoolReportsCommitAndFlushRounds(t *testing.T) {
	totals := newRoundTotals()
	l := openTest(t, t.TempDir(), &Options{TransientStorePool: true, TransientStorePoolSize: 2,
		CommitInterval: time.Millisecond, CommitThoroughInterval: time.Millisecond,
		Events: Events{OnFlushRound: totals.add}})
	for i := range 50 {
		mustAppend(t, l, testMessage(int64(i), 500))
	}
	waitUntil(t, "a commit round", func() bool {
		totals.mu.Lock()
		defer totals.mu.Unlock()
		return totals.rounds[ServiceCommit] > 0
	})
	end := l.MaxOffset()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	totals.mu.Lock()
	defer totals.mu.Unlock()
	for _, service := range []string{ServiceCommit, ServiceIntervalFlush} {
		if got := totals.bytes[service]; got != end {
			t.Errorf("%s rounds moved %d bytes, the log holds %d", service, got, end)
		}
		if w := totals.waiters[service]; w != 0 {
			t.Errorf("%s rounds report %d waiters", service, w)
		}
	}
	if n := totals.rounds[ServiceGroupCommit]; n != 0 {
		t.Errorf("%d group-commit rounds under AsyncFlush", n)
	}
}
