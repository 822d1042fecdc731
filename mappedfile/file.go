package mappedfile

import (
	"fmt"
	"log/slog"
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
	// buffered is set before the first append, when a write buffer is
	// attached (and cleared by a truncation of a file whose buffer was
	// spent). The appender consults it instead of buf, which the committer
	// clears concurrently once the file is full.
	buffered bool

	// ioErr is the first write or sync that failed (an *IOError): it
	// poisons the file, so that no position moves past bytes that may not
	// have reached the disk.
	ioErr atomic.Pointer[IOError]
	// onError receives errors no caller can be given (unmapping or removing
	// the file when its last reader lets go); nil logs them.
	onError func(error)

	refs       atomic.Int64 // the owner's reference plus one per reader
	available  atomic.Bool  // false once Close or Destroy was called
	lifeMu     sync.Mutex   // orders cleanup, eviction and Destroy
	remove     bool         // cleanup removes the file (Destroy, not Close)
	shutdownAt time.Time    // first Close/Destroy
	cleaned    bool         // mapping closed
	removed    bool         // file removed (or found gone)
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

// Err is the error that poisoned the file (an *IOError matching
// ErrPoisoned), or nil.
func (f *File) Err() error {
	if e := f.ioErr.Load(); e != nil {
		return e
	}
	return nil
}

// poison records a failed write or sync at pos unless an earlier one did,
// and returns the error that poisons the file.
func (f *File) poison(op string, pos int, err error) error {
	e := &IOError{Op: op, Path: f.path, Offset: f.start + int64(pos), Err: err}
	if f.ioErr.CompareAndSwap(nil, e) {
		return e
	}
	return f.ioErr.Load()
}

// report hands an error no caller can receive to the owner's hook, or logs
// it.
func (f *File) report(err error) {
	if f.onError != nil {
		f.onError(err)
		return
	}
	slog.Error("mappedfile: background error", "path", f.path, "err", err)
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

// writeInPlaceIfBufferSpent makes a file whose write buffer went back to
// its pool (the file had filled up) take appends in its mapping again: a
// truncation moved its write position back. The caller holds the appender
// off (the only reader of buffered besides AttachBuffer).
func (f *File) writeInPlaceIfBufferSpent() {
	f.bufMu.Lock()
	defer f.bufMu.Unlock()
	if f.buffered && f.buf == nil {
		f.buffered = false
	}
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
// returns the committed position. A failed write poisons the file.
func (f *File) Commit(leastPages int) (int, error) {
	f.commitMu.Lock()
	defer f.commitMu.Unlock()
	if err := f.Err(); err != nil {
		return f.CommittedPosition(), err
	}
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
			return int(committed), f.poison("write", int(committed), err)
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
// wait (a full file always flushes) and returns the flushed position. A
// failed sync poisons the file: the kernel may have marked the pages clean
// without writing them, so retrying could only pretend to succeed.
func (f *File) Flush(leastPages int) (int, error) {
	f.flushMu.Lock()
	defer f.flushMu.Unlock()
	committed, flushed := f.committed.Load(), f.flushed.Load()
	if err := f.Err(); err != nil {
		return int(flushed), err
	}
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
		return int(flushed), f.poison("sync", int(flushed), err)
	}
	f.flushed.Store(committed)
	return int(committed), nil
}
