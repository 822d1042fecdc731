package mappedfile

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// mmapPool lends anonymous mappings, as the transient store pool does, and
// unmaps what comes back.
type mmapPool struct {
	t        *testing.T
	size     int
	mu       sync.Mutex
	returned int
}

func (p *mmapPool) Borrow() ([]byte, bool) {
	b, err := unix.Mmap(-1, 0, p.size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		p.t.Error(err)
		return nil, false
	}
	return b, true
}

func (p *mmapPool) Return(b []byte) {
	p.mu.Lock()
	p.returned++
	p.mu.Unlock()
	if err := unix.Munmap(b[:p.size]); err != nil {
		p.t.Error(err)
	}
}

// waitResidentMemory waits until exactly want bytes of b are resident, then
// checks that it stays there for a while.
func waitResidentMemory(t *testing.T, b []byte, want int) {
	t.Helper()
	count := func() int {
		spans, err := residentPages(b)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range spans {
			n += s.End - s.Start
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for count() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes of the buffer resident, want %d", count(), want)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(5 * prewarmMaxPause)
	if got := count(); got != want {
		t.Fatalf("population went on to %d bytes, want it to stop at %d", got, want)
	}
}

func TestAttachedBufferIsPopulatedAheadOfTheWriter(t *testing.T) {
	const size = prewarmAhead + 2*bufferPopulateChunk
	f, err := Create(OSFS, filepath.Join(t.TempDir(), FileName(0)), 0, size)
	if err != nil {
		t.Fatal(err)
	}
	pool := &mmapPool{t: t, size: size}
	buf, _ := pool.Borrow()
	if err := populateMemory(buf[:pageBytes]); err != nil {
		t.Skipf("the kernel cannot populate by system call: %v", err)
	}
	f.AttachBuffer(buf, pool)

	waitResidentMemory(t, buf, prewarmAhead)
	want := []byte("appended while the buffer is populated")
	appendBytes(t, f, want)
	appendBytes(t, f, make([]byte, bufferPopulateChunk-len(want)))
	waitResidentMemory(t, buf, prewarmAhead+bufferPopulateChunk)
	if string(buf[:len(want)]) != string(want) {
		t.Fatalf("the buffer holds %q, populating changed it", buf[:len(want)])
	}

	if err := f.Close(); err != nil { // commits and returns the buffer
		t.Fatal(err)
	}
	if pool.returned != 1 {
		t.Fatalf("%d buffers returned", pool.returned)
	}
	s, err := OpenFile(OSFS, f.Path(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := string(s.m.Bytes()[:len(want)]); got != string(want) {
		t.Fatalf("the file holds %q", got)
	}
}
