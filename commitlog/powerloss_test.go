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

// TestPowerLossKeepsExactlyTheFlushedPrefix does random work on the memory
// backing, cuts the power (keeping only flushed bytes) and checks that
// recovery restores exactly the records below the flushed offset.
func TestPowerLossKeepsExactlyTheFlushedPrefix(t *testing.T) {
	for scenario := range 30 {
		rng := rand.New(rand.NewPCG(7, uint64(scenario)))
		fs := mappedfile.NewMemFS()
		opts := &Options{
			FS:                    fs,
			FileSize:              64 << 10,
			MaxMessageSize:        16 << 10,
			FlushInterval:         time.Hour, // only explicit flushes make bytes durable
			FlushThoroughInterval: time.Hour,
			DisablePreallocate:    rng.IntN(2) == 0,
			TransientStorePool:    rng.IntN(3) == 0,
		}
		l := openTest(t, "log", opts)
		var results []AppendResult
		for op := range 50 + rng.IntN(400) {
			results = append(results, mustAppend(t, l, testMessage(int64(op), rng.IntN(5000))))
			if rng.IntN(40) == 0 {
				if err := l.Flush(); err != nil {
					t.Fatal(err)
				}
			}
		}
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
		time.Sleep(time.Duration(2+scenario*3) * time.Millisecond)
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
