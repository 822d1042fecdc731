package commitlog

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// randomWork opens a log on a fresh MemFS, in a shape rng picks, and
// appends 50 to 50+most records of random sizes, flushing now and then (the
// flushers wait an hour, so only those flushes make bytes durable).
func randomWork(t *testing.T, rng *rand.Rand, most int) (*mappedfile.MemFS, *Options, *Log, []AppendResult) {
	t.Helper()
	fs := mappedfile.NewMemFS()
	opts := &Options{FS: fs, FileSize: 64 << 10, MaxMessageSize: 16 << 10,
		FlushInterval: time.Hour, FlushThoroughInterval: time.Hour,
		DisablePreallocate: rng.IntN(2) == 0, TransientStorePool: rng.IntN(3) == 0}
	l := openTest(t, "log", opts)
	var results []AppendResult
	for op := range 50 + rng.IntN(most) {
		results = append(results, mustAppend(t, l, testMessage(int64(op), rng.IntN(5000))))
		if rng.IntN(40) == 0 {
			if err := l.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return fs, opts, l, results
}

// TestPowerLossKeepsExactlyTheFlushedPrefix does random work on the memory
// backing, cuts the power (keeping only flushed bytes) and checks that
// recovery restores exactly the records below the flushed offset.
func TestPowerLossKeepsExactlyTheFlushedPrefix(t *testing.T) {
	const seed = 7
	t.Logf("seed %d (scenario n uses PCG(seed, n))", seed)
	for scenario := range 30 {
		rng := rand.New(rand.NewPCG(seed, uint64(scenario)))
		fs, opts, l, results := randomWork(t, rng, 400)
		flushed := l.FlushedOffset()
		crashed := fs.CrashCopy()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}

		opts.FS = crashed
		l = openTest(t, "log", opts)
		if got := l.MaxOffset(); got != flushed {
			t.Fatalf("scenario %d: recovered to %d, flushed offset was %d (recovery %+v)", scenario, got, flushed, l.Recovery())
		}
		for seq, r := range results {
			if r.End() > flushed {
				break
			}
			if got := readSeq(t, l, r.PhysicalOffset); got != int64(seq) {
				t.Fatalf("scenario %d: seq %d at %d, want %d", scenario, got, r.PhysicalOffset, seq)
			}
		}
		// The recovered log takes new records where the durable data ended.
		if r := mustAppend(t, l, testMessage(1<<40, 100)); r.PhysicalOffset < flushed {
			t.Fatalf("scenario %d: append after recovery at %d, below %d", scenario, r.PhysicalOffset, flushed)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPartialPowerLossRecoversAPrefixOfTheAppends cuts the power keeping a
// seeded random half of the pages written since their last flush, as a
// disk does: recovery must keep every flushed record, and whatever it keeps
// past them must be exactly the records appended there, in order, with no
// damaged record readable.
func TestPartialPowerLossRecoversAPrefixOfTheAppends(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for scenario := range 20 {
		rng := rand.New(rand.NewPCG(seed, uint64(scenario)))
		fs, opts, l, results := randomWork(t, rng, 300)
		// A store passes the flushed offset of its last checkpoint: pages of
		// later files may reach the disk while earlier ones do not, so
		// holes can lie anywhere past it, not only in the last files.
		recoverFrom := func(flushed int64) int64 { return max(1, flushed) }
		if err := l.Files().Commit(0); err != nil { // into the files, not flushed
			t.Fatal(err)
		}
		flushed := l.FlushedOffset()
		crashed := fs.Crash(mappedfile.CrashOptions{KeepUnflushed: 0.5, Seed: rng.Uint64()})
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}

		opts.FS = crashed
		opts.RecoverFrom = recoverFrom(flushed)
		l = openTest(t, "log", opts)
		if l.MaxOffset() < flushed {
			t.Fatalf("scenario %d: recovered to %d, below the flushed %d", scenario, l.MaxOffset(), flushed)
		}
		it := l.NewIterator(l.MinOffset(), true)
		next := 0
		for it.Next() {
			for next < len(results) && results[next].PhysicalOffset < it.Entry().Offset {
				next++ // the filler at a file's end
			}
			if next == len(results) || results[next].PhysicalOffset != it.Entry().Offset {
				t.Fatalf("scenario %d: recovered a record at %d that was not appended there", scenario, it.Entry().Offset)
			}
			if seq, ok := testkit.BodySeq(it.Record().Body); !ok || seq != int64(next) {
				t.Fatalf("scenario %d: record at %d holds seq %d, want %d", scenario, it.Entry().Offset, seq, next)
			}
			next++
		}
		if it.Err() != nil {
			t.Fatalf("scenario %d: %v", scenario, it.Err())
		}
		it.Close()
		if next < len(results) && results[next].PhysicalOffset < flushed {
			t.Fatalf("scenario %d: flushed seq %d at %d not recovered", scenario, next, results[next].PhysicalOffset)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPowerLossUnderSyncFlushLosesNoAcknowledgedRecord cuts the power while
// several writers append with sync flush: every record acknowledged before
// the cut must be there afterwards.
func TestPowerLossUnderSyncFlushLosesNoAcknowledgedRecord(t *testing.T) {
	for scenario := range 10 {
		fs := mappedfile.NewMemFS()
		opts := &Options{FS: fs, FileSize: 64 << 10, MaxMessageSize: 16 << 10, FlushMode: SyncFlush,
			TransientStorePool: scenario%2 == 1, TransientStorePoolSize: 3}
		l := openTest(t, "log", opts)
		var (
			mu    sync.Mutex
			acked []testkit.Ack
			stop  = make(chan struct{})
			wg    sync.WaitGroup
		)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int64(0); ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					seq := int64(w)<<32 | i
					res, err := l.Append(context.Background(), testMessage(seq, 100+int(i%3000)))
					if err != nil {
						return // the log is closing
					}
					mu.Lock()
					acked = append(acked, testkit.Ack{Seq: seq, Offset: res.PhysicalOffset})
					mu.Unlock()
				}
			}()
		}
		waitUntil(t, "appends are acknowledged", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(acked) > scenario
		})
		time.Sleep(time.Duration(scenario) * time.Millisecond)
		mu.Lock()
		before := append([]testkit.Ack(nil), acked...)
		mu.Unlock()
		crashed := fs.CrashCopy()
		close(stop)
		wg.Wait()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}

		opts.FS = crashed
		l = openTest(t, "log", opts)
		for _, a := range before {
			if got := readSeq(t, l, a.Offset); got != a.Seq {
				t.Fatalf("scenario %d: acknowledged seq %d at %d reads as %d", scenario, a.Seq, a.Offset, got)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if len(before) == 0 {
			t.Fatalf("scenario %d: nothing was acknowledged before the cut", scenario)
		}
	}
}
