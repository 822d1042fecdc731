package peers

import (
	"fmt"
	"sync"
	"testing"

	"github.com/rocketstore/rocketstore/bench"
)

// Round-trip volumes: about 29 MiB of records in all, so that every engine
// with segments rolls over a few times at testSegmentSize.
const (
	rtSequential = 600 // one writer, before the reopen
	rtWriters    = 8   // then these many at once
	rtPerWriter  = 50
	rtAfter      = 200 // one writer, after the reopen
)

// TestRoundTrip appends to every engine, in both modes, from one writer and
// then from several, reads every record back, closes and reopens the log,
// reads them again and appends more.
func TestRoundTrip(t *testing.T) {
	for _, e := range Engines() {
		for _, durable := range []bool{false, true} {
			mode := "async"
			if durable {
				mode = "durable"
			}
			t.Run(e.Name+"/"+mode, func(t *testing.T) {
				testRoundTrip(t, e, bench.OpenOptions{Durable: durable, SegmentSize: testSegmentSize})
			})
		}
	}
}

func testRoundTrip(t *testing.T, e bench.Engine, o bench.OpenOptions) {
	dir := t.TempDir()
	l, closeLog := openTestLog(t, e, dir, o)
	if n := l.Len(); n != 0 {
		t.Fatalf("Len of a new log = %d", n)
	}
	// ids[seq] is the record the log numbered seq.
	var ids []int
	for id := range rtSequential {
		if err := l.Append(testRecord(id)); err != nil {
			t.Fatalf("Append %d: %v", id, err)
		}
		ids = append(ids, id) // one writer: sequence numbers follow the calls
	}
	for seq, id := range ids {
		checkRecord(t, l, seq, id)
	}
	ids = appendConcurrently(t, l, ids)
	checkLen(t, l, len(ids))
	checkNoRecord(t, l, len(ids))
	checkNoRecord(t, l, -1)

	closeLog()
	l, closeLog = openTestLog(t, e, dir, o)
	checkLen(t, l, len(ids))
	for seq, id := range ids {
		if got, err := l.ReadAt(seq); err == nil && recordID(got) != id {
			t.Fatalf("after the reopen seq %d holds record %d, before it record %d: "+
				"the reopened log numbers the records differently", seq, recordID(got), id)
		}
		checkRecord(t, l, seq, id)
	}
	for id := len(ids); id < len(ids)+rtAfter; id++ {
		if err := l.Append(testRecord(id)); err != nil {
			t.Fatalf("Append %d after reopen: %v", id, err)
		}
		checkRecord(t, l, id, id) // numbering continues where it stopped
	}
	checkLen(t, l, len(ids)+rtAfter)
	checkNoRecord(t, l, len(ids)+rtAfter)
	closeLog()
}

// appendConcurrently appends records len(ids) onwards from rtWriters
// goroutines, then checks that the new sequence numbers hold each of them
// once, in whatever order the engine chose, and returns ids extended with it.
func appendConcurrently(t *testing.T, l bench.Log, ids []int) []int {
	t.Helper()
	base := len(ids)
	var wg sync.WaitGroup
	errs := make(chan error, rtWriters)
	for w := range rtWriters {
		wg.Go(func() {
			for i := range rtPerWriter {
				id := base + w*rtPerWriter + i
				if err := l.Append(testRecord(id)); err != nil {
					errs <- fmt.Errorf("Append %d: %w", id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := make(map[int]bool)
	for seq := base; seq < base+rtWriters*rtPerWriter; seq++ {
		got, err := l.ReadAt(seq)
		if err != nil {
			t.Fatalf("ReadAt(%d): %v", seq, err)
		}
		id := recordID(got)
		if id < base || id >= base+rtWriters*rtPerWriter || seen[id] {
			t.Fatalf("ReadAt(%d) returned id %d: out of range or a duplicate", seq, id)
		}
		checkRecord(t, l, seq, id)
		seen[id] = true
		ids = append(ids, id)
	}
	return ids
}

func checkLen(t *testing.T, l bench.Log, want int) {
	t.Helper()
	if n := l.Len(); n != want {
		t.Fatalf("Len = %d, want %d", n, want)
	}
}
