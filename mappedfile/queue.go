package mappedfile

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// QueueOptions configure a Queue. Zero values mean the documented defaults.
type QueueOptions struct {
	// FileSize is the size of every file, in bytes. Required.
	FileSize int
	// FS is the file system; nil means OSFS.
	FS FS
	// Sparse creates files without allocating their blocks
	// (FS.CreateSparse), as RocketMQ's consume-queue and index files are; by
	// default blocks are allocated up front (FS.Create), as a commit log's
	// must be. It cannot be combined with Prewarm, which allocates them.
	Sparse bool
	// Preallocate keeps the next file created in the background, so that a
	// roll never waits on file creation.
	Preallocate bool
	// Prewarm populates every page of a new file. A preallocated file is
	// handed over once its first 16 MiB are populated, and the rest is
	// populated ahead of the writer, so a roll never waits for it (where
	// the kernel cannot populate by system call, pages are touched, before
	// the file is handed over); without Mlock, at most 64 MiB ahead of it,
	// rather than all at once while the previous file is being written.
	Prewarm bool
	// PrewarmFlushPages flushes every so many pages while prewarming; 0
	// flushes none (RocketMQ flushes every 4096 under sync flush).
	PrewarmFlushPages int
	// Mlock locks prewarmed files in memory (best effort: a refusal is
	// reported to OnBackgroundError). It needs Prewarm.
	Mlock bool
	// WriteBuffers lends each new file a write buffer (the transient store
	// pool); nil writes straight into the mapping, as does a failed Borrow.
	WriteBuffers BufferPool
	// OnBackgroundError receives the errors no caller can be given:
	// unmapping or removing a file when its last reader lets go, and
	// prewarming a preallocated file. Nil logs them with slog.Default().
	// It is called from whichever goroutine met the error and must not
	// block or call back into the queue.
	OnBackgroundError func(error)
	// OnPoisoned is called once, with the *IOError, when a write or sync
	// first fails and poisons the queue (see Err). Optional; the same rules
	// as OnBackgroundError apply.
	OnPoisoned func(error)
}

// Validate reports every problem of o at once (errors.Join), each wrapping
// ErrInvalidOptions.
func (o *QueueOptions) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidOptions}, args...)...))
	}
	if o.FileSize <= 0 {
		bad("FileSize %d, want > 0", o.FileSize)
	}
	if o.PrewarmFlushPages < 0 {
		bad("PrewarmFlushPages %d, want >= 0", o.PrewarmFlushPages)
	}
	if o.Sparse && o.Prewarm {
		bad("Sparse files cannot be prewarmed: prewarming allocates every block")
	}
	if o.Mlock && !o.Prewarm {
		bad("Mlock locks prewarmed files: it needs Prewarm")
	}
	if o.PrewarmFlushPages > 0 && !o.Prewarm {
		bad("PrewarmFlushPages %d without Prewarm", o.PrewarmFlushPages)
	}
	return errors.Join(errs...)
}

// Queue is the ordered run of files of one log. See the package
// documentation.
type Queue struct {
	dir  string
	opts QueueOptions

	files atomic.Pointer[[]*File] // copy-on-write, oldest first
	mu    sync.Mutex              // serialises changes to files
	// committedWhere and flushedWhere are the global committed and flushed
	// offsets; commitMu and flushMu serialise the walks that move them.
	committedWhere atomic.Int64
	flushedWhere   atomic.Int64
	commitMu       sync.Mutex
	flushMu        sync.Mutex
	closed         atomic.Bool
	prealloc       preallocator
	// ioErr is the first failed write or sync of any file (an *IOError):
	// it poisons the queue until it is opened again.
	ioErr atomic.Pointer[IOError]
}

// OpenQueue loads the files in dir (creating dir if needed). Every file
// named by 20 decimal digits must have the queue's file size and follow the
// previous one; other names are ignored. Loaded files count as full until
// TruncateAfter sets the end.
func OpenQueue(dir string, opts QueueOptions) (*Queue, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.FS == nil {
		opts.FS = OSFS
	}
	if err := opts.FS.MkdirAll(dir); err != nil {
		return nil, err
	}
	q := &Queue{dir: dir, opts: opts}
	q.prealloc.q = q
	files, err := q.load()
	if err != nil {
		for _, f := range files {
			err = errors.Join(err, f.Close())
		}
		return nil, err
	}
	q.files.Store(&files)
	if len(files) > 0 {
		end := files[len(files)-1].StartOffset() + int64(opts.FileSize)
		q.committedWhere.Store(end)
		q.flushedWhere.Store(end)
	}
	return q, nil
}

func (q *Queue) load() ([]*File, error) {
	names, err := q.opts.FS.ReadDir(q.dir)
	if err != nil {
		return nil, err
	}
	var files []*File
	removed := false
	for _, name := range names {
		if base, ok := strings.CutSuffix(name, TempSuffix); ok {
			if _, ok := parseName(base); ok {
				// A creation a crash interrupted: never part of the queue.
				if err := q.opts.FS.Remove(filepath.Join(q.dir, name)); err != nil {
					return files, err
				}
				removed = true
			}
			continue
		}
		start, ok := parseName(name)
		if !ok {
			continue
		}
		path := filepath.Join(q.dir, name)
		size, _, err := q.opts.FS.Stat(path)
		if err != nil {
			return files, err
		}
		if size != int64(q.opts.FileSize) {
			return files, fmt.Errorf("%w: %s has %d bytes, want %d", ErrFileSize, path, size, q.opts.FileSize)
		}
		if n := len(files); n > 0 && files[n-1].StartOffset()+int64(q.opts.FileSize) != start {
			return files, fmt.Errorf("%w: %s does not follow %s", ErrGap, path, files[n-1].Path())
		}
		f, err := OpenFile(q.opts.FS, path, start)
		if err != nil {
			return files, err
		}
		files = append(files, q.adopt(f))
	}
	if removed {
		if err := q.opts.FS.SyncDir(q.dir); err != nil {
			return files, fmt.Errorf("mappedfile: sync %s: %w", q.dir, err)
		}
	}
	return files, nil
}

// adopt makes f report to the queue's hooks.
func (q *Queue) adopt(f *File) *File {
	f.onError = q.opts.OnBackgroundError
	return f
}

// create makes the file for offsets from start, sparse when the queue
// asks.
func (q *Queue) create(start int64) (*File, error) {
	path := filepath.Join(q.dir, FileName(start))
	create := q.opts.FS.Create
	if q.opts.Sparse {
		create = q.opts.FS.CreateSparse
	}
	m, err := create(path, q.opts.FileSize)
	if err != nil {
		return nil, err
	}
	return q.adopt(newFile(q.opts.FS, path, start, m)), nil
}

// Err is the error that poisoned the queue: the first write or sync of one
// of its files that failed (an *IOError, matching ErrPoisoned and its
// cause). Nil while the queue is healthy. Once poisoned, Commit and Flush
// return it and move nothing, until the queue is opened again.
func (q *Queue) Err() error {
	if e := q.ioErr.Load(); e != nil {
		return e
	}
	return nil
}

// poisoned records err when it is the first failure of a write or sync,
// and returns it.
func (q *Queue) poisoned(err error) error {
	var ioErr *IOError
	if errors.As(err, &ioErr) && q.ioErr.CompareAndSwap(nil, ioErr) && q.opts.OnPoisoned != nil {
		q.opts.OnPoisoned(ioErr)
	}
	return err
}

func parseName(name string) (int64, bool) {
	if len(name) != 20 {
		return 0, false
	}
	for i := range len(name) {
		if name[i] < '0' || name[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(name, 10, 64)
	return v, err == nil
}

// FileName is the name of the file whose first offset is start.
func FileName(start int64) string { return fmt.Sprintf("%020d", start) }

// Dir is the queue's directory.
func (q *Queue) Dir() string { return q.dir }

// FileSize is the size of each file.
func (q *Queue) FileSize() int { return q.opts.FileSize }

// Files returns the files, oldest first. The slice must not be modified.
func (q *Queue) Files() []*File { return *q.files.Load() }

// Empty reports whether the queue has no file.
func (q *Queue) Empty() bool { return len(q.Files()) == 0 }

// First returns the oldest file, or nil.
func (q *Queue) First() *File {
	if files := q.Files(); len(files) > 0 {
		return files[0]
	}
	return nil
}

// Last returns the newest file, or nil.
func (q *Queue) Last() *File {
	if files := q.Files(); len(files) > 0 {
		return files[len(files)-1]
	}
	return nil
}

// FindByOffset returns the file whose range holds offset, or nil.
func (q *Queue) FindByOffset(offset int64) *File {
	files := q.Files()
	if len(files) == 0 || offset < files[0].StartOffset() {
		return nil
	}
	i := (offset - files[0].StartOffset()) / int64(q.opts.FileSize)
	if i >= int64(len(files)) {
		return nil
	}
	return files[i]
}

// MinOffset is the first file's start offset (0 when empty).
func (q *Queue) MinOffset() int64 {
	if f := q.First(); f != nil {
		return f.StartOffset()
	}
	return 0
}

// MaxOffset is the write position: the last file's start plus its wrote
// position (0 when empty).
func (q *Queue) MaxOffset() int64 {
	if f := q.Last(); f != nil {
		return f.StartOffset() + int64(f.WrotePosition())
	}
	return 0
}

// CommittedOffset is the offset below which every byte is in the files.
func (q *Queue) CommittedOffset() int64 { return q.committedWhere.Load() }

// FlushedOffset is the offset below which every byte is durable.
func (q *Queue) FlushedOffset() int64 { return q.flushedWhere.Load() }

// Slice returns n bytes from offset, held until Release.
func (q *Queue) Slice(offset int64, n int) (Slice, error) {
	f := q.FindByOffset(offset)
	if f == nil {
		return Slice{}, fmt.Errorf("%w: offset %d not in %s", ErrOutOfRange, offset, q.dir)
	}
	return f.Slice(int(offset-f.StartOffset()), n)
}

// Writable returns the file to append to: the last file while it has room,
// else a new one after it (from the preallocator when ready). An empty
// queue starts at startOffset rounded down to a multiple of the file size.
// A creation error (ErrDiskFull on a full disk) leaves the queue unchanged.
func (q *Queue) Writable(startOffset int64) (*File, error) {
	if last := q.Last(); last != nil && !last.IsFull() {
		return last, nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed.Load() {
		return nil, ErrClosed
	}
	files := q.Files()
	next := startOffset - startOffset%int64(q.opts.FileSize)
	if n := len(files); n > 0 {
		if !files[n-1].IsFull() {
			return files[n-1], nil
		}
		next = files[n-1].StartOffset() + int64(q.opts.FileSize)
	}
	f, err := q.prealloc.take(next)
	if err != nil {
		return nil, err
	}
	if pool := q.opts.WriteBuffers; pool != nil {
		if buf, ok := pool.Borrow(); ok {
			f.AttachBuffer(buf, pool)
		}
	}
	grown := append(append(make([]*File, 0, len(files)+1), files...), f)
	if len(files) == 0 {
		q.committedWhere.Store(next)
		q.flushedWhere.Store(next)
	}
	q.files.Store(&grown)
	if q.opts.Preallocate {
		q.prealloc.request(next + int64(q.opts.FileSize))
	}
	return f, nil
}

// createFile creates the file starting at start, prewarmed when asked.
func (q *Queue) createFile(start int64) (*File, error) {
	f, err := q.create(start)
	if err != nil {
		return nil, err
	}
	if q.opts.Prewarm {
		// A failed prewarm does not stop the log: the pages are touched
		// whatever happens, a refused mlock (a low RLIMIT_MEMLOCK) is only
		// a slower log, and a failed sync has poisoned the file, which its
		// first flush reports.
		if err := f.Prewarm(q.opts.PrewarmFlushPages, q.opts.Mlock); err != nil {
			f.report(err)
		}
	}
	return f, nil
}

// Commit commits every file from the committed offset up to the write
// position; leastPages applies to the file being written. A failed write
// poisons the queue (see Err).
func (q *Queue) Commit(leastPages int) error {
	q.commitMu.Lock()
	defer q.commitMu.Unlock()
	return q.advance(&q.committedWhere, func(f *File) (int, error) { return f.Commit(leastPages) })
}

// Flush makes every committed byte durable, file by file from the flushed
// offset; leastPages applies to the file being written. A failed sync
// poisons the queue (see Err): the flushed offset never moves again.
func (q *Queue) Flush(leastPages int) error {
	q.flushMu.Lock()
	defer q.flushMu.Unlock()
	return q.advance(&q.flushedWhere, func(f *File) (int, error) { return f.Flush(leastPages) })
}

// advance walks files from *where, applying step until a file is not
// completed by it, and moves *where along.
func (q *Queue) advance(where *atomic.Int64, step func(*File) (int, error)) error {
	if err := q.Err(); err != nil {
		return err
	}
	for {
		f := q.FindByOffset(where.Load())
		if f == nil {
			return nil
		}
		pos, err := step(f)
		if pos > 0 {
			where.Store(f.StartOffset() + int64(pos))
		}
		if err != nil {
			return q.poisoned(err)
		}
		if pos < f.Size() {
			return nil
		}
	}
}

// TruncateAfter makes offset the end of the queue: files after it are
// destroyed, and the file holding it is cut there and zeroed from there on.
func (q *Queue) TruncateAfter(offset int64) error { return q.truncateAfter(offset, true) }

// SetEnd is TruncateAfter for the recovery of a queue that was closed
// cleanly: nothing was ever written past offset, so the rest of the file
// holding it is known to be zero and is not cleared again.
func (q *Queue) SetEnd(offset int64) error { return q.truncateAfter(offset, false) }

func (q *Queue) truncateAfter(offset int64, zeroTail bool) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	var kept []*File
	var errs []error
	for _, f := range q.Files() {
		end := f.StartOffset() + int64(f.Size())
		switch {
		case end <= offset:
			kept = append(kept, f)
		case f.StartOffset() <= offset:
			pos := int(offset - f.StartOffset())
			f.SetPositions(pos)
			f.writeInPlaceIfBufferSpent()
			if zeroTail {
				errs = append(errs, q.poisoned(f.ZeroFrom(pos)))
			}
			kept = append(kept, f)
		default:
			_, err := f.Destroy(0)
			errs = append(errs, err)
		}
	}
	q.files.Store(&kept)
	if q.committedWhere.Load() > offset {
		q.committedWhere.Store(offset)
	}
	if q.flushedWhere.Load() > offset {
		q.flushedWhere.Store(offset)
	}
	return errors.Join(errs...)
}

// StartAt makes a queue that holds no data begin at offset, a multiple of
// the file size: its files go, and the next Writable creates the file at
// offset. A replica joining a log that no longer starts at 0 needs it.
func (q *Queue) StartAt(offset int64) error {
	if offset < 0 || offset%int64(q.opts.FileSize) != 0 {
		return fmt.Errorf("%w: start %d is not a file boundary", ErrOutOfRange, offset)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	files := q.Files()
	for _, f := range files {
		if f.WrotePosition() > 0 {
			return fmt.Errorf("mappedfile: cannot restart %s at %d: %s holds data", q.dir, offset, f.Path())
		}
	}
	var errs []error
	for _, f := range files {
		_, err := f.Destroy(0)
		errs = append(errs, err)
	}
	empty := []*File{}
	q.files.Store(&empty)
	q.committedWhere.Store(offset)
	q.flushedWhere.Store(offset)
	return errors.Join(errs...)
}

// DeleteFiles destroys files from the front while pred holds, at most max
// of them (0: no limit), never the last file. A file a reader still holds
// stops the round (it is retried next time, and forced once forceAfter has
// passed since the first try). It returns how many files are gone.
func (q *Queue) DeleteFiles(pred func(*File) bool, max int, forceAfter time.Duration) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	files := q.Files()
	gone := 0
	var err error
	for gone < len(files)-1 && (max <= 0 || gone < max) && pred(files[gone]) {
		var ok bool
		ok, err = files[gone].Destroy(forceAfter)
		if ok {
			// Gone, even if syncing its directory failed: it must leave
			// the list, as it can no longer be read.
			gone++
		}
		if !ok || err != nil {
			break
		}
	}
	if gone > 0 {
		rest := append([]*File(nil), files[gone:]...)
		q.files.Store(&rest)
	}
	return gone, err
}

// Close stops the preallocator (removing a file it made that was never
// used) and closes every file. Files still held by readers are unmapped when
// released.
func (q *Queue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed.Swap(true) {
		return nil
	}
	errs := []error{q.prealloc.close()}
	for _, f := range q.Files() {
		errs = append(errs, q.poisoned(f.Close()))
	}
	return errors.Join(errs...)
}

// Destroy closes the queue and removes every file.
func (q *Queue) Destroy() error {
	err := q.Close()
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, f := range q.Files() {
		if _, derr := f.Destroy(0); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	empty := []*File{}
	q.files.Store(&empty)
	return err
}
