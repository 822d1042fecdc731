package store

import (
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestFlushRoundsReachTheListenerAndTheCommitLogEvents: under SyncFlush
// each put is acknowledged by a group-commit round, which both the store's
// listener and the caller's own commit-log events hear of.
func TestFlushRoundsReachTheListenerAndTheCommitLogEvents(t *testing.T) {
	var mu sync.Mutex
	heard := map[string]int{} // who → waiters answered by group-commit rounds
	hear := func(who string) func(FlushRoundInfo) {
		return func(i FlushRoundInfo) {
			if i.Service != commitlog.ServiceGroupCommit {
				return
			}
			if i.Took <= 0 || i.Bytes < 0 {
				t.Errorf("%s heard a round %+v", who, i)
			}
			mu.Lock()
			heard[who] += i.Waiters
			mu.Unlock()
		}
	}
	opts := testOptions(mappedfile.NewMemFS())
	opts.CommitLog.FlushMode = commitlog.SyncFlush
	// Only the group commit flushes: no interval flush covers a put
	// before it waits.
	opts.CommitLog.FlushInterval, opts.CommitLog.FlushThoroughInterval = time.Hour, time.Hour
	opts.CommitLog.Events.OnFlushRound = hear("commit log events")
	opts.Events = &EventListener{FlushRound: hear("listener")}
	s := openStore(t, "s", opts)
	const puts = 20
	for i := range puts {
		// One at a time: each put waits for its own round.
		mustPut(t, s, testMessage(int64(i), 100))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, who := range []string{"listener", "commit log events"} {
		if heard[who] != puts {
			t.Errorf("%s heard rounds answering %d waiters, want %d (one per put)", who, heard[who], puts)
		}
	}
}
