package mappedfile

import (
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// TestZeroFromClearsWritesTheFileSystemHasNotSeen writes through the
// mapping (dirty pages only in the page cache) far apart in a preallocated
// file; ZeroFrom must find and clear every one of them.
func TestZeroFromClearsWritesTheFileSystemHasNotSeen(t *testing.T) {
	for name, fs := range map[string]FS{"os": OSFS, "mem": NewMemFS()} {
		path := filepath.Join(t.TempDir(), FileName(0))
		const size = 4 << 20
		f, err := Create(fs, path, 0, size)
		if err != nil {
			t.Fatal(err)
		}
		if finder, ok := f.m.(dataFinder); ok {
			if r, err := finder.MaybeData(0); err != nil || len(r) != 0 {
				t.Logf("%s: a fresh file reports data at %v (%v): ZeroFrom will read it", name, r, err)
			}
		}
		marks := []int{100, 5000, 1 << 20, 3<<20 + 17, size - 1}
		for _, at := range marks {
			f.data[at] = 0xAB
		}
		if err := f.ZeroFrom(4096); err != nil {
			t.Fatal(err)
		}
		if f.data[100] != 0xAB {
			t.Fatalf("%s: ZeroFrom cleared a byte before its start", name)
		}
		for _, at := range marks[1:] {
			if f.data[at] != 0 {
				t.Fatalf("%s: byte %d survived ZeroFrom", name, at)
			}
		}
		f.Close()
	}
}

func TestMaybeDataSeesWrittenAndCachedPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName(0))
	f, err := Create(OSFS, path, 0, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	finder, ok := f.m.(dataFinder)
	if !ok {
		t.Skip("the OS backing has no data finder here")
	}
	f.data[3<<20+5] = 1 // a dirty page
	if err := f.m.Flush(3<<20, 4096); err != nil {
		t.Fatal(err)
	}
	r, err := finder.MaybeData(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	covered := false
	for _, s := range r {
		covered = covered || s.start <= 3<<20+5 && 3<<20+5 < s.end
		if s.start < 1<<20 || s.start%pageBytes != 0 || s.end%pageBytes != 0 {
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
	if err := unix.Fdatasync(int(om.f.Fd())); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fadvise(int(om.f.Fd()), 5<<20, 4096, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	if written, err := om.writtenExtents(4<<20, 8<<20); err != nil || len(written) == 0 || written[0].start > 5<<20 || written[0].end <= 5<<20 {
		t.Fatalf("writtenExtents = %v, %v; want the block at 5 MiB", written, err)
	}
}

func TestMergeSpans(t *testing.T) {
	got := mergeSpans([]span{{9000, 9100, false}, {0, 10, false}, {4096, 5000, false}, {20000, 30000, false}}, 24576)
	want := []span{{0, 12288, false}, {16384, 24576, false}}
	if !slices.Equal(got, want) {
		t.Fatalf("mergeSpans = %v, want %v", got, want)
	}
}

func TestSubtract(t *testing.T) {
	got := subtract(span{0, 100, false}, []span{{10, 20, true}, {50, 60, true}, {90, 120, true}})
	want := []span{{0, 10, false}, {20, 50, false}, {60, 90, false}}
	if !slices.Equal(got, want) {
		t.Fatalf("subtract = %v, want %v", got, want)
	}
}
