package mappedfile

import (
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// Hold takes a reference for a reader. It fails once the file is closed or
// destroyed.
func (f *File) Hold() bool {
	if !f.available.Load() {
		return false
	}
	f.refs.Add(1)
	if !f.available.Load() {
		// Closed meanwhile: give the reference back (this may be the one
		// that lets the cleanup run).
		f.Release()
		return false
	}
	return true
}

// Release drops a reference; the last one closes the mapping (and removes
// the file when it was destroyed).
func (f *File) Release() {
	if f.refs.Add(-1) == 0 {
		f.cleanup()
	}
}

func (f *File) cleanup() {
	f.lifeMu.Lock()
	defer f.lifeMu.Unlock()
	if f.cleaned {
		return
	}
	f.cleaned = true
	_ = f.m.Close()
	if f.remove && !f.evicted {
		_ = f.fs.Remove(f.path)
	}
}

// shutdown marks the file unavailable and drops the owner's reference, once.
// A write buffer still attached is committed and given back to its pool
// first, so a closed queue never keeps pool buffers.
func (f *File) shutdown(remove bool) {
	f.detachBuffer()
	f.lifeMu.Lock()
	if !f.available.Load() {
		f.remove = f.remove || remove
		f.lifeMu.Unlock()
		return
	}
	f.available.Store(false)
	f.remove = remove
	f.shutdownAt = time.Now()
	f.lifeMu.Unlock()
	f.Release()
}

// Destroy marks the file unavailable and removes it once no reader holds
// it. It reports whether the file is gone. Called again after forceAfter
// has passed since the first call, it removes the file even under readers:
// their slices then read zeros (Mapping.Evict), and the last Release closes
// the mapping. A negative forceAfter never forces.
func (f *File) Destroy(forceAfter time.Duration) (bool, error) {
	f.shutdown(true)
	f.lifeMu.Lock()
	defer f.lifeMu.Unlock()
	if f.cleaned || f.evicted {
		return true, nil
	}
	if forceAfter < 0 || time.Since(f.shutdownAt) < forceAfter {
		return false, nil
	}
	if err := f.m.Evict(); err != nil {
		return false, fmt.Errorf("mappedfile: evict %s: %w", f.path, err)
	}
	f.evicted = true
	if err := f.fs.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return true, fmt.Errorf("mappedfile: remove %s: %w", f.path, err)
	}
	return true, nil
}

// Close marks the file unavailable and unmaps it once no reader holds it,
// without removing it.
func (f *File) Close() error {
	f.shutdown(false)
	return nil
}

// Slice is a held view of a file's bytes, valid until Release.
type Slice struct {
	Bytes []byte
	file  *File // nil when Bytes is a private copy
}

// Release lets the file go. Call it exactly once per successful read.
func (s Slice) Release() {
	if s.file != nil {
		s.file.Release()
	}
}

// Slice returns the bytes [pos, pos+n). Bytes below the committed position
// come straight from the mapping; bytes still only in the write buffer are
// copied, because the buffer goes back to its pool once committed.
func (f *File) Slice(pos, n int) (Slice, error) {
	if pos < 0 || n < 0 || pos+n > f.WrotePosition() {
		return Slice{}, fmt.Errorf("%w: [%d, %d) of %s, written %d", ErrOutOfRange, pos, pos+n, f.path, f.WrotePosition())
	}
	if !f.Hold() {
		return Slice{}, fmt.Errorf("%w: %s", ErrFileClosed, f.path)
	}
	if committed := f.CommittedPosition(); pos+n <= committed {
		return Slice{Bytes: f.data[pos : pos+n : pos+n], file: f}, nil
	}
	defer f.Release()
	f.bufMu.RLock()
	defer f.bufMu.RUnlock()
	out := make([]byte, n)
	// Holding bufMu keeps the buffer from going back to its pool; a commit
	// may still move bytes into the mapping meanwhile, which only makes
	// more of the range readable from there.
	committed := f.CommittedPosition()
	if f.buf == nil || committed >= pos+n {
		copy(out, f.data[pos:pos+n])
		return Slice{Bytes: out}, nil
	}
	split := max(pos, committed)
	copy(out, f.data[pos:split])
	copy(out[split-pos:], f.buf[split:pos+n])
	return Slice{Bytes: out}, nil
}

// SliceFrom returns the bytes from pos to the write position.
func (f *File) SliceFrom(pos int) (Slice, error) {
	return f.Slice(pos, f.WrotePosition()-pos)
}

// detachBuffer commits what the write buffer holds and returns it to its
// pool.
func (f *File) detachBuffer() {
	f.commitMu.Lock()
	defer f.commitMu.Unlock()
	f.bufMu.Lock()
	defer f.bufMu.Unlock()
	if f.buf == nil {
		return
	}
	wrote, committed := f.wrote.Load(), f.committed.Load()
	if f.m.WriteAt(f.buf[committed:wrote], int(committed)) == nil {
		f.committed.Store(wrote)
	}
	f.pool.Return(f.buf)
	f.buf = nil
}
