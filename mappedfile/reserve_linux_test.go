package mappedfile_test

import (
	"errors"
	"testing"

	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestReserveOnAFullDiskIsAnError: pages of a sparse file on a full tmpfs
// cannot be reserved, and Reserve says so with ErrDiskFull where a write
// through the mapping would have killed the process; the pages it did
// reserve can be written.
func TestReserveOnAFullDiskIsAnError(t *testing.T) {
	const page = 4096
	dir := testkit.SmallDisk(t, 1<<20)
	q, err := mappedfile.OpenQueue(dir, mappedfile.QueueOptions{FileSize: 8 << 20, Sparse: true})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	f, err := q.Writable(0)
	if err != nil {
		t.Fatal(err)
	}
	reserved := 0
	for ; reserved < f.Size(); reserved += page {
		if err = f.Reserve(reserved, 1); err != nil {
			break
		}
	}
	if !errors.Is(err, mappedfile.ErrDiskFull) {
		t.Fatalf("after %d bytes reserved on a 1 MiB disk: %v, want ErrDiskFull", reserved, err)
	}
	if reserved == 0 || reserved > 1<<20 {
		t.Fatalf("%d bytes reserved on a 1 MiB disk", reserved)
	}
	clear(f.Writable()[:reserved])
	f.Advance(reserved)
}
