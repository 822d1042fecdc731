package index

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestQueriesDuringCleanup queries keys while a writer fills files and
// cleanup deletes them behind it. Before queries held the files they read,
// a query on the real file system read an unmapped region and the process
// died of SIGSEGV. Every answer must also be right: the offsets of the
// key's entries still in the service, newest first.
func TestQueriesDuringCleanup(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		clock := time.UnixMilli(1_700_000_000_000)
		var tick atomic.Int64
		s, err := Open(root+"/index", &Options{SlotCount: 16, MaxEntries: 64, FS: fs,
			Now: func() time.Time { return clock.Add(time.Duration(tick.Add(1)) * time.Millisecond) }})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		const keys, entries = 8, 20_000
		var written atomic.Int64 // entries put so far; entry i has phys i
		var deleted atomic.Int64 // cleanup's floor: phys below it may be gone
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { // the dispatcher
			defer close(stop)
			for i := range int64(entries) {
				if err := s.Put(fmt.Sprintf("T#k%d", i%keys), i, clock.UnixMilli()+i); err != nil {
					t.Error(err)
					return
				}
				written.Store(i + 1)
			}
		})
		wg.Go(func() { // the cleaner: keep about the newest 300 entries
			for {
				select {
				case <-stop:
					return
				default:
				}
				floor := max(0, written.Load()-300)
				deleted.Store(floor)
				if _, err := s.DeleteExpired(floor); err != nil {
					t.Error(err)
					return
				}
			}
		})
		for q := range 3 { // queries
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(q), 7))
				for n := 0; ; n++ {
					select {
					case <-stop:
						if n == 0 {
							t.Error("no query ran")
						}
						return
					default:
					}
					k := rng.Int64N(keys)
					top := written.Load()
					got, err := s.Query("T", fmt.Sprintf("k%d", k), 1000, 0, 1<<62)
					if err != nil {
						t.Error(err)
						return
					}
					checkAnswer(t, got, k, keys, top)
				}
			})
		}
		wg.Wait()
	})
}

// checkAnswer checks a query's offsets for key k: newest first, each the
// offset of an entry of k, consecutive (nothing skipped between the newest
// and oldest found) and reaching at least the entries written before the
// query began.
func checkAnswer(t *testing.T, got []int64, k, keys, writtenBefore int64) {
	t.Helper()
	for i, phys := range got {
		if phys%keys != k {
			t.Fatalf("key k%d answered with offset %d, an entry of another key", k, phys)
		}
		if i > 0 && got[i-1]-phys != keys {
			t.Fatalf("key k%d: offsets %d then %d, entries in between are missing", k, got[i-1], phys)
		}
	}
	if newest := writtenBefore - 1 - (writtenBefore-1-k+keys)%keys; writtenBefore > k && (len(got) == 0 || got[0] < newest) {
		t.Fatalf("key k%d: newest offset %v, want at least %d", k, got, newest)
	}
}
