package mappedfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/edsrzf/mmap-go"
)

// OSFS is the real file system, with files mapped through mmap. What each
// platform does for allocation, syncing and the optional capabilities is in
// the osfs_<platform>.go files: Linux has them all; elsewhere the portable
// fallbacks keep the same contract or report errors.ErrUnsupported.
var OSFS FS = osFS{}

type osFS struct{}

// TempSuffix marks a file being created: it is allocated under this name
// and renamed into place only once whole, so a crash never leaves a short
// file under a real name. OpenQueue removes leftovers.
const TempSuffix = ".creating"

func (osFS) Create(path string, size int) (Mapping, error) { return createFile(path, size, false) }

func (osFS) CreateSparse(path string, size int) (Mapping, error) {
	return createFile(path, size, true)
}

// createFile allocates the file under a temporary name, renames it into
// place, syncs the directory so that the name survives a power loss, and
// maps it. The temporary file is closed before the rename, which Windows
// needs.
func createFile(path string, size int, sparse bool) (Mapping, error) {
	tmp := path + TempSuffix
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, diskError(path, err)
	}
	if sparse {
		err = f.Truncate(int64(size))
	} else {
		// Allocating the blocks now is what keeps later writes through the
		// mapping from meeting a full disk.
		err = allocate(f, int64(size))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return nil, diskError(path, errors.Join(err, removeIfExists(tmp)))
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, diskError(path, errors.Join(err, removeIfExists(path)))
	}
	m, err := openMapping(path)
	if err != nil {
		return nil, errors.Join(err, removeIfExists(path))
	}
	if sparse {
		// A fresh sparse file is holes: reading ahead of the writer's first
		// touch would only fill the page cache with zeros (the kernel read
		// a whole 6 MB consume-queue file so, ~2 ms, most of what a new
		// queue cost, and as much again to evict it).
		if err := m.(*osMapping).noReadAhead(); err != nil {
			return nil, errors.Join(fmt.Errorf("mappedfile: advise %s: %w", path, err), m.Close(), removeIfExists(path))
		}
	}
	return m, nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

func (osFS) Open(path string) (Mapping, error) { return openMapping(path) }

func openMapping(path string) (Mapping, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	m, err := mmap.Map(f, mmap.RDWR, 0)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("mappedfile: map %s: %w", path, err), f.Close())
	}
	if detachDescriptors {
		if err := f.Close(); err != nil {
			return nil, errors.Join(fmt.Errorf("mappedfile: close %s after mapping it: %w", path, err), m.Unmap())
		}
		f = nil
	}
	return &osMapping{path: path, f: f, m: m}, nil
}

func diskError(path string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: create %s: %w", ErrDiskFull, path, err)
	}
	return fmt.Errorf("mappedfile: create %s: %w", path, err)
}

func (osFS) Remove(path string) error { return os.Remove(path) }

func (osFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

func (osFS) SyncDir(dir string) error { return syncDir(dir) }

func (osFS) WriteFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

func (osFS) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

func (osFS) ReadDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

func (osFS) Subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// MkdirAll creates dir and its missing parents, and syncs the parent of
// each directory it created, so that the new directories survive a power
// loss with the files later made in them.
func (osFS) MkdirAll(dir string) error {
	dir = filepath.Clean(dir)
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || !errors.Is(err, os.ErrNotExist) {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range missing {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return fmt.Errorf("mappedfile: sync the parent of %s: %w", d, err)
		}
	}
	return nil
}

func (osFS) Stat(path string) (int64, time.Time, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, time.Time{}, err
	}
	return fi.Size(), fi.ModTime(), nil
}

// osMapping is a file mapped shared and read-write. Its platform methods
// (Flush, ZeroRange, Populate, MaybeData, Lock, Advise, Evict) are in the
// osfs_<platform>.go files.
type osMapping struct {
	path string
	m    mmap.MMap
	// f is the open file, or nil where the mapping holds no descriptor
	// (detachDescriptors): a mapping stays valid without one, and a broker
	// with thousands of consume queues, idle for the most part, would
	// otherwise hold a descriptor for each file. The few operations that
	// need one open the file by its path for the call (withFile).
	f *os.File
}

func (o *osMapping) Bytes() []byte { return o.m }

// withFile calls fn with the mapping's file: its own descriptor, or one
// opened for the call.
func (o *osMapping) withFile(fn func(*os.File) error) error {
	if o.f != nil {
		return fn(o.f)
	}
	f, err := os.OpenFile(o.path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(fn(f), f.Close())
}

func (o *osMapping) WriteAt(p []byte, off int) error {
	return o.withFile(func(f *os.File) error {
		_, err := f.WriteAt(p, int64(off))
		return err
	})
}

func (o *osMapping) Close() error {
	if o.f == nil {
		return o.m.Unmap()
	}
	return errors.Join(o.m.Unmap(), o.f.Close())
}

// pageAligned widens [off, off+n) of b to whole pages at its start, as
// msync and its equivalents want.
func pageAligned(b []byte, off, n int) []byte {
	start := off &^ (pageSize - 1)
	return b[start : off+n]
}

var pageSize = os.Getpagesize()
