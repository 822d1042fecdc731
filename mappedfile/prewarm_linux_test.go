package mappedfile

import (
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// residentBytes counts the bytes of f's pages that are in memory.
func residentBytes(t *testing.T, f *File) int {
	t.Helper()
	spans, err := residentPages(f.m.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range spans {
		n += s.End - s.Start
	}
	return n
}

// waitResident waits until exactly want bytes of f are resident, then
// checks that population stays there for a while.
func waitResident(t *testing.T, f *File, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for residentBytes(t, f) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes resident, want %d", residentBytes(t, f), want)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(5 * prewarmMaxPause)
	if got := residentBytes(t, f); got != want {
		t.Fatalf("population went on to %d bytes, want it to stop at %d", got, want)
	}
}

func TestPreallocatedFileIsPopulatedAheadOfTheWriterOnly(t *testing.T) {
	const size = prewarmAhead + 2*prewarmChunk
	f, err := Create(OSFS, filepath.Join(t.TempDir(), FileName(0)), 0, size)
	if err != nil {
		t.Fatal(err)
	}
	// No read-ahead, which would make pages resident past what was
	// populated.
	if err := unix.Madvise(f.m.Bytes(), unix.MADV_RANDOM); err != nil {
		t.Fatal(err)
	}
	if !f.populateHead() {
		t.Skip("the kernel cannot populate by system call (MADV_POPULATE_WRITE, Linux 5.14)")
	}
	var stop atomic.Bool
	done := make(chan error, 1)
	go func() { done <- f.prewarmRest(0, false, stop.Load) }()

	// Nobody writes yet: populated up to prewarmAhead.
	waitResident(t, f, prewarmAhead)
	// The writer moves one chunk on: so does population.
	appendBytes(t, f, make([]byte, prewarmChunk))
	waitResident(t, f, prewarmAhead+prewarmChunk)

	stop.Store(true)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("population did not stop")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
