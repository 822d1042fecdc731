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
