package index

import (
	"syscall"
	"testing"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestFilesAreSparse creates a default index file (about 420 MB) on the
// real file system: with a few entries it must take a few pages of disk.
func TestFilesAreSparse(t *testing.T) {
	s, err := Open(t.TempDir(), &Options{FS: mappedfile.OSFS})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range int64(100) {
		if err := s.Put("T#k", i, 1_700_000_000_000+i); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(s.Files()[0].Path, &st); err != nil {
		t.Fatal(err)
	}
	if st.Size != int64(FileSize(DefaultSlotCount, DefaultMaxEntries)) || st.Blocks*512 > 1<<20 {
		t.Fatalf("index file of %d bytes takes %d bytes of disk, want at most 1 MiB", st.Size, st.Blocks*512)
	}
}
