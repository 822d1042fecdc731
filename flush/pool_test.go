package flush

import (
	"errors"
	"testing"
)

func TestTransientStorePool(t *testing.T) {
	p, err := NewTransientStorePool(PoolOptions{Size: 3, BufferSize: 1 << 20, Lock: true, BestEffortLock: true})
	if err != nil {
		t.Fatal(err)
	}
	var bufs [][]byte
	for range 3 {
		b, ok := p.Borrow()
		if !ok || len(b) != 1<<20 {
			t.Fatalf("Borrow = %d bytes, %v", len(b), ok)
		}
		b[len(b)-1] = 1 // writable
		bufs = append(bufs, b)
	}
	if _, ok := p.Borrow(); ok || p.Available() != 0 {
		t.Fatal("a fourth buffer was lent")
	}
	if err := p.Close(); !errors.Is(err, ErrBuffersOutstanding) {
		t.Fatalf("Close with borrowed buffers: %v", err)
	}
	for _, b := range bufs {
		p.Return(b)
	}
	if p.Available() != 3 {
		t.Fatalf("Available = %d", p.Available())
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a foreign buffer was accepted")
			}
		}()
		p.Return(make([]byte, 1<<20))
	}()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Borrow(); ok {
		t.Fatal("Borrow after Close")
	}
}

func TestTransientStorePoolStrictLockReportsFailure(t *testing.T) {
	// A 64 MiB lock may or may not be allowed here; either it works or the
	// failure is reported, never ignored.
	p, err := NewTransientStorePool(PoolOptions{Size: 1, BufferSize: 64 << 20, Lock: true})
	if err != nil {
		return
	}
	if !p.Locked() {
		t.Fatal("strict lock succeeded without locking")
	}
	p.Close()
}
