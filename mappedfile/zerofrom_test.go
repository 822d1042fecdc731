package mappedfile

import (
	"path/filepath"
	"testing"
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
		if r, err := f.m.MaybeData(0); err != nil || len(r) != 0 {
			t.Logf("%s: a fresh file reports data at %v (%v): ZeroFrom will read it", name, r, err)
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
