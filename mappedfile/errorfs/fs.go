package errorfs

import (
	"sync"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
)

// FS is a mappedfile.FS whose operations an Injector may fail.
type FS struct {
	inner mappedfile.FS
	inj   Injector
}

// Wrap returns fs with faults injected by inj.
func Wrap(fs mappedfile.FS, inj Injector) *FS { return &FS{inner: fs, inj: inj} }

// Unwrap returns the wrapped file system.
func (e *FS) Unwrap() mappedfile.FS { return e.inner }

func (e *FS) mapped(path string, m mappedfile.Mapping, err error) (mappedfile.Mapping, error) {
	if err != nil {
		return nil, err
	}
	return &mapping{inner: m, fs: e, path: path}, nil
}

// Create implements mappedfile.FS.
func (e *FS) Create(path string, size int) (mappedfile.Mapping, error) {
	if err := e.inj.MaybeError(OpCreate, path); err != nil {
		return nil, err
	}
	m, err := e.inner.Create(path, size)
	return e.mapped(path, m, err)
}

// CreateSparse implements mappedfile.FS.
func (e *FS) CreateSparse(path string, size int) (mappedfile.Mapping, error) {
	if err := e.inj.MaybeError(OpCreate, path); err != nil {
		return nil, err
	}
	m, err := e.inner.CreateSparse(path, size)
	return e.mapped(path, m, err)
}

// Open implements mappedfile.FS.
func (e *FS) Open(path string) (mappedfile.Mapping, error) {
	if err := e.inj.MaybeError(OpOpen, path); err != nil {
		return nil, err
	}
	m, err := e.inner.Open(path)
	return e.mapped(path, m, err)
}

// Remove implements mappedfile.FS.
func (e *FS) Remove(path string) error {
	if err := e.inj.MaybeError(OpRemove, path); err != nil {
		return err
	}
	return e.inner.Remove(path)
}

// Rename implements mappedfile.FS.
func (e *FS) Rename(oldpath, newpath string) error {
	if err := e.inj.MaybeError(OpRename, oldpath); err != nil {
		return err
	}
	return e.inner.Rename(oldpath, newpath)
}

// SyncDir implements mappedfile.FS.
func (e *FS) SyncDir(dir string) error {
	if err := e.inj.MaybeError(OpSyncDir, dir); err != nil {
		return err
	}
	return e.inner.SyncDir(dir)
}

// WriteFile implements mappedfile.FS.
func (e *FS) WriteFile(path string, data []byte) error {
	if err := e.inj.MaybeError(OpWrite, path); err != nil {
		return err
	}
	return e.inner.WriteFile(path, data)
}

// ReadFile implements mappedfile.FS.
func (e *FS) ReadFile(path string) ([]byte, error) {
	if err := e.inj.MaybeError(OpReadFile, path); err != nil {
		return nil, err
	}
	return e.inner.ReadFile(path)
}

// ReadDir implements mappedfile.FS.
func (e *FS) ReadDir(dir string) ([]string, error) {
	if err := e.inj.MaybeError(OpReadDir, dir); err != nil {
		return nil, err
	}
	return e.inner.ReadDir(dir)
}

// Subdirs implements mappedfile.FS.
func (e *FS) Subdirs(dir string) ([]string, error) {
	if err := e.inj.MaybeError(OpReadDir, dir); err != nil {
		return nil, err
	}
	return e.inner.Subdirs(dir)
}

// MkdirAll implements mappedfile.FS.
func (e *FS) MkdirAll(dir string) error {
	if err := e.inj.MaybeError(OpMkdir, dir); err != nil {
		return err
	}
	return e.inner.MkdirAll(dir)
}

// Stat implements mappedfile.FS.
func (e *FS) Stat(path string) (int64, time.Time, error) {
	if err := e.inj.MaybeError(OpStat, path); err != nil {
		return 0, time.Time{}, err
	}
	return e.inner.Stat(path)
}

// mapping is a mappedfile.Mapping whose operations may fail. lost holds
// the ranges a failed Sync lost for good.
type mapping struct {
	inner mappedfile.Mapping
	fs    *FS
	path  string

	mu   sync.Mutex
	lost []span
}

type span struct{ start, end int }

func (m *mapping) Bytes() []byte { return m.inner.Bytes() }

func (m *mapping) WriteAt(p []byte, off int) error {
	if err := m.fs.inj.MaybeError(OpWrite, m.path); err != nil {
		return err
	}
	return m.inner.WriteAt(p, off)
}

// Flush passes the parts of [off, off+n) that no failed Sync lost to the
// backing; an injected failure loses the whole range.
func (m *mapping) Flush(off, n int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.fs.inj.MaybeError(OpSync, m.path); err != nil {
		if n > 0 {
			m.lost = append(m.lost, span{off, off + n})
		}
		return err
	}
	for _, part := range without(span{off, off + n}, m.lost) {
		if err := m.inner.Flush(part.start, part.end-part.start); err != nil {
			return err
		}
	}
	return nil
}

// without returns the parts of s outside every span of cut.
func without(s span, cut []span) []span {
	parts := []span{s}
	for _, c := range cut {
		var next []span
		for _, p := range parts {
			if c.end <= p.start || c.start >= p.end {
				next = append(next, p)
				continue
			}
			if p.start < c.start {
				next = append(next, span{p.start, c.start})
			}
			if c.end < p.end {
				next = append(next, span{c.end, p.end})
			}
		}
		parts = next
	}
	return parts
}

func (m *mapping) ZeroRange(off, n int) error {
	if err := m.fs.inj.MaybeError(OpTruncate, m.path); err != nil {
		return err
	}
	return m.inner.ZeroRange(off, n)
}

func (m *mapping) Populate(off, n int) error {
	if err := m.fs.inj.MaybeError(OpPopulate, m.path); err != nil {
		return err
	}
	return m.inner.Populate(off, n)
}

func (m *mapping) MaybeData(off int) ([]mappedfile.Span, error) {
	if err := m.fs.inj.MaybeError(OpFindData, m.path); err != nil {
		return nil, err
	}
	return m.inner.MaybeData(off)
}

func (m *mapping) Lock() error {
	if err := m.fs.inj.MaybeError(OpLock, m.path); err != nil {
		return err
	}
	return m.inner.Lock()
}

func (m *mapping) Advise() error {
	if err := m.fs.inj.MaybeError(OpLock, m.path); err != nil {
		return err
	}
	return m.inner.Advise()
}

func (m *mapping) Evict() error {
	if err := m.fs.inj.MaybeError(OpEvict, m.path); err != nil {
		return err
	}
	return m.inner.Evict()
}

func (m *mapping) Close() error { return m.inner.Close() }
