package index

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// Options configure a Service. Zero values mean defaults.
type Options struct {
	SlotCount  int           // hash slots per file; default 5,000,000
	MaxEntries int           // entries per file; default 20,000,000
	FS         mappedfile.FS // nil means mappedfile.OSFS
	Now        func() time.Time
}

// Service is the run of index files of a store, oldest first; the last one
// takes new entries.
type Service struct {
	dir  string
	opts Options

	mu    sync.RWMutex // guards files
	files []*File
}

// timeName is the yyyyMMddHHmmssSSS name layout of index files.
const timeName = "20060102150405.000"

func nameFor(t time.Time) string {
	s := t.Format(timeName)
	return s[:14] + s[15:]
}

// Open loads the index files in dir.
func Open(dir string, opts *Options) (*Service, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.SlotCount <= 0 {
		o.SlotCount = DefaultSlotCount
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.FS == nil {
		o.FS = mappedfile.OSFS
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if err := o.FS.MkdirAll(dir); err != nil {
		return nil, err
	}
	s := &Service{dir: dir, opts: o}
	names, err := o.FS.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if len(name) != 17 {
			continue
		}
		path := filepath.Join(dir, name)
		m, err := o.FS.Open(path)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("index: open %s: %w", path, err)
		}
		f, err := newFile(path, m, o.SlotCount, o.MaxEntries)
		if err != nil {
			m.Close()
			s.Close()
			return nil, err
		}
		s.files = append(s.files, f)
	}
	return s, nil
}

// Put indexes key → phys for a record stored at storeTimestamp (ms),
// rolling to a new file when the last is full.
func (s *Service) Put(key string, phys, storeTimestamp int64) error {
	f, err := s.writable()
	if err != nil {
		return err
	}
	if err := f.Put(key, phys, storeTimestamp); !errors.Is(err, ErrFull) {
		return err
	}
	if f, err = s.roll(f); err != nil {
		return err
	}
	return f.Put(key, phys, storeTimestamp)
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

func (s *Service) writable() (*File, error) {
	s.mu.RLock()
	n := len(s.files)
	var last *File
	if n > 0 {
		last = s.files[n-1]
	}
	s.mu.RUnlock()
	if last != nil {
		return last, nil
	}
	return s.roll(nil)
}

// roll adds a new file after full (nil: the first file) and flushes full.
func (s *Service) roll(full *File) (*File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.files); n > 0 && s.files[n-1] != full {
		return s.files[n-1], nil // another goroutine rolled first
	}
	t := s.opts.Now()
	path := filepath.Join(s.dir, nameFor(t))
	for _, f := range s.files {
		if f.path >= path {
			t = t.Add(time.Millisecond)
			path = filepath.Join(s.dir, nameFor(t))
		}
	}
	m, err := s.opts.FS.CreateSparse(path, FileSize(s.opts.SlotCount, s.opts.MaxEntries))
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	f, err := newFile(path, m, s.opts.SlotCount, s.opts.MaxEntries)
	if err != nil {
		m.Close()
		return nil, err
	}
	s.files = append(s.files, f)
	if full != nil {
		if err := full.Flush(); err != nil {
			return f, fmt.Errorf("index: flush %s: %w", full.path, err)
		}
	}
	return f, nil
}

// Query returns up to max physical offsets of records indexed under
// topic#key and stored within [begin, end] (ms), newest first.
func (s *Service) Query(topic, key string, max int, begin, end int64) []int64 {
	full := topic + "#" + key
	s.mu.RLock()
	files := slices.Clone(s.files)
	s.mu.RUnlock()
	var offsets []int64
	for i := len(files) - 1; i >= 0 && len(offsets) < max; i-- {
		h := files[i].Header()
		if h.IndexCount <= 1 || h.EndTimestamp < begin || h.BeginTimestamp > end {
			continue
		}
		offsets = files[i].Query(full, max, begin, end, offsets)
	}
	return offsets
}

// Files returns the headers of the files, oldest first.
func (s *Service) Files() []Header {
	s.mu.RLock()
	defer s.mu.RUnlock()
	hs := make([]Header, len(s.files))
	for i, f := range s.files {
		hs[i] = f.Header()
	}
	return hs
}

// TruncateAfter removes every file holding an entry for a record at or
// after phys (entries cannot be unlinked one by one), and returns the
// physical offset from which records must be indexed again: the lowest
// begin offset of the removed files, or -1 when nothing was removed.
func (s *Service) TruncateAfter(phys int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := int64(-1)
	var errs []error
	kept := s.files[:0]
	for _, f := range s.files {
		h := f.Header()
		if h.IndexCount > 1 && h.EndPhysicalOffset >= phys {
			if from < 0 || h.BeginPhysicalOffset < from {
				from = h.BeginPhysicalOffset
			}
			errs = append(errs, f.close(), s.opts.FS.Remove(f.path))
			continue
		}
		kept = append(kept, f)
	}
	s.files = kept
	return from, errors.Join(errs...)
}

// DeleteExpired removes files whose every entry points below minPhys (the
// commit log's minimum), never the last file. It returns how many went.
func (s *Service) DeleteExpired(minPhys int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	var errs []error
	for n < len(s.files)-1 && s.files[n].Header().EndPhysicalOffset < minPhys {
		errs = append(errs, s.files[n].close(), s.opts.FS.Remove(s.files[n].path))
		n++
	}
	s.files = slices.Delete(s.files, 0, n)
	return n, errors.Join(errs...)
}

// Flush makes every file durable.
func (s *Service) Flush() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Flush())
	}
	return errors.Join(errs...)
}

// Close flushes and unmaps every file.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, f := range s.files {
		errs = append(errs, f.Flush(), f.close())
	}
	s.files = nil
	return errors.Join(errs...)
}
