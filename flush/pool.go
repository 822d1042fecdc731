package flush

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// DefaultPoolSize is RocketMQ's transientStorePoolSize.
const DefaultPoolSize = 5

// lockMemory locks a buffer in memory; a seam so that tests can make it fail
// where the process may lock anything (root has CAP_IPC_LOCK).
var lockMemory = lockBuffer

// ErrBuffersOutstanding means Close found buffers not yet returned.
var ErrBuffersOutstanding = errors.New("flush: transient store pool closed with buffers still borrowed")

// PoolOptions configure a TransientStorePool.
type PoolOptions struct {
	// Size is the number of buffers. Default 5 (transientStorePoolSize).
	Size int
	// BufferSize is the size of each buffer in bytes, normally the commit
	// log's file size. Required.
	BufferSize int
	// Lock mlocks every buffer so the kernel never pages it out. A failure
	// (commonly RLIMIT_MEMLOCK) fails NewTransientStorePool.
	Lock bool
	// BestEffortLock, with Lock, turns an mlock failure into unlocked
	// buffers: Locked reports false and LockError says why.
	BestEffortLock bool
}

// TransientStorePool lends write buffers the size of a commit-log file.
// On Unix they are allocated off the Go heap with an anonymous mmap, so the
// collector never scans them, and optionally locked in memory; on Windows
// they are ordinary Go memory that cannot be locked (pool_windows.go).
type TransientStorePool struct {
	size int

	// mu guards the lending state below.
	mu       sync.Mutex
	buffers  [][]byte // every buffer, as mmap returned it
	borrowed []bool   // borrowed[i]: buffers[i] is out
	free     []int    // indexes of the buffers in the pool
	closed   bool

	locked  bool  // fixed after construction
	lockErr error // why a best-effort lock failed; fixed after construction
}

// NewTransientStorePool allocates (and with Lock, locks) the buffers. On any
// failure it frees what it allocated.
func NewTransientStorePool(opts PoolOptions) (*TransientStorePool, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Size == 0 {
		opts.Size = DefaultPoolSize
	}
	p := &TransientStorePool{size: opts.BufferSize, locked: opts.Lock}
	for i := range opts.Size {
		b, err := allocBuffer(opts.BufferSize)
		if err != nil {
			err = fmt.Errorf("flush: allocate write buffer %d of %d bytes: %w", i, opts.BufferSize, err)
			return nil, errors.Join(err, p.release())
		}
		p.buffers = append(p.buffers, b)
		if !p.locked {
			continue
		}
		if err := lockMemory(b); err != nil {
			err = fmt.Errorf("flush: mlock write buffer %d of %d bytes: %w", i, opts.BufferSize, err)
			if !opts.BestEffortLock {
				return nil, errors.Join(err, p.release())
			}
			// Half-locked is the worst of both: unlock what was locked so
			// Locked tells the truth about every buffer.
			for j, locked := range p.buffers[:i] {
				if uerr := unlockBuffer(locked); uerr != nil {
					err = errors.Join(err, fmt.Errorf("flush: munlock write buffer %d: %w", j, uerr))
				}
			}
			p.locked, p.lockErr = false, err
		}
	}
	p.borrowed = make([]bool, len(p.buffers))
	for i := range p.buffers {
		p.free = append(p.free, i)
	}
	return p, nil
}

// Borrow takes a free buffer; false when none is free (the caller then
// writes to the file directly) or the pool is closed.
func (p *TransientStorePool) Borrow() ([]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.free) == 0 {
		return nil, false
	}
	i := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	p.borrowed[i] = true
	return p.buffers[i], true
}

// Return gives a borrowed buffer back (buf may be resliced from its start).
// Its bytes are not cleared: the next file that borrows it reads only what
// it wrote itself. Returning a buffer the pool did not lend, or returning it
// twice, is a programming error and panics.
func (p *TransientStorePool) Return(buf []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, b := range p.buffers {
		if unsafe.SliceData(b) != unsafe.SliceData(buf) {
			continue
		}
		if !p.borrowed[i] {
			panic("flush: a transient store pool buffer was returned twice")
		}
		p.borrowed[i] = false
		p.free = append(p.free, i)
		return
	}
	panic("flush: a buffer the transient store pool did not lend was returned to it")
}

// Available is the number of free buffers.
func (p *TransientStorePool) Available() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}

// BufferSize is the size of each buffer in bytes.
func (p *TransientStorePool) BufferSize() int { return p.size }

// Locked reports whether the buffers are locked in memory.
func (p *TransientStorePool) Locked() bool { return p.locked }

// LockError is why a best-effort lock left the buffers unlocked; nil when
// they are locked or no lock was asked for.
func (p *TransientStorePool) LockError() error { return p.lockErr }

// Close unlocks and unmaps every buffer. With buffers still borrowed it
// fails with ErrBuffersOutstanding and frees nothing, so the borrowers'
// memory stays valid and Close can be tried again. Later calls return
// ErrClosed.
func (p *TransientStorePool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if out := len(p.buffers) - len(p.free); out > 0 {
		return fmt.Errorf("%w: %d of %d", ErrBuffersOutstanding, out, len(p.buffers))
	}
	p.closed = true
	return p.release()
}

// release unlocks and unmaps every buffer.
func (p *TransientStorePool) release() error {
	var errs []error
	for i, b := range p.buffers {
		if p.locked {
			if err := unlockBuffer(b); err != nil {
				errs = append(errs, fmt.Errorf("flush: munlock write buffer %d: %w", i, err))
			}
		}
		if err := freeBuffer(b); err != nil {
			errs = append(errs, fmt.Errorf("flush: munmap write buffer %d: %w", i, err))
		}
	}
	p.buffers, p.free, p.borrowed = nil, nil, nil
	return errors.Join(errs...)
}
