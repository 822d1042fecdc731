package consumequeue

import (
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
)

const testUnitsPerFile = 100

func openTest(t *testing.T, fs mappedfile.FS) *Queue {
	t.Helper()
	return openAt(t, fs, "cq")
}

func openAt(t *testing.T, fs mappedfile.FS, root string) *Queue {
	t.Helper()
	q, err := Open(root, "TopicTest", 3, &Options{UnitsPerFile: testUnitsPerFile, FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func unitFor(i int64) Unit {
	return Unit{CommitLogOffset: i * 1000, Size: 500 + int32(i%7), TagsCode: i % 3}
}

func TestPutReadAndReopen(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		q := openAt(t, fs, root)
		for i := int64(0); i < 250; i++ {
			if err := q.Put(i, unitFor(i)); err != nil {
				t.Fatal(err)
			}
		}
		check := func(q *Queue) {
			t.Helper()
			if q.MinOffset() != 0 || q.MaxOffset() != 250 || q.MaxPhysicalOffset() != 249*1000+500+249%7 {
				t.Fatalf("min %d max %d maxPhys %d", q.MinOffset(), q.MaxOffset(), q.MaxPhysicalOffset())
			}
			for i := int64(0); i < 250; i++ {
				if u, err := q.Unit(i); err != nil || u != unitFor(i) {
					t.Fatalf("unit %d = %+v, %v", i, u, err)
				}
			}
		}
		check(q)
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
		q = openAt(t, fs, root)
		defer q.Close()
		check(q)
	})
}

func TestPutIsIdempotentAndFillsGaps(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		q := openAt(t, fs, root)
		defer q.Close()
		for i := int64(0); i < 10; i++ {
			q.Put(i, unitFor(i))
		}
		// A repeated dispatch writes nothing twice.
		if err := q.Put(5, Unit{CommitLogOffset: 999_999, Size: 1}); err != nil || q.MaxOffset() != 10 {
			t.Fatalf("repeated put: %v, max %d", err, q.MaxOffset())
		}
		if u, _ := q.Unit(5); u != unitFor(5) {
			t.Fatalf("repeated put overwrote unit 5: %+v", u)
		}
		// A gap is filled with blanks so offsets stay aligned.
		if err := q.Put(15, unitFor(15)); err != nil || q.MaxOffset() != 16 {
			t.Fatalf("put after a gap: %v, max %d", err, q.MaxOffset())
		}
		for i := int64(10); i < 15; i++ {
			if u, _ := q.Unit(i); !u.IsBlank() {
				t.Fatalf("gap unit %d = %+v, want blank", i, u)
			}
		}
		if u, _ := q.Unit(15); u != unitFor(15) {
			t.Fatalf("unit after the gap = %+v", u)
		}
	})
}

func TestEmptyQueueStartsAtTheFirstPut(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		q := openAt(t, fs, root)
		if err := q.Put(1234, unitFor(1234)); err != nil {
			t.Fatal(err)
		}
		if q.MinOffset() != 1234 || q.MaxOffset() != 1235 {
			t.Fatalf("min %d max %d", q.MinOffset(), q.MaxOffset())
		}
		q.Close()
		q = openAt(t, fs, root)
		defer q.Close()
		if q.MinOffset() != 1234 || q.MaxOffset() != 1235 {
			t.Fatalf("after reopen: min %d max %d", q.MinOffset(), q.MaxOffset())
		}
		if _, err := q.Unit(1233); !errors.Is(err, ErrNotFound) {
			t.Fatalf("unit below min: %v", err)
		}
	})
}

func TestScanFiltersByTag(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		q := openAt(t, fs, root)
		defer q.Close()
		for i := int64(0); i < 300; i++ {
			q.Put(i, unitFor(i))
		}
		var got []int64
		next, err := q.Scan(50, func(logic int64, u Unit) bool {
			if u.TagsCode == 1 {
				got = append(got, logic)
			}
			return len(got) < 40
		})
		if err != nil || len(got) != 40 || got[0] != 52 || got[39] != 52+39*3 || next != got[39]+1 {
			t.Fatalf("scan: %v, %d matches from %v, next %d", err, len(got), got[:1], next)
		}
	})
}

func TestTruncateAfterCommitLogOffset(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		q := openAt(t, fs, root)
		for i := int64(0); i < 250; i++ {
			q.Put(i, unitFor(i))
		}
		if err := q.TruncateAfterCommitLogOffset(180*1000 + 1); err != nil {
			t.Fatal(err)
		}
		if q.MaxOffset() != 181 || q.MaxPhysicalOffset() != 180*1000+500+180%7 {
			t.Fatalf("after truncation: max %d maxPhys %d", q.MaxOffset(), q.MaxPhysicalOffset())
		}
		// Dispatch resumes exactly where the commit log now ends.
		if err := q.Put(181, unitFor(181)); err != nil || q.MaxOffset() != 182 {
			t.Fatalf("put after truncation: %v", err)
		}
		q.Close()
		q = openAt(t, fs, root)
		defer q.Close()
		if q.MaxOffset() != 182 {
			t.Fatalf("reopened at %d", q.MaxOffset())
		}
	})
}

func TestDeleteExpiredAndMinOffset(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		q := openAt(t, fs, root)
		defer q.Close()
		for i := int64(0); i < 350; i++ {
			q.Put(i, unitFor(i))
		}
		gone, err := q.DeleteExpired(250 * 1000)
		want := []string{filepath.Join(Dir(root, "TopicTest", 3), mappedfile.FileName(0)), filepath.Join(Dir(root, "TopicTest", 3), mappedfile.FileName(100*UnitSize))}
		if err != nil || !slices.Equal(gone, want) {
			t.Fatalf("DeleteExpired = %v, %v; want the two files below offset 250000, %v", gone, err, want)
		}
		if q.MinOffset() != 250 {
			t.Fatalf("min offset %d, want 250", q.MinOffset())
		}
		if _, err := q.Unit(199); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted unit still served: %v", err)
		}
	})
}

func TestSearchByTime(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		q := openAt(t, fs, root)
		defer q.Close()
		for i := int64(0); i < 500; i++ {
			q.Put(i, unitFor(i))
		}
		storeTime := func(u Unit) (int64, error) { return 10_000 + u.CommitLogOffset/1000*10, nil } // 10 ms apart
		for _, tc := range []struct{ ts, want int64 }{{0, 0}, {10_000, 0}, {10_001, 1}, {12_345, 235}, {99_999, 500}} {
			if got, err := q.SearchByTime(tc.ts, storeTime); err != nil || got != tc.want {
				t.Errorf("SearchByTime(%d) = %d, %v; want %d", tc.ts, got, err, tc.want)
			}
		}
	})
}

func TestRecoveryStopsAtTornUnits(t *testing.T) {
	fs := mappedfile.NewMemFS()
	q := openTest(t, fs)
	for i := int64(0); i < 120; i++ {
		q.Put(i, unitFor(i))
	}
	if err := q.Flush(0); err != nil {
		t.Fatal(err)
	}
	for i := int64(120); i < 150; i++ {
		q.Put(i, unitFor(i))
	}
	crashed := fs.CrashCopy()
	q.Close()
	q = openTest(t, crashed)
	defer q.Close()
	if q.MaxOffset() != 120 {
		t.Fatalf("recovered to %d units, want the 120 flushed", q.MaxOffset())
	}
}

func TestRecoveryStepsBackOverNeverFlushedFiles(t *testing.T) {
	fs := mappedfile.NewMemFS()
	q := openTest(t, fs)
	for i := int64(0); i < 150; i++ {
		q.Put(i, unitFor(i))
	}
	if err := q.Flush(0); err != nil {
		t.Fatal(err)
	}
	// Four more files' worth of units that never become durable.
	for i := int64(150); i < 560; i++ {
		q.Put(i, unitFor(i))
	}
	crashed := fs.CrashCopy()
	q.Close()
	q = openTest(t, crashed)
	defer q.Close()
	if q.MaxOffset() != 150 {
		t.Fatalf("recovered to %d units, want the 150 flushed", q.MaxOffset())
	}
	if u, err := q.Unit(149); err != nil || u != unitFor(149) {
		t.Fatalf("last flushed unit: %+v, %v", u, err)
	}
}

func TestOptionsValidate(t *testing.T) {
	if err := (Options{}).Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, n := range []int{-1, 1 << 30} {
		if err := (Options{UnitsPerFile: n}).Validate(); !errors.Is(err, ErrInvalidOptions) {
			t.Fatalf("UnitsPerFile %d: %v", n, err)
		}
	}
	if _, err := Open("cq", "T", 0, &Options{UnitsPerFile: -5, FS: mappedfile.NewMemFS()}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Open with bad options: %v", err)
	}
}

// TestReadsDuringCleanup reads units while a writer appends and cleanup
// deletes files behind it, on both file systems: a read either gets the
// right unit or ErrNotFound, never a fault or another unit.
func TestReadsDuringCleanup(t *testing.T) {
	testkit.ForEachFS(t, func(t *testing.T, fs mappedfile.FS, root string) {
		q := openAt(t, fs, root)
		defer q.Close()
		const units = 20_000
		var written atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(stop)
			for i := range int64(units) {
				if err := q.Put(i, unitFor(i)); err != nil {
					t.Error(err)
					return
				}
				written.Store(i + 1)
				if i%50 == 0 {
					if _, err := q.DeleteExpired(max(0, i-300) * 1000); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
		for r := range 3 {
			wg.Go(func() {
				for n := int64(r); ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					i := max(0, written.Load()-1-n%400)
					u, err := q.Unit(i)
					if err != nil && !errors.Is(err, ErrNotFound) {
						t.Error(err)
						return
					}
					if err == nil && u != unitFor(i) {
						t.Errorf("unit %d = %+v", i, u)
						return
					}
					bad := int64(-1)
					_, err = q.Scan(i, func(logic int64, u Unit) bool {
						if u != unitFor(logic) {
							bad = logic
						}
						return bad < 0 && logic < i+30
					})
					if err != nil && !errors.Is(err, ErrNotFound) || bad >= 0 {
						t.Errorf("scan from %d: %v, wrong unit at %d", i, err, bad)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}
