package consumequeue

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestFilesAreSparse: a default consume-queue file (6,000,000 bytes) with
// one unit takes a page or so of disk, as RocketMQ's does.
func TestFilesAreSparse(t *testing.T) {
	root := t.TempDir()
	q, err := Open(root, "T", 0, &Options{FS: mappedfile.OSFS})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Put(0, Unit{CommitLogOffset: 0, Size: 100}); err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(Dir(root, "T", 0), mappedfile.FileName(0)), &st); err != nil {
		t.Fatal(err)
	}
	if st.Size != DefaultUnitsPerFile*UnitSize || st.Blocks*512 > 64<<10 {
		t.Fatalf("consume-queue file of %d bytes takes %d bytes of disk, want at most 64 KiB", st.Size, st.Blocks*512)
	}
}
