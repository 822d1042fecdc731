package mappedfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"github.com/edsrzf/mmap-go"
	"golang.org/x/sys/unix"
)

// OSFS is the real file system, with files mapped through mmap.
var OSFS FS = osFS{}

type osFS struct{}

var pageSize = os.Getpagesize()

// TempSuffix marks a file being created: it is allocated under this name
// and renamed into place only once whole, so a crash never leaves a short
// file under a real name. OpenQueue removes leftovers.
const TempSuffix = ".creating"

func (osFS) Create(path string, size int) (Mapping, error) {
	tmp := path + TempSuffix
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, diskError(path, err)
	}
	fail := func(err error) (Mapping, error) {
		f.Close()
		os.Remove(tmp)
		return nil, diskError(path, err)
	}
	// Allocating the blocks now is what keeps later writes through the
	// mapping from meeting a full disk.
	if err := unix.Fallocate(int(f.Fd()), 0, 0, int64(size)); err != nil {
		if !errors.Is(err, unix.EOPNOTSUPP) {
			return fail(err)
		}
		if err := f.Truncate(int64(size)); err != nil {
			return fail(err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	// The new name must survive a power loss as well as the bytes written
	// into it later.
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		os.Remove(path)
		return nil, diskError(path, err)
	}
	return mapFile(f)
}

func (osFS) Open(path string) (Mapping, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return mapFile(f)
}

func mapFile(f *os.File) (Mapping, error) {
	m, err := mmap.Map(f, mmap.RDWR, 0)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("mappedfile: map %s: %w", f.Name(), err)
	}
	return &osMapping{f: f, m: m}, nil
}

func diskError(path string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: create %s: %w", ErrDiskFull, path, err)
	}
	return fmt.Errorf("mappedfile: create %s: %w", path, err)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (osFS) Remove(path string) error { return os.Remove(path) }

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

func (osFS) MkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }

func (osFS) Stat(path string) (int64, time.Time, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, time.Time{}, err
	}
	return fi.Size(), fi.ModTime(), nil
}

type osMapping struct {
	f *os.File
	m mmap.MMap
}

func (o *osMapping) Bytes() []byte { return o.m }

func (o *osMapping) WriteAt(p []byte, off int) error {
	_, err := o.f.WriteAt(p, int64(off))
	return err
}

// Flush msyncs the page-aligned range holding [off, off+n).
func (o *osMapping) Flush(off, n int) error {
	if n <= 0 {
		return nil
	}
	start := off &^ (pageSize - 1)
	return unix.Msync(o.m[start:off+n], unix.MS_SYNC)
}

// ZeroRange turns [off, off+n) back into allocated, unwritten blocks
// (FALLOC_FL_ZERO_RANGE; or punching a hole and allocating it again), which
// drops any page-cache pages there. The blocks stay allocated, so later
// writes through the mapping cannot meet a full disk.
//
// It does not sync: the change is journaled, and the journal commits in
// order, so the next flush of any file (which is what makes new data past
// off durable) makes the zeroing durable first. Until then a power loss can
// only bring back the bytes the zeroing removed, beyond data that was never
// made durable either.
func (o *osMapping) ZeroRange(off, n int) error {
	fd := int(o.f.Fd())
	err := unix.Fallocate(fd, unix.FALLOC_FL_ZERO_RANGE|unix.FALLOC_FL_KEEP_SIZE, int64(off), int64(n))
	if errors.Is(err, unix.EOPNOTSUPP) {
		err = unix.Fallocate(fd, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, int64(off), int64(n))
		if err == nil {
			err = unix.Fallocate(fd, 0, int64(off), int64(n))
		}
	}
	return err
}

// Populate makes [off, off+n) present and writable in the page tables, as
// writing to each page would, inside one madvise(MADV_POPULATE_WRITE).
func (o *osMapping) Populate(off, n int) error {
	err := unix.Madvise(o.m[off:off+n], unix.MADV_POPULATE_WRITE)
	if errors.Is(err, unix.EINVAL) {
		return errPopulateUnsupported // a kernel older than 5.14
	}
	return err
}

func (o *osMapping) Lock() error   { return unix.Mlock(o.m) }
func (o *osMapping) Advise() error { return unix.Madvise(o.m, unix.MADV_WILLNEED) }

// Evict maps anonymous zero pages over the region at the same address
// (MAP_FIXED), which drops the file's pages atomically for every reader.
func (o *osMapping) Evict() error {
	if len(o.m) == 0 {
		return nil
	}
	_, err := unix.MmapPtr(-1, 0, unsafe.Pointer(unsafe.SliceData(o.m)), uintptr(len(o.m)),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_FIXED|unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	return err
}

func (o *osMapping) Close() error {
	return errors.Join(o.m.Unmap(), o.f.Close())
}
