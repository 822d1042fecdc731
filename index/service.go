package index

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// Service is the run of index files of a store, oldest first; the last one
// takes new entries. See the package documentation for its concurrency.
type Service struct {
	dir  string
	opts Options

	mu     sync.RWMutex // guards files and closed
	files  []*file
	closed bool
}

// timeName is the yyyyMMddHHmmssSSS name layout of index files.
const timeName = "20060102150405.000"

// nameLen is the length of an index file's name.
const nameLen = 17

func nameFor(t time.Time) string {
	s := t.Format(timeName)
	return s[:14] + s[15:]
}

// IsFileName reports whether name is an index file's name: 17 digits.
func IsFileName(name string) bool {
	if len(name) != nameLen {
		return false
	}
	for i := range len(name) {
		if name[i] < '0' || name[i] > '9' {
			return false
		}
	}
	return true
}

// Open loads the index files in dir (removing files whose creation a crash
// interrupted).
func Open(dir string, opts *Options) (*Service, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o = o.WithDefaults()
	if err := o.FS.MkdirAll(dir); err != nil {
		return nil, err
	}
	s := &Service{dir: dir, opts: o}
	names, err := o.FS.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	removed := false
	for _, name := range names {
		path := filepath.Join(dir, name)
		if base, ok := strings.CutSuffix(name, mappedfile.TempSuffix); ok && IsFileName(base) {
			if err := o.FS.Remove(path); err != nil {
				s.Close()
				return nil, fmt.Errorf("index: remove %s: %w", path, err)
			}
			removed = true
			continue
		}
		if !IsFileName(name) {
			continue
		}
		mf, err := mappedfile.OpenFile(o.FS, path, 0)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("index: %w", err)
		}
		f, err := newFile(mf, o.SlotCount, o.MaxEntries)
		if err != nil {
			mf.Close()
			s.Close()
			return nil, err
		}
		s.files = append(s.files, f)
	}
	if removed {
		// Or the leftovers come back after a power loss.
		if err := o.FS.SyncDir(dir); err != nil {
			s.Close()
			return nil, fmt.Errorf("index: sync %s: %w", dir, err)
		}
	}
	return s, nil
}

// Put indexes key → phys for a record stored at storeTimestamp (ms),
// rolling to a new file when the last is full.
func (s *Service) Put(key string, phys, storeTimestamp int64) error {
	f, err := s.writable(nil)
	if err != nil {
		return err
	}
	err = f.put(key, phys, storeTimestamp)
	f.release()
	if !errors.Is(err, ErrFull) {
		return err
	}
	if f, err = s.writable(f); err != nil {
		return err
	}
	defer f.release()
	return f.put(key, phys, storeTimestamp)
}

// PutMessage indexes topic#key for every key and topic#uniqKey.
func (s *Service) PutMessage(topic string, keys []string, uniqKey string, phys, storeTimestamp int64) error {
	for _, k := range keys {
		if err := s.Put(topic+"#"+k, phys, storeTimestamp); err != nil {
			return err
		}
	}
	if uniqKey != "" {
		return s.Put(topic+"#"+uniqKey, phys, storeTimestamp)
	}
	return nil
}

// writable returns the last file, held, rolling to a new one when there
// is none or when the last is full (the caller saw full fill up).
func (s *Service) writable(full *file) (*file, error) {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil, ErrClosed
	}
	if n := len(s.files); n > 0 && s.files[n-1] != full {
		last := s.files[n-1]
		s.mu.RUnlock()
		if !last.hold() {
			return nil, ErrClosed
		}
		return last, nil
	}
	s.mu.RUnlock()
	return s.roll(full)
}

// roll adds a new file after full (nil: the first file), flushes full and
// returns the new file, held.
func (s *Service) roll(full *file) (*file, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if n := len(s.files); n > 0 && s.files[n-1] != full {
		last := s.files[n-1] // another goroutine rolled first
		if !last.hold() {
			return nil, ErrClosed
		}
		return last, nil
	}
	t := s.opts.Now()
	path := filepath.Join(s.dir, nameFor(t))
	for _, f := range s.files {
		if f.path() >= path {
			t = t.Add(time.Millisecond)
			path = filepath.Join(s.dir, nameFor(t))
		}
	}
	mf, err := createSparse(s.opts.FS, path, FileSize(s.opts.SlotCount, s.opts.MaxEntries))
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	f, err := newFile(mf, s.opts.SlotCount, s.opts.MaxEntries)
	if err != nil {
		_, derr := mf.Destroy(0) // nobody else knows the file
		return nil, errors.Join(err, derr)
	}
	f.hold() // cannot fail: nobody else knows the file
	s.files = append(s.files, f)
	if full == nil {
		return f, nil
	}
	// A failed flush of the full file does not stop indexing: the next
	// Flush tries that file again, and fails (holding the checkpoint back)
	// until it succeeds.
	var flushErr error
	if full.hold() {
		flushErr = full.flush()
		full.release()
	}
	if s.opts.OnRoll != nil {
		s.opts.OnRoll(path, flushErr)
	}
	return f, nil
}

// createSparse creates an index file without allocating its blocks, as
// RocketMQ does: entries land at random slots, and a file of 420 MB takes
// space only for the pages written. (A store refuses writes above its
// disk-warning ratio, well before the disk is full, where writing a new
// page of a sparse file through the mapping would fault.)
func createSparse(fsys mappedfile.FS, path string, size int) (*mappedfile.File, error) {
	m, err := fsys.CreateSparse(path, size)
	if err != nil {
		return nil, err
	}
	if err := m.Close(); err != nil {
		// The name is durable already (CreateSparse): its removal must be.
		return nil, errors.Join(err, fsys.Remove(path), fsys.SyncDir(filepath.Dir(path)))
	}
	return mappedfile.OpenFile(fsys, path, 0)
}

// held returns the files, newest first, each held; the caller releases
// them.
func (s *Service) held() ([]*file, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	out := make([]*file, 0, len(s.files))
	for i := len(s.files) - 1; i >= 0; i-- {
		// Under the read lock no file is removed, so a hold cannot fail.
		if s.files[i].hold() {
			out = append(out, s.files[i])
		}
	}
	return out, nil
}

// Query returns up to max physical offsets of records indexed under
// topic#key and stored within [begin, end] (ms), newest first. Every file
// it reads is held meanwhile: cleanup can remove a file during a query,
// but its mapping stays until the query lets go of it.
func (s *Service) Query(topic, key string, max int, begin, end int64) ([]int64, error) {
	files, err := s.held()
	if err != nil {
		return nil, err
	}
	full := topic + "#" + key
	var offsets []int64
	for _, f := range files {
		if len(offsets) < max {
			h := f.Header()
			if h.IndexCount > 1 && h.EndTimestamp >= begin && h.BeginTimestamp <= end {
				offsets = f.query(full, max, begin, end, offsets)
			}
		}
		f.release()
	}
	return offsets, nil
}

// FileInfo describes one index file.
type FileInfo struct {
	Path string
	Header
}

// Files describes the files, oldest first (none after Close).
func (s *Service) Files() []FileInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	infos := make([]FileInfo, len(s.files))
	for i, f := range s.files {
		infos[i] = FileInfo{Path: f.path(), Header: f.Header()}
	}
	return infos
}

// TruncateAfter removes every file holding an entry for a record at or
// after phys (entries cannot be unlinked one by one), and returns the
// physical offset from which records must be indexed again: the lowest
// begin offset of the removed files, or -1 when nothing was removed.
func (s *Service) TruncateAfter(phys int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return -1, ErrClosed
	}
	from := int64(-1)
	var errs []error
	kept := s.files[:0]
	for _, f := range s.files {
		h := f.Header()
		if h.IndexCount > 1 && h.EndPhysicalOffset >= phys {
			if from < 0 || h.BeginPhysicalOffset < from {
				from = h.BeginPhysicalOffset
			}
			errs = append(errs, f.destroy())
			continue
		}
		kept = append(kept, f)
	}
	clear(s.files[len(kept):])
	s.files = kept
	return from, errors.Join(errs...)
}

// DeleteExpired removes files whose every entry points below minPhys (the
// commit log's minimum), never the last file. It returns the paths of the
// files that went; a query still reading one keeps its mapping until done.
func (s *Service) DeleteExpired(minPhys int64) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	var gone []string
	var errs []error
	for len(gone) < len(s.files)-1 && s.files[len(gone)].Header().EndPhysicalOffset < minPhys {
		f := s.files[len(gone)]
		errs = append(errs, f.destroy())
		gone = append(gone, f.path())
	}
	rest := s.files[len(gone):]
	s.files = append(make([]*file, 0, len(rest)), rest...)
	return gone, errors.Join(errs...)
}

// Flush makes every file durable.
func (s *Service) Flush() error {
	files, err := s.held()
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		errs = append(errs, f.flush())
		f.release()
	}
	return errors.Join(errs...)
}

// Close flushes the files and lets them go; later calls return ErrClosed.
// A query still running keeps its file mapped until it ends.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	var errs []error
	for _, f := range s.files {
		if f.hold() {
			errs = append(errs, f.flush())
			f.release()
		}
		errs = append(errs, f.mf.Close())
	}
	s.files = nil
	return errors.Join(errs...)
}
