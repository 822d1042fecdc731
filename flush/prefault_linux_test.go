package flush

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentPages counts buf's pages that are in memory.
func residentPages(t *testing.T, buf []byte) int {
	t.Helper()
	vec := make([]byte, (len(buf)+unix.Getpagesize()-1)/unix.Getpagesize())
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)), uintptr(unsafe.Pointer(unsafe.SliceData(vec))))
	if errno != 0 {
		t.Fatal("mincore:", errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

func TestBorrowFaultsTheBufferInWithoutChangingIt(t *testing.T) {
	const bufferSize = 40 << 20 // three prefault chunks, the last one short
	p, err := NewTransientStorePool(PoolOptions{Size: 2, BufferSize: bufferSize})
	if err != nil {
		t.Fatal(err)
	}
	pages := bufferSize / unix.Getpagesize()
	for _, b := range p.buffers {
		if got := residentPages(t, b); got != 0 {
			t.Fatalf("%d of %d pages resident before any Borrow", got, pages)
		}
	}
	b, ok := p.Borrow()
	if !ok {
		t.Fatal("Borrow failed")
	}
	b[0], b[bufferSize-1] = 1, 2 // the borrower writes while the pages fault in
	p.prefaulting.Wait()
	if got := residentPages(t, b); got != pages {
		t.Fatalf("%d of %d pages resident after Borrow", got, pages)
	}
	if b[0] != 1 || b[bufferSize-1] != 2 || b[bufferSize/2] != 0 {
		t.Fatal("faulting in changed the buffer's bytes")
	}
	for _, other := range p.buffers {
		if &other[0] != &b[0] && residentPages(t, other) != 0 {
			t.Fatal("a buffer nobody borrowed was faulted in")
		}
	}
	p.Return(b)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCloseStopsFaultingIn(t *testing.T) {
	p, err := NewTransientStorePool(PoolOptions{Size: 1, BufferSize: 256 << 20})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Borrow()
	p.Return(b)
	// Close waits for the goroutine, which stops at its next chunk, before
	// unmapping the buffer under it.
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
