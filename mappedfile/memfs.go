package mappedfile

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// MemFS is an in-memory FS for tests. Every file is kept twice: the live
// bytes a mapping shows, and the durable bytes that Flush copied. CrashCopy
// returns what a power loss would leave; SetCapacity makes Create fail with
// a full disk.
type MemFS struct {
	mu       sync.Mutex
	files    map[string]*memFile
	capacity int64
	used     int64
}

type memFile struct {
	mu      sync.Mutex // guards durable and modTime
	live    []byte
	durable []byte
	modTime time.Time
}

// NewMemFS returns an empty in-memory file system.
func NewMemFS() *MemFS { return &MemFS{files: make(map[string]*memFile)} }

// SetCapacity bounds the total size of all files; 0 means unlimited.
func (m *MemFS) SetCapacity(bytes int64) {
	m.mu.Lock()
	m.capacity = bytes
	m.mu.Unlock()
}

// CrashCopy returns a new MemFS holding what survives a power loss now: each
// file with only its durable bytes (bytes never flushed read as zero). The
// copy is one consistent cut across all files. m keeps working unchanged.
func (m *MemFS) CrashCopy() *MemFS {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.files {
		f.mu.Lock()
	}
	c := &MemFS{files: make(map[string]*memFile, len(m.files)), capacity: m.capacity, used: m.used}
	for path, f := range m.files {
		c.files[path] = &memFile{live: slices.Clone(f.durable), durable: slices.Clone(f.durable), modTime: f.modTime}
		f.mu.Unlock()
	}
	return c
}

// Create implements FS.
func (m *MemFS) Create(path string, size int) (Mapping, error) {
	path = filepath.Clean(path)
	m.mu.Lock()
	defer m.mu.Unlock()
	used := m.used
	if old, ok := m.files[path]; ok {
		used -= int64(len(old.live))
	}
	if m.capacity > 0 && used+int64(size) > m.capacity {
		return nil, fmt.Errorf("%w: create %s: %w", ErrDiskFull, path, syscall.ENOSPC)
	}
	f := &memFile{live: make([]byte, size), durable: make([]byte, size), modTime: time.Now()}
	m.files[path] = f
	m.used = used + int64(size)
	return &memMapping{f: f}, nil
}

// Open implements FS.
func (m *MemFS) Open(path string) (Mapping, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[filepath.Clean(path)]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	return &memMapping{f: f}, nil
}

// Remove implements FS.
func (m *MemFS) Remove(path string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	path = filepath.Clean(path)
	f, ok := m.files[path]
	if !ok {
		return &fs.PathError{Op: "remove", Path: path, Err: fs.ErrNotExist}
	}
	m.used -= int64(len(f.live))
	delete(m.files, path)
	return nil
}

// ReadDir implements FS.
func (m *MemFS) ReadDir(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir = filepath.Clean(dir)
	var names []string
	for path := range m.files {
		if filepath.Dir(path) == dir {
			names = append(names, filepath.Base(path))
		}
	}
	slices.Sort(names)
	return names, nil
}

// Subdirs lists the directories that hold files below dir: directories
// exist implicitly.
func (m *MemFS) Subdirs(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir = filepath.Clean(dir)
	var names []string
	for path := range m.files {
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			continue
		}
		if first, _, nested := strings.Cut(rel, string(filepath.Separator)); nested && !slices.Contains(names, first) {
			names = append(names, first)
		}
	}
	slices.Sort(names)
	return names, nil
}

// MkdirAll is a no-op: directories exist implicitly.
func (m *MemFS) MkdirAll(string) error { return nil }

// Stat implements FS.
func (m *MemFS) Stat(path string) (int64, time.Time, error) {
	m.mu.Lock()
	f, ok := m.files[filepath.Clean(path)]
	m.mu.Unlock()
	if !ok {
		return 0, time.Time{}, &fs.PathError{Op: "stat", Path: path, Err: fs.ErrNotExist}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.live)), f.modTime, nil
}

type memMapping struct{ f *memFile }

func (mm *memMapping) Bytes() []byte { return mm.f.live }

func (mm *memMapping) WriteAt(p []byte, off int) error {
	if off < 0 || off+len(p) > len(mm.f.live) {
		return errors.New("mappedfile: write out of range")
	}
	copy(mm.f.live[off:], p)
	return nil
}

func (mm *memMapping) Flush(off, n int) error {
	if off < 0 || n < 0 || off+n > len(mm.f.live) {
		return errors.New("mappedfile: flush out of range")
	}
	mm.f.mu.Lock()
	copy(mm.f.durable[off:off+n], mm.f.live[off:off+n])
	mm.f.modTime = time.Now()
	mm.f.mu.Unlock()
	return nil
}

func (mm *memMapping) Lock() error   { return nil }
func (mm *memMapping) Advise() error { return nil }

// Evict leaves the live bytes alone: memory cannot fault, and the file is
// removed from the MemFS by the caller.
func (mm *memMapping) Evict() error { return nil }
func (mm *memMapping) Close() error { return nil }
