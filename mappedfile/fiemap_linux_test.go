package mappedfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func TestPrewarm(t *testing.T) {
	f, err := Create(OSFS, filepath.Join(t.TempDir(), FileName(0)), 0, 64*pageBytes)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Prewarm(16, false); err != nil {
		t.Fatal(err)
	}
	// Every page is now in memory, populated by the system call or by
	// touching it.
	resident, err := residentPages(f.m.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(resident) != 1 || resident[0].Start != 0 || resident[0].End != 64*pageBytes {
		t.Fatalf("resident after Prewarm: %v, want every page", resident)
	}
	// Locking may be refused by RLIMIT_MEMLOCK; it must say so, not crash.
	if err := f.Prewarm(0, true); err != nil {
		t.Logf("prewarm with mlock refused here, and reported: %v", err)
	}
	appendBytes(t, f, []byte("after prewarm"))
	s, err := f.Slice(0, 13)
	if err != nil || string(s.Bytes) != "after prewarm" {
		t.Fatalf("read after prewarm: %q %v", s.Bytes, err)
	}
	s.Release()
}

func TestMaybeDataSeesWrittenAndCachedPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName(0))
	f, err := Create(OSFS, path, 0, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.data[3<<20+5] = 1 // a dirty page
	if err := f.m.Flush(3<<20, 4096); err != nil {
		t.Fatal(err)
	}
	r, err := f.m.MaybeData(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	covered := false
	for _, s := range r {
		covered = covered || s.Start <= 3<<20+5 && 3<<20+5 < s.End
		if s.Start < 1<<20 || s.Start%pageBytes != 0 || s.End%pageBytes != 0 {
			t.Fatalf("span %v outside the question or unaligned", s)
		}
	}
	if !covered {
		t.Fatalf("MaybeData(1 MiB) = %v misses the written page at 3 MiB", r)
	}

	// Written on disk and dropped from the page cache: only the file
	// system's extent map knows.
	if err := f.m.WriteAt([]byte{7}, 5<<20); err != nil {
		t.Fatal(err)
	}
	om := f.m.(*osMapping)
	if err := om.withFile(func(file *os.File) error {
		if err := unix.Fdatasync(int(file.Fd())); err != nil {
			return err
		}
		return unix.Fadvise(int(file.Fd()), 5<<20, 4096, unix.FADV_DONTNEED)
	}); err != nil {
		t.Fatal(err)
	}
	if written, err := om.writtenExtents(4<<20, 8<<20); err != nil || len(written) == 0 || written[0].Start > 5<<20 || written[0].End <= 5<<20 {
		t.Fatalf("writtenExtents = %v, %v; want the block at 5 MiB", written, err)
	}
}

func TestMergeSpans(t *testing.T) {
	got := mergeSpans([]Span{{9000, 9100, false}, {0, 10, false}, {4096, 5000, false}, {20000, 30000, false}}, 24576)
	want := []Span{{0, 12288, false}, {16384, 24576, false}}
	if !slices.Equal(got, want) {
		t.Fatalf("mergeSpans = %v, want %v", got, want)
	}
}

func TestSubtract(t *testing.T) {
	got := subtract(Span{0, 100, false}, []Span{{10, 20, true}, {50, 60, true}, {90, 120, true}})
	want := []Span{{0, 10, false}, {20, 50, false}, {60, 90, false}}
	if !slices.Equal(got, want) {
		t.Fatalf("subtract = %v, want %v", got, want)
	}
}
