package commitlog

import (
	"errors"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestTruncateToCutsBackAcrossFiles truncates a log of several files to a
// record in its second file: later files go, the records below stay, the
// next append lands at the cut, and a reopened log ends there too.
func TestTruncateToCutsBackAcrossFiles(t *testing.T) {
	for _, pool := range []bool{false, true} {
		fs := mappedfile.NewMemFS()
		l := openTest(t, "log", &Options{FS: fs, TransientStorePool: pool, TransientStorePoolSize: 2})
		var results []AppendResult
		for seq := int64(0); l.MaxOffset() < 3*testFileSize+testFileSize/2; seq++ {
			results = append(results, mustAppend(t, l, testMessage(seq, 1000+int(seq%700))))
		}
		// The first record of the second file, and one inside it.
		var cutSeq int
		for i, r := range results {
			if r.PhysicalOffset > testFileSize+testFileSize/3 {
				cutSeq = i
				break
			}
		}
		cut := results[cutSeq].PhysicalOffset
		if err := l.TruncateTo(cut); err != nil {
			t.Fatalf("pool=%v: TruncateTo(%d): %v", pool, cut, err)
		}
		if l.MaxOffset() != cut {
			t.Fatalf("pool=%v: max offset %d after truncating to %d", pool, l.MaxOffset(), cut)
		}
		if _, err := l.Read(cut); !errors.Is(err, ErrOffsetOutOfRange) {
			t.Fatalf("pool=%v: a truncated record is still readable: %v", pool, err)
		}
		for seq, r := range results[:cutSeq] {
			if got := readSeq(t, l, r.PhysicalOffset); got != int64(seq) {
				t.Fatalf("pool=%v: seq %d at %d, want %d", pool, got, r.PhysicalOffset, seq)
			}
		}
		again := mustAppend(t, l, testMessage(9999, 500))
		if again.PhysicalOffset != cut {
			t.Fatalf("pool=%v: the next append went to %d, want %d", pool, again.PhysicalOffset, cut)
		}
		end := l.MaxOffset()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		l = openTest(t, "log", &Options{FS: fs})
		if l.MaxOffset() != end {
			t.Fatalf("pool=%v: reopened log ends at %d, want %d", pool, l.MaxOffset(), end)
		}
		if got := readSeq(t, l, cut); got != 9999 {
			t.Fatalf("pool=%v: seq %d at the cut after reopening", pool, got)
		}
		l.Close()
	}
}

// TestTruncateToRefusesBadPoints: inside a record, past the end, before the
// start; truncating to the end cuts nothing.
func TestTruncateToRefusesBadPoints(t *testing.T) {
	l := openTest(t, "log", &Options{FS: mappedfile.NewMemFS()})
	defer l.Close()
	var results []AppendResult
	for seq := range int64(50) {
		results = append(results, mustAppend(t, l, testMessage(seq, 300)))
	}
	end := l.MaxOffset()
	for _, tc := range []struct {
		at   int64
		want error
	}{
		{results[10].PhysicalOffset + 7, ErrNotBoundary},
		{end + 1, ErrOffsetOutOfRange},
		{-1, ErrOffsetOutOfRange},
	} {
		if err := l.TruncateTo(tc.at); !errors.Is(err, tc.want) {
			t.Errorf("TruncateTo(%d) = %v, want %v", tc.at, err, tc.want)
		}
	}
	if l.MaxOffset() != end {
		t.Fatalf("a refused truncation moved the end from %d to %d", end, l.MaxOffset())
	}
	if err := l.TruncateTo(end); err != nil {
		t.Fatalf("TruncateTo(end) = %v", err)
	}
	if err := l.TruncateTo(0); err != nil || l.MaxOffset() != 0 {
		t.Fatalf("TruncateTo(0) = %v, end %d", err, l.MaxOffset())
	}
	if got := mustAppend(t, l, testMessage(1, 100)); got.PhysicalOffset != 0 {
		t.Fatalf("append after truncating everything went to %d", got.PhysicalOffset)
	}
}
