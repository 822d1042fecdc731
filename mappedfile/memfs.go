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

// MemFS is an in-memory FS for tests, strict the way a disk is after a
// power loss (see Crash). Every file is kept twice: the live bytes a mapping
// shows, and the durable bytes that Flush copied. The names are kept twice
// too: the live directory entries, and the entries as of each directory's
// last sync (Create syncs its directory; Remove, Rename and WriteFile do
// not). SetCapacity makes Create fail with a full disk; every file counts
// with its full size, sparse or not.
//
// A mapping that is closed is dead: Bytes panics and every other method
// fails with fs.ErrClosed, and once a file's last mapping closes, the memory
// the mappings showed is overwritten with a poison pattern (the file keeps
// a copy), so a reader that kept a slice past its release reads garbage
// that framing and CRC checks reject, as it would fault on a real unmap.
//
// Directories exist implicitly and need no sync of their own.
type MemFS struct {
	mu       sync.Mutex
	files    map[string]*memFile // the live names
	synced   map[string]*memFile // the names a power loss keeps
	capacity int64
	used     int64
}

type memFile struct {
	mu      sync.Mutex // guards every field
	live    []byte     // what mappings show; replaced when the last one closes
	durable []byte     // what Flush (or WriteFile) made durable
	modTime time.Time
	maps    int // open mappings
}

// NewMemFS returns an empty in-memory file system.
func NewMemFS() *MemFS {
	return &MemFS{files: make(map[string]*memFile), synced: make(map[string]*memFile)}
}

// SetCapacity bounds the total size of all files; 0 means unlimited.
func (m *MemFS) SetCapacity(bytes int64) {
	m.mu.Lock()
	m.capacity = bytes
	m.mu.Unlock()
}

// reserve accounts for a file of size bytes replacing one of old bytes, or
// fails with a full disk. Called under m.mu.
func (m *MemFS) reserve(path string, old, size int64) error {
	used := m.used - old + size
	if m.capacity > 0 && used > m.capacity {
		return fmt.Errorf("%w: create %s: %w", ErrDiskFull, path, syscall.ENOSPC)
	}
	m.used = used
	return nil
}

// Create implements FS. Like OSFS it syncs the directory, which makes every
// earlier change of its entries durable too.
func (m *MemFS) Create(path string, size int) (Mapping, error) {
	path = filepath.Clean(path)
	m.mu.Lock()
	defer m.mu.Unlock()
	var old int64
	if f, ok := m.files[path]; ok {
		old = f.size()
	}
	if err := m.reserve(path, old, int64(size)); err != nil {
		return nil, err
	}
	f := &memFile{live: make([]byte, size), durable: make([]byte, size), modTime: time.Now()}
	m.files[path] = f
	m.syncDirLocked(filepath.Dir(path))
	return f.mapping(), nil
}

// CreateSparse implements FS; in memory it is Create.
func (m *MemFS) CreateSparse(path string, size int) (Mapping, error) { return m.Create(path, size) }

// Open implements FS.
func (m *MemFS) Open(path string) (Mapping, error) {
	f, err := m.lookup("open", path)
	if err != nil {
		return nil, err
	}
	return f.mapping(), nil
}

func (m *MemFS) lookup(op, path string) (*memFile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[filepath.Clean(path)]
	if !ok {
		return nil, &fs.PathError{Op: op, Path: path, Err: fs.ErrNotExist}
	}
	return f, nil
}

// Remove implements FS: the name stays durable until its directory is
// synced.
func (m *MemFS) Remove(path string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	path = filepath.Clean(path)
	f, ok := m.files[path]
	if !ok {
		return &fs.PathError{Op: "remove", Path: path, Err: fs.ErrNotExist}
	}
	m.used -= f.size()
	delete(m.files, path)
	return nil
}

// Rename implements FS: durable once both directories are synced.
func (m *MemFS) Rename(oldpath, newpath string) error {
	oldpath, newpath = filepath.Clean(oldpath), filepath.Clean(newpath)
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.files[oldpath]
	if !ok {
		return &fs.PathError{Op: "rename", Path: oldpath, Err: fs.ErrNotExist}
	}
	if oldpath == newpath {
		return nil
	}
	if replaced, ok := m.files[newpath]; ok {
		m.used -= replaced.size()
	}
	m.files[newpath] = f
	delete(m.files, oldpath)
	return nil
}

// SyncDir implements FS: the directory's live entries become the ones a
// power loss keeps.
func (m *MemFS) SyncDir(dir string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.syncDirLocked(filepath.Clean(dir))
	return nil
}

func (m *MemFS) syncDirLocked(dir string) {
	for path := range m.synced {
		if filepath.Dir(path) == dir {
			delete(m.synced, path)
		}
	}
	for path, f := range m.files {
		if filepath.Dir(path) == dir {
			m.synced[path] = f
		}
	}
}

// WriteFile implements FS. Replacing an existing file keeps it the same
// file, so a name already durable shows the new data after a power loss,
// as a truncate, write and fsync of the same inode would.
func (m *MemFS) WriteFile(path string, data []byte) error {
	path = filepath.Clean(path)
	m.mu.Lock()
	defer m.mu.Unlock()
	f, exists := m.files[path]
	var old int64
	if exists {
		if f.mapped() {
			return fmt.Errorf("mappedfile: MemFS cannot rewrite %s while it is mapped", path)
		}
		old = f.size()
	}
	if err := m.reserve(path, old, int64(len(data))); err != nil {
		return err
	}
	if !exists {
		f = &memFile{}
		m.files[path] = f
	}
	f.mu.Lock()
	f.live, f.durable, f.modTime = slices.Clone(data), slices.Clone(data), time.Now()
	f.mu.Unlock()
	return nil
}

// ReadFile implements FS. It must not race with writes through a mapping
// of the same file.
func (m *MemFS) ReadFile(path string) ([]byte, error) {
	f, err := m.lookup("read", path)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.live), nil
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
	f, err := m.lookup("stat", path)
	if err != nil {
		return 0, time.Time{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.live)), f.modTime, nil
}

func (f *memFile) size() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return int64(len(f.live))
}

func (f *memFile) mapped() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maps > 0
}

// mapping opens a mapping of f.
func (f *memFile) mapping() *memMapping {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.maps++
	return &memMapping{f: f, b: f.live}
}

// unmap closes one mapping; the last one poisons the memory the mappings
// showed, after giving the file a copy of it.
func (f *memFile) unmap() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.maps--
	if f.maps > 0 {
		return
	}
	old := f.live
	f.live = slices.Clone(old)
	for i := range old {
		old[i] = poisonPattern[i%len(poisonPattern)]
	}
}

// poisonPattern fills unmapped MemFS memory. As a record header it is a
// negative size with an unknown magic code.
var poisonPattern = [4]byte{0xDE, 0xAD, 0xBE, 0xEF}

// errMemRange is a MemFS mapping call outside the file.
var errMemRange = errors.New("mappedfile: MemFS range outside the file")
