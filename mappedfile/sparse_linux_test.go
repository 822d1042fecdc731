package mappedfile

import (
	"path/filepath"
	"syscall"
	"testing"
)

// TestSparseQueueFilesTakeNoSpace: a queue asked for sparse files creates
// them without blocks (as RocketMQ's consume-queue and index files), and the
// default allocates every block.
func TestSparseQueueFilesTakeNoSpace(t *testing.T) {
	const size = 4 << 20
	for _, sparse := range []bool{false, true} {
		dir := t.TempDir()
		q, err := OpenQueue(dir, QueueOptions{FileSize: size, Sparse: sparse})
		if err != nil {
			t.Fatal(err)
		}
		fill(t, q, 100, 1)
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(dir, FileName(0)), &st); err != nil {
			t.Fatal(err)
		}
		allocated := st.Blocks * 512
		t.Logf("sparse=%v: %d of %d bytes allocated", sparse, allocated, size)
		if sparse && allocated > 64<<10 {
			t.Fatalf("a sparse file of %d bytes has %d allocated", size, allocated)
		}
		if !sparse && allocated < size {
			t.Fatalf("a preallocated file of %d bytes has only %d allocated", size, allocated)
		}
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
