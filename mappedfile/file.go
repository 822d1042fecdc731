package mappedfile

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// pageBytes is the unit of the least-pages thresholds and of prewarming.
const pageBytes = 4096

// BufferPool lends write buffers the size of a file: the transient store
// pool. Borrow reports false when none is free.
type BufferPool interface {
	Borrow() ([]byte, bool)
	Return(buf []byte)
}

// File is one mapped file of a queue. See the package documentation for its
// positions and reference counting.
type File struct {
	fs    FS
	path  string
	start int64
	size  int
	m     Mapping
	data  []byte

	wrote     atomic.Int64
	committed atomic.Int64
	flushed   atomic.Int64

	commitMu sync.Mutex   // one commit at a time
	flushMu  sync.Mutex   // one flush at a time
	bufMu    sync.RWMutex // guards buf against its return to the pool
	buf      []byte       // transient-pool write buffer, nil when none
	pool     BufferPool
	// buffered is set once, before the first append, when a write buffer
	// is attached. The appender consults it instead of buf, which the
	// committer clears concurrently once the file is full.
	buffered bool

	refs       atomic.Int64 // the owner's reference plus one per reader
	available  atomic.Bool  // false once Close or Destroy was called
	lifeMu     sync.Mutex   // orders cleanup, eviction and Destroy
	remove     bool         // cleanup removes the file (Destroy, not Close)
	shutdownAt time.Time    // first Close/Destroy
	cleaned    bool         // mapping closed
	evicted    bool         // forcibly destroyed under readers
}

func newFile(fs FS, path string, start int64, m Mapping) *File {
	f := &File{fs: fs, path: path, start: start, m: m, data: m.Bytes(), size: len(m.Bytes())}
	f.refs.Store(1)
	f.available.Store(true)
	return f
}

// Create creates and maps a new file of size bytes for offsets from start.
func Create(fs FS, path string, start int64, size int) (*File, error) {
	m, err := fs.Create(path, size)
	if err != nil {
		return nil, err
	}
	return newFile(fs, path, start, m), nil
}

// OpenFile maps an existing file. All its positions are at its end: a loaded
// file counts as full until recovery sets its positions.
func OpenFile(fs FS, path string, start int64) (*File, error) {
	m, err := fs.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mappedfile: open %s: %w", path, err)
	}
	f := newFile(fs, path, start, m)
	f.SetPositions(f.size)
	return f, nil
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// StartOffset is the offset of the file's first byte.
func (f *File) StartOffset() int64 { return f.start }

// Size is the file's size in bytes.
func (f *File) Size() int { return f.size }

// WrotePosition is how many bytes were appended and published.
func (f *File) WrotePosition() int { return int(f.wrote.Load()) }

// CommittedPosition is how many bytes have reached the file.
func (f *File) CommittedPosition() int { return int(f.committed.Load()) }

// FlushedPosition is how many bytes are durable.
func (f *File) FlushedPosition() int { return int(f.flushed.Load()) }

// Remaining is the free space after the write position.
func (f *File) Remaining() int { return f.size - f.WrotePosition() }

// IsFull reports whether nothing more can be appended.
func (f *File) IsFull() bool { return f.WrotePosition() == f.size }

// ModTime is the file's modification time on its file system.
func (f *File) ModTime() time.Time {
	_, t, _ := f.fs.Stat(f.path)
	return t
}

// SetPositions sets wrote, committed and flushed to pos (recovery).
func (f *File) SetPositions(pos int) {
	f.wrote.Store(int64(pos))
	f.committed.Store(int64(pos))
	f.flushed.Store(int64(pos))
}

// AttachBuffer makes a fresh file write into buf, a write buffer of Size
// bytes from pool, until Commit has moved everything into the file; then the
// buffer goes back to pool.
func (f *File) AttachBuffer(buf []byte, pool BufferPool) {
	f.bufMu.Lock()
	f.buf, f.pool, f.buffered = buf[:f.size], pool, true
	f.bufMu.Unlock()
}

// Writable is where the next append goes: [WrotePosition, Size) of the
// write buffer when one is attached, else of the mapping. For the single
// appender only.
func (f *File) Writable() []byte {
	w := f.wrote.Load()
	if w == int64(f.size) || !f.buffered {
		// A full file's buffer may already be back in its pool.
		return f.data[w:]
	}
	return f.buf[w:]
}

// Advance publishes n more bytes written into Writable. For the single
// appender only.
func (f *File) Advance(n int) {
	w := f.wrote.Add(int64(n))
	if !f.buffered {
		f.committed.Store(w)
	}
}

// enoughPages reports whether [from, to) spans at least leastPages whole
// pages; a zero threshold takes any bytes.
func enoughPages(from, to int64, leastPages int) bool {
	if leastPages <= 0 {
		return to > from
	}
	return to/pageBytes-from/pageBytes >= int64(leastPages)
}

// Commit writes [committed, wrote) of the write buffer into the file
// when at least leastPages pages wait (a full file always commits), and
// returns the buffer to its pool once the file is full and committed. It
// returns the committed position.
func (f *File) Commit(leastPages int) (int, error) {
	f.commitMu.Lock()
	defer f.commitMu.Unlock()
	if f.buf == nil {
		return f.CommittedPosition(), nil
	}
	wrote, committed := f.wrote.Load(), f.committed.Load()
	full := wrote == int64(f.size)
	if wrote > committed && (full || enoughPages(committed, wrote, leastPages)) {
		if !f.Hold() {
			return int(committed), ErrFileClosed
		}
		// pwrite rather than a copy into the mapping: a first write to a
		// mapped page of a preallocated file waits for the journal, which a
		// concurrent flush holds.
		err := f.m.WriteAt(f.buf[committed:wrote], int(committed))
		f.Release()
		if err != nil {
			return int(committed), fmt.Errorf("mappedfile: commit %s: %w", f.path, err)
		}
		f.committed.Store(wrote)
		committed = wrote
	}
	if full && committed == wrote {
		f.bufMu.Lock()
		f.pool.Return(f.buf)
		f.buf = nil
		f.bufMu.Unlock()
	}
	return int(committed), nil
}

// Flush makes [flushed, committed) durable when at least leastPages pages
// wait (a full file always flushes) and returns the flushed position.
func (f *File) Flush(leastPages int) (int, error) {
	f.flushMu.Lock()
	defer f.flushMu.Unlock()
	committed, flushed := f.committed.Load(), f.flushed.Load()
	if committed <= flushed {
		return int(flushed), nil
	}
	if committed != int64(f.size) && !enoughPages(flushed, committed, leastPages) {
		return int(flushed), nil
	}
	if !f.Hold() {
		return int(flushed), ErrFileClosed
	}
	defer f.Release()
	if err := f.m.Flush(int(flushed), int(committed-flushed)); err != nil {
		return int(flushed), fmt.Errorf("mappedfile: flush %s: %w", f.path, err)
	}
	f.flushed.Store(committed)
	return int(committed), nil
}

// ZeroFrom clears every non-zero byte in [pos, Size) of the file, so that
// bytes past a truncation point can never be read back as records after a
// later crash. The page holding pos is cleared through the mapping. For the
// pages after it, a backing that can tell which ranges may hold data (blocks
// written on disk, pages in the page cache) limits the work to those, and
// large ranges are zeroed in the file system (fallocate) rather than read;
// otherwise pages are read and only the non-zero ones dirtied. Truncating a
// mostly empty 1 GiB file thus costs two system calls, not a gigabyte of
// page faults.
func (f *File) ZeroFrom(pos int) error {
	if pos < 0 || pos > f.size {
		return fmt.Errorf("%w: zero from %d in %s", ErrOutOfRange, pos, f.path)
	}
	if !f.Hold() {
		return ErrFileClosed
	}
	defer f.Release()
	head := min(f.size, (pos+pageBytes-1)/pageBytes*pageBytes)
	dirty := zeroRange(f.data[pos:head])
	if head == f.size {
		if !dirty {
			return nil
		}
		return f.m.Flush(pos, f.size-pos)
	}
	ranges := []span{{head, f.size, false}}
	if finder, ok := f.m.(dataFinder); ok && head < f.size {
		if r, err := finder.MaybeData(head); err == nil {
			ranges = r
		}
	}
	zeroer, _ := f.m.(rangeZeroer)
	for _, r := range ranges {
		if !r.cached && zeroer != nil && r.end-r.start >= zeroRangeMin && zeroer.ZeroRange(r.start, r.end-r.start) == nil {
			continue
		}
		dirty = zeroRange(f.data[r.start:r.end]) || dirty
	}
	if !dirty {
		return nil
	}
	return f.m.Flush(pos, f.size-pos)
}

// rangeZeroer is implemented by mappings that can zero a page-aligned range
// in the file system without reading it; the next flush makes it durable.
type rangeZeroer interface {
	ZeroRange(off, n int) error
}

// zeroRangeMin is the size from which a range that is not in memory is
// zeroed in the file system rather than read: reading a few pages is
// cheaper than a metadata change, reading many from disk is not.
const zeroRangeMin = 1 << 20

// span is a range [start, end) of a file; cached when its pages are in
// memory, so that reading them costs no I/O.
type span struct {
	start, end int
	cached     bool
}

// dataFinder is implemented by mappings that can tell which parts of a file
// may hold non-zero bytes without reading it.
type dataFinder interface {
	// MaybeData returns page-aligned ranges, in order, covering every byte
	// at or after off that may be non-zero.
	MaybeData(off int) ([]span, error)
}

// zeroRange clears the non-zero pages of b and reports whether it found
// any.
func zeroRange(b []byte) bool {
	var zero [pageBytes]byte
	dirty := false
	for len(b) > 0 {
		n := min(len(b), pageBytes)
		if !bytes.Equal(b[:n], zero[:n]) {
			clear(b[:n])
			dirty = true
		}
		b = b[n:]
	}
	return dirty
}

// populateHead populates the file's first chunk by system call and reports
// whether that worked: then the rest can be populated while the file is
// being written (prewarmRest), since populating never writes data.
func (f *File) populateHead() bool {
	p, ok := f.m.(populator)
	return ok && p.Populate(0, min(prewarmChunk, f.size)) == nil
}

// prewarmRest populates the pages after the first chunk while appenders may
// be writing the file, holding it so that it cannot be unmapped meanwhile,
// and stopping early once stop says so or the file is shut down.
func (f *File) prewarmRest(flushEveryPages int, lock bool, stop func() bool) error {
	if !f.Hold() {
		return nil
	}
	defer f.Release()
	return f.prewarm(min(prewarmChunk, f.size), flushEveryPages, lock, false,
		func() bool { return stop() || !f.available.Load() })
}

// Prewarm writes a zero into every page of the mapping so that appends do
// not take page faults, flushing every flushEveryPages pages when that is
// positive; with lock it then locks the region and advises the kernel.
//
// Where the kernel can (MADV_POPULATE_WRITE, Linux 5.14), the pages are
// populated by a system call rather than by touching them: a goroutine
// stalled in a page fault (the kernel throttling a writer of many dirty
// pages) keeps its P and holds up every stop-the-world of the garbage
// collector, so touching 1 GiB stalled the whole process, while one in a
// system call does not.
func (f *File) Prewarm(flushEveryPages int, lock bool) error {
	return f.prewarm(0, flushEveryPages, lock, true, nil)
}

// prewarmChunk is how much one populate call covers: small enough that a
// stop request or Close waits little.
const prewarmChunk = 4096 * pageBytes

// prewarm prewarms [from, size). With mayTouch false it never writes to the
// mapping (an appender may be writing it): it stops where populating by
// system call is not possible. stop, when not nil, ends it between chunks.
func (f *File) prewarm(from, flushEveryPages int, lock, mayTouch bool, stop func() bool) error {
	chunk := prewarmChunk
	if flushEveryPages > 0 {
		chunk = flushEveryPages * pageBytes
	}
	p, canPopulate := f.m.(populator)
	for at := from; at < f.size; at += chunk {
		if stop != nil && stop() {
			return nil
		}
		if !mayTouch {
			// The file is in use: keep ahead of the writer rather than
			// fault the same pages it does.
			if w := f.WrotePosition(); w > at {
				at = min(f.size, (w+chunk-1)/chunk*chunk)
				if at == f.size {
					break
				}
			}
		}
		n := min(chunk, f.size-at)
		if canPopulate {
			if err := p.Populate(at, n); err != nil {
				if !errors.Is(err, errPopulateUnsupported) {
					return fmt.Errorf("mappedfile: populate %s: %w", f.path, err)
				}
				canPopulate = false
			}
		}
		if !canPopulate {
			if !mayTouch {
				return nil
			}
			for page := at; page < at+n; page += pageBytes {
				f.data[page] = 0
			}
		}
		if flushEveryPages > 0 {
			if err := f.m.Flush(at, n); err != nil {
				return err
			}
		}
	}
	if lock {
		if err := f.m.Lock(); err != nil {
			return fmt.Errorf("mappedfile: mlock %s: %w", f.path, err)
		}
		return f.m.Advise()
	}
	return nil
}
