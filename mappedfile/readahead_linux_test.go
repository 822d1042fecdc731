package mappedfile

import (
	"path/filepath"
	"testing"
)

// TestAFreshSparseFileIsNotReadAhead: the first write into a new sparse
// file (a consume-queue or index file) brings in its own page, not a
// readahead window of the holes after it, which cost most of what creating
// a queue took (zeroing the window into the page cache, ~2 ms per 6 MB
// consume-queue file, and evicting it again).
func TestAFreshSparseFileIsNotReadAhead(t *testing.T) {
	const size = 6 << 20
	m, err := OSFS.CreateSparse(filepath.Join(t.TempDir(), FileName(0)), size)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Bytes()[0] = 1
	spans, err := residentPages(m.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	resident := 0
	for _, s := range spans {
		resident += (s.End - s.Start) / pageSize
	}
	t.Logf("%d of %d pages in the page cache after the first write", resident, size/pageSize)
	if resident > 16 {
		t.Fatalf("the first write brought %d pages into the page cache: the holes were read ahead", resident)
	}
}
