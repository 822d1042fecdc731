package flush

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// DefaultPoolSize is RocketMQ's transientStorePoolSize.
const DefaultPoolSize = 5

// PoolOptions configure a TransientStorePool.
type PoolOptions struct {
	Size           int  // buffers; default 5
	BufferSize     int  // bytes per buffer (the commit-log file size); required
	Lock           bool // mlock every buffer
	BestEffortLock bool // with Lock: an mlock failure leaves buffers unlocked (see Locked) instead of failing
}

// TransientStorePool lends write buffers the size of a commit-log file,
// allocated off the Go heap (anonymous mmap) so the collector never scans
// or moves them, and optionally locked in memory.
type TransientStorePool struct {
	mu     sync.Mutex
	all    [][]byte
	free   [][]byte
	locked bool
	closed bool
}

// NewTransientStorePool allocates the buffers.
func NewTransientStorePool(opts PoolOptions) (*TransientStorePool, error) {
	if opts.BufferSize <= 0 {
		return nil, fmt.Errorf("flush: transient store pool buffer size %d", opts.BufferSize)
	}
	if opts.Size <= 0 {
		opts.Size = DefaultPoolSize
	}
	p := &TransientStorePool{locked: opts.Lock}
	for range opts.Size {
		b, err := unix.Mmap(-1, 0, opts.BufferSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
		if err != nil {
			p.unmapAll()
			return nil, fmt.Errorf("flush: allocate a %d-byte write buffer: %w", opts.BufferSize, err)
		}
		p.all = append(p.all, b)
		if p.locked {
			if err := unix.Mlock(b); err != nil {
				if !opts.BestEffortLock {
					p.unmapAll()
					return nil, fmt.Errorf("flush: mlock a %d-byte write buffer: %w", opts.BufferSize, err)
				}
				p.locked = false
			}
		}
	}
	p.free = append([][]byte(nil), p.all...)
	return p, nil
}

// Borrow takes a free buffer; false when none is free.
func (p *TransientStorePool) Borrow() ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.free) == 0 {
		return nil, false
	}
	b := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	return b, true
}

// Return gives a borrowed buffer back. Its bytes are not cleared: the next
// file that borrows it reads only what it wrote itself. Returning a buffer
// the pool did not lend is a programming error and panics.
func (p *TransientStorePool) Return(buf []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.all {
		if unsafe.SliceData(b) == unsafe.SliceData(buf) {
			p.free = append(p.free, b)
			return
		}
	}
	panic("flush: a foreign buffer was returned to the transient store pool")
}

// Available is the number of free buffers.
func (p *TransientStorePool) Available() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}

// Locked reports whether the buffers are locked in memory.
func (p *TransientStorePool) Locked() bool { return p.locked }

// ErrBuffersOutstanding means Close found buffers not yet returned.
var ErrBuffersOutstanding = errors.New("flush: transient store pool closed with buffers still borrowed")

// Close frees every buffer. Buffers still borrowed make it fail without
// freeing anything.
func (p *TransientStorePool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if len(p.free) != len(p.all) {
		return fmt.Errorf("%w: %d of %d", ErrBuffersOutstanding, len(p.all)-len(p.free), len(p.all))
	}
	p.closed = true
	return p.unmapAll()
}

func (p *TransientStorePool) unmapAll() error {
	var errs []error
	for _, b := range p.all {
		if p.locked {
			errs = append(errs, unix.Munlock(b))
		}
		errs = append(errs, unix.Munmap(b))
	}
	p.all, p.free = nil, nil
	return errors.Join(errs...)
}
