package commitlog

import (
	"errors"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestAppendRawMakesAByteIdenticalCopy copies a log range by range, across
// file boundaries, and checks the copy reads back the same records.
func TestAppendRawMakesAByteIdenticalCopy(t *testing.T) {
	src := openTest(t, "src", &Options{FS: mappedfile.NewMemFS()})
	defer src.Close()
	var results []AppendResult
	for seq := range int64(600) {
		results = append(results, mustAppend(t, src, testMessage(seq, 100+int(seq%2000))))
	}
	dst := openTest(t, "dst", &Options{FS: mappedfile.NewMemFS()})
	defer dst.Close()
	for at := int64(0); at < src.MaxOffset(); {
		s, err := src.ReadRange(at, 32<<10)
		if err != nil {
			t.Fatal(err)
		}
		if err := dst.AppendRaw(at, s.Bytes); err != nil {
			t.Fatalf("AppendRaw(%d): %v", at, err)
		}
		at += int64(len(s.Bytes))
		s.Release()
		if len(s.Bytes) == 0 { // the rest of a file after its last record
			at = (at/testFileSize + 1) * testFileSize
		}
	}
	if dst.MaxOffset() != src.MaxOffset() {
		t.Fatalf("copy ends at %d, source at %d", dst.MaxOffset(), src.MaxOffset())
	}
	for seq, r := range results {
		if got := readSeq(t, dst, r.PhysicalOffset); got != int64(seq) {
			t.Fatalf("copy has seq %d at %d, want %d", got, r.PhysicalOffset, seq)
		}
	}
	if err := dst.AppendRaw(dst.MaxOffset()+1, []byte{1}); !errors.Is(err, ErrNotContiguous) {
		t.Fatalf("a gap was accepted: %v", err)
	}
}

func TestAppendRawLetsAnEmptyLogStartAtAFileBoundary(t *testing.T) {
	dst := openTest(t, "dst", &Options{FS: mappedfile.NewMemFS()})
	defer dst.Close()
	src := openTest(t, "src", &Options{FS: mappedfile.NewMemFS()})
	defer src.Close()
	var last AppendResult
	for seq := int64(0); src.MaxOffset() < 3*testFileSize; seq++ {
		last = mustAppend(t, src, testMessage(seq, 1000))
	}
	start := last.PhysicalOffset - last.PhysicalOffset%testFileSize
	if err := dst.AppendRaw(start+1, []byte{1}); !errors.Is(err, ErrNotContiguous) {
		t.Fatalf("a start inside a file was accepted: %v", err)
	}
	s, err := src.ReadRange(start, testFileSize)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Release()
	if err := dst.AppendRaw(start, s.Bytes); err != nil {
		t.Fatal(err)
	}
	if dst.MinOffset() != start || dst.MaxOffset() != src.MaxOffset() {
		t.Fatalf("copy spans [%d, %d), want [%d, %d)", dst.MinOffset(), dst.MaxOffset(), start, src.MaxOffset())
	}
	if got := readSeq(t, dst, last.PhysicalOffset); got != readSeq(t, src, last.PhysicalOffset) {
		t.Fatalf("copy reads seq %d", got)
	}
	// A log with data cannot be moved.
	if err := dst.AppendRaw(start+100*testFileSize, []byte{1}); !errors.Is(err, ErrNotContiguous) {
		t.Fatalf("a log with data jumped ahead: %v", err)
	}
}
