package mappedfile

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
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
// the file when it was destroyed). Errors of that cleanup go to the owner's
// error hook, as the reader that happens to be last cannot act on them.
func (f *File) Release() {
	if err := f.release(); err != nil {
		f.report(err)
	}
}

// release drops a reference and returns the cleanup's error when it was the
// last one.
func (f *File) release() error {
	if f.refs.Add(-1) == 0 {
		return f.cleanup()
	}
	return nil
}

func (f *File) cleanup() error {
	f.lifeMu.Lock()
	defer f.lifeMu.Unlock()
	if f.cleaned {
		return nil
	}
	f.cleaned = true
	var err error
	if cerr := f.m.Close(); cerr != nil {
		err = fmt.Errorf("mappedfile: unmap %s: %w", f.path, cerr)
	}
	if f.remove && !f.removed {
		err = errors.Join(err, f.removeFile())
	}
	return err
}

// removeFile removes the file and syncs its directory, so that the removal
// survives a power loss too. Called under lifeMu.
func (f *File) removeFile() error {
	if err := f.fs.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mappedfile: remove %s: %w", f.path, err)
	}
	f.removed = true
	if err := f.fs.SyncDir(filepath.Dir(f.path)); err != nil {
		return fmt.Errorf("mappedfile: sync the directory of %s: %w", f.path, err)
	}
	return nil
}

// shutdown marks the file unavailable and drops the owner's reference, once.
// A write buffer still attached is committed and given back to its pool
// first, so a closed queue never keeps pool buffers; a failed final write
// poisons the file and is returned.
func (f *File) shutdown(remove bool) error {
	err := f.detachBuffer()
	f.lifeMu.Lock()
	if !f.available.Load() {
		f.remove = f.remove || remove
		f.lifeMu.Unlock()
		return err
	}
	f.available.Store(false)
	f.remove = remove
	f.shutdownAt = time.Now()
	f.lifeMu.Unlock()
	return errors.Join(err, f.release())
}

// Destroy marks the file unavailable and removes it once no reader holds it.
// It reports whether the file is gone. Called again after forceAfter has
// passed since the first call, it removes the file even under readers:
// their slices then read zeros (Mapping.Evict), and the last Release closes
// the mapping. A negative forceAfter never forces, nor does a backing that
// cannot evict.
func (f *File) Destroy(forceAfter time.Duration) (bool, error) {
	err := f.shutdown(true)
	f.lifeMu.Lock()
	defer f.lifeMu.Unlock()
	if f.cleaned || f.evicted {
		if !f.removed {
			// Closed before (or by a failed cleanup): remove it now.
			err = errors.Join(err, f.removeFile())
		}
		return f.removed, err
	}
	if forceAfter < 0 || time.Since(f.shutdownAt) < forceAfter {
		return false, err
	}
	if eerr := f.m.Evict(); eerr != nil {
		if errors.Is(eerr, errors.ErrUnsupported) {
			return false, err
		}
		return false, errors.Join(err, fmt.Errorf("mappedfile: evict %s: %w", f.path, eerr))
	}
	f.evicted = true
	return true, errors.Join(err, f.removeFile())
}

// Close marks the file unavailable and unmaps it once no reader holds it,
// without removing it. It returns the error of the final write of a write
// buffer, or of the unmapping when no reader held the file.
func (f *File) Close() error {
	return f.shutdown(false)
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

// detachBuffer writes what the write buffer still holds into the file and
// returns the buffer to its pool. A failed write poisons the file: those
// bytes are then lost, and the error says so.
func (f *File) detachBuffer() error {
	f.commitMu.Lock()
	defer f.commitMu.Unlock()
	f.bufMu.Lock()
	defer f.bufMu.Unlock()
	if f.buf == nil {
		return nil
	}
	var err error
	wrote, committed := f.wrote.Load(), f.committed.Load()
	if perr := f.Err(); perr != nil {
		err = perr
	} else if werr := f.m.WriteAt(f.buf[committed:wrote], int(committed)); werr != nil {
		err = f.poison("write", int(committed), werr)
	} else {
		f.committed.Store(wrote)
	}
	f.pool.Return(f.buf)
	f.buf = nil
	return err
}
