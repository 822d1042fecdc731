package mappedfile

import (
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"time"
)

// memMapping is one mapping of a MemFS file. b is the file's live memory as
// it was when the mapping opened, which stays the file's memory while any
// mapping of it is open.
type memMapping struct {
	f      *memFile
	b      []byte
	closed atomic.Bool
}

// Bytes panics once the mapping is closed: a caller still using it has a
// bug that a real unmap would turn into a fault.
func (mm *memMapping) Bytes() []byte {
	if mm.closed.Load() {
		panic("mappedfile: Bytes of a closed MemFS mapping")
	}
	return mm.b
}

// check fails once the mapping is closed, or for a range outside the file.
func (mm *memMapping) check(op string, off, n int) error {
	if mm.closed.Load() {
		return fmt.Errorf("mappedfile: MemFS %s: %w", op, fs.ErrClosed)
	}
	if off < 0 || n < 0 || off+n > len(mm.b) {
		return fmt.Errorf("%w: %s [%d, %d) of %d bytes", errMemRange, op, off, off+n, len(mm.b))
	}
	return nil
}

func (mm *memMapping) WriteAt(p []byte, off int) error {
	if err := mm.check("write", off, len(p)); err != nil {
		return err
	}
	copy(mm.b[off:], p)
	return nil
}

func (mm *memMapping) Flush(off, n int) error {
	if err := mm.check("flush", off, n); err != nil {
		return err
	}
	mm.f.mu.Lock()
	copy(mm.f.durable[off:off+n], mm.b[off:off+n])
	mm.f.modTime = time.Now()
	mm.f.mu.Unlock()
	return nil
}

// ZeroRange, Populate and MaybeData are shortcuts memory does not need:
// the callers' fallbacks (clearing, touching and reading pages) do the same
// work here.
func (mm *memMapping) ZeroRange(off, n int) error { return mm.unsupported("zero range", off, n) }
func (mm *memMapping) Populate(off, n int) error  { return mm.unsupported("populate", off, n) }
func (mm *memMapping) MaybeData(off int) ([]Span, error) {
	return nil, mm.unsupported("find data", off, 0)
}

func (mm *memMapping) unsupported(op string, off, n int) error {
	if err := mm.check(op, off, n); err != nil {
		return err
	}
	return fmt.Errorf("mappedfile: MemFS %s: %w", op, errors.ErrUnsupported)
}

func (mm *memMapping) Lock() error   { return mm.check("lock", 0, 0) }
func (mm *memMapping) Advise() error { return mm.check("advise", 0, 0) }

// Evict leaves the bytes alone: memory cannot fault, and the file is
// removed from the MemFS by the caller.
func (mm *memMapping) Evict() error { return mm.check("evict", 0, 0) }

// Close unmaps; a second Close fails.
func (mm *memMapping) Close() error {
	if !mm.closed.CompareAndSwap(false, true) {
		return fmt.Errorf("mappedfile: MemFS close: %w", fs.ErrClosed)
	}
	mm.f.unmap()
	return nil
}
