package flush

import (
	"errors"
	"syscall"
	"testing"
)

func TestTransientStorePoolLending(t *testing.T) {
	const size, bufferSize = 3, 256 << 10
	p, err := NewTransientStorePool(PoolOptions{Size: size, BufferSize: bufferSize})
	if err != nil {
		t.Fatal(err)
	}
	var bufs [][]byte
	for i := range size {
		b, ok := p.Borrow()
		if !ok || len(b) != bufferSize {
			t.Fatalf("Borrow %d = %d bytes, %v", i, len(b), ok)
		}
		b[0], b[len(b)-1] = byte(i), byte(i) // writable end to end
		bufs = append(bufs, b)
		if got := p.Available(); got != size-1-i {
			t.Fatalf("Available after %d borrows = %d", i+1, got)
		}
	}
	if _, ok := p.Borrow(); ok {
		t.Fatal("a fourth buffer was lent from a pool of three")
	}
	if err := p.Close(); !errors.Is(err, ErrBuffersOutstanding) {
		t.Fatalf("Close with borrowed buffers: %v, want ErrBuffersOutstanding", err)
	}
	bufs[1][7] = 7 // Close failed, so the memory is still ours
	p.Return(bufs[1][:10])
	if p.Available() != 1 {
		t.Fatalf("Available after a Return = %d", p.Available())
	}
	again, ok := p.Borrow()
	if !ok || &again[0] != &bufs[1][0] || again[7] != 7 {
		t.Fatal("Borrow did not lend the returned buffer back, contents unzeroed")
	}
	for _, b := range bufs {
		p.Return(b)
	}
	if p.Available() != size {
		t.Fatalf("Available = %d after returning everything", p.Available())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Borrow(); ok {
		t.Fatal("Borrow after Close")
	}
	if err := p.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v, want ErrClosed", err)
	}
}

func TestTransientStorePoolRejectsMisuse(t *testing.T) {
	p, err := NewTransientStorePool(PoolOptions{Size: 1, BufferSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	b, _ := p.Borrow()
	p.Return(b)
	tests := []struct {
		name string
		buf  []byte
	}{
		{"foreign buffer", make([]byte, 4096)},
		{"returned twice", b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Return did not panic")
				}
			}()
			p.Return(tt.buf)
		})
	}
	if p.Available() != 1 {
		t.Fatalf("Available = %d after rejected returns", p.Available())
	}
}

func TestTransientStorePoolOptions(t *testing.T) {
	if _, err := NewTransientStorePool(PoolOptions{}); err == nil {
		t.Fatal("a pool without a buffer size was made")
	}
	p, err := NewTransientStorePool(PoolOptions{BufferSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Available() != DefaultPoolSize || p.BufferSize() != 4096 || p.Locked() {
		t.Fatalf("defaults: %d buffers of %d bytes, locked %v", p.Available(), p.BufferSize(), p.Locked())
	}
}

func TestTransientStorePoolLock(t *testing.T) {
	fail := func([]byte) error { return syscall.ENOMEM }
	tests := []struct {
		name       string
		lock       func([]byte) error // nil: the real mlock
		bestEffort bool
		wantErr    bool
		wantLocked bool
	}{
		{name: "mlock fails", lock: fail, wantErr: true},
		{name: "mlock fails, best effort", lock: fail, bestEffort: true},
		{name: "mlock works", lock: func([]byte) error { return nil }, wantLocked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func(real func([]byte) error) { lockMemory = real }(lockMemory)
			lockMemory = tt.lock
			p, err := NewTransientStorePool(PoolOptions{Size: 2, BufferSize: 4096, Lock: true, BestEffortLock: tt.bestEffort})
			if tt.wantErr {
				if !errors.Is(err, syscall.ENOMEM) {
					t.Fatalf("NewTransientStorePool = %v, want the mlock failure", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if p.Locked() != tt.wantLocked {
				t.Fatalf("Locked = %v, want %v", p.Locked(), tt.wantLocked)
			}
			if !tt.wantLocked && !errors.Is(p.LockError(), syscall.ENOMEM) {
				t.Fatalf("LockError = %v, want the mlock failure", p.LockError())
			}
		})
	}
}

// TestTransientStorePoolRealLock locks for real: it either works or is
// reported, never silently ignored.
func TestTransientStorePoolRealLock(t *testing.T) {
	p, err := NewTransientStorePool(PoolOptions{Size: 2, BufferSize: 1 << 20, Lock: true})
	if err != nil {
		if !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.ENOMEM) && !errors.Is(err, syscall.EAGAIN) {
			t.Fatalf("mlock failed with an unexpected error: %v", err)
		}
		t.Logf("mlock refused here, and reported: %v", err)
		return
	}
	if !p.Locked() || p.LockError() != nil {
		t.Fatalf("strict lock succeeded but Locked = %v, LockError = %v", p.Locked(), p.LockError())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}
