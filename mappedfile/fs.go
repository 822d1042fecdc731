package mappedfile

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// FS is the file system under a Queue and the store's small files: OSFS
// for real files, MemFS for tests that cut the power or fill the disk, and
// wrappers such as errorfs that inject faults. Every capability a backing
// may lack is a method that says so with errors.ErrUnsupported, never an
// optional interface found by type assertion, so a wrapper cannot hide it.
//
// Durability of names: Create and CreateSparse make the new name durable
// before they return (OSFS syncs the directory). Remove, Rename and
// WriteFile change names that survive a power loss only once SyncDir has
// synced their directory.
type FS interface {
	// Create makes a new file of exactly size bytes with its blocks
	// allocated up front, maps it and makes its name durable. A full disk
	// gives an error matching ErrDiskFull and syscall.ENOSPC, and leaves no
	// file behind. Writes through the mapping can then never meet a full
	// disk, which would kill the process (SIGBUS).
	Create(path string, size int) (Mapping, error)
	// CreateSparse is Create without allocating the blocks (as RocketMQ
	// creates consume-queue and index files): the file takes space only
	// where it is written. The price is that writing through the mapping on
	// a full disk faults; use it for files that are small or written little.
	// Its mapping reads no pages ahead of a fault: the file is holes, and
	// reading ahead would only fill the page cache with zeros.
	CreateSparse(path string, size int) (Mapping, error)
	// Open maps an existing file read-write.
	Open(path string) (Mapping, error)
	// Remove deletes a file; the removal is durable after SyncDir.
	Remove(path string) error
	// Rename renames a file, replacing newpath; durable after SyncDir of
	// both directories.
	Rename(oldpath, newpath string) error
	// SyncDir makes the directory's entries (creations, removals, renames)
	// durable.
	SyncDir(dir string) error
	// WriteFile creates or replaces path with data and makes the data
	// durable before it returns; the name is durable after SyncDir.
	WriteFile(path string, data []byte) error
	// ReadFile returns the contents of a file.
	ReadFile(path string) ([]byte, error)
	// ReadDir lists the file names in dir, sorted; a missing dir is empty.
	ReadDir(dir string) ([]string, error)
	// Subdirs lists the directory names in dir, sorted; a missing dir is
	// empty.
	Subdirs(dir string) ([]string, error)
	// MkdirAll creates dir and its parents.
	MkdirAll(dir string) error
	// Stat returns a file's size and modification time.
	Stat(path string) (size int64, modTime time.Time, err error)
}

// Mapping is one mapped file. After Close every method fails (MemFS
// panics on Bytes, so a read after unmap shows up in tests).
type Mapping interface {
	// Bytes is the whole mapped region; its length is the file size.
	Bytes() []byte
	// WriteAt writes p at off through the file rather than the mapping
	// (pwrite), so the writer takes no page faults on the mapping; the
	// mapping sees the bytes at once (one page cache).
	WriteAt(p []byte, off int) error
	// Flush makes the bytes [off, off+n) durable. After a failure the bytes
	// are in an unknown state: the kernel may have marked the pages clean
	// without writing them, so a later Flush succeeding proves nothing.
	Flush(off, n int) error
	// ZeroRange turns the page-aligned range [off, off+n) back into
	// allocated zero blocks in the file system, without reading it; the
	// next Flush of any file makes that durable. errors.ErrUnsupported when
	// the backing cannot.
	ZeroRange(off, n int) error
	// Populate makes [off, off+n) present and writable in the page tables
	// without writing data. errors.ErrUnsupported when the backing cannot.
	Populate(off, n int) error
	// MaybeData returns page-aligned spans, in order, covering every byte
	// at or after off that may be non-zero, so that clearing a tail can skip
	// what was never written. errors.ErrUnsupported when the backing cannot
	// tell.
	MaybeData(off int) ([]Span, error)
	// Lock locks the region in memory.
	Lock() error
	// Advise tells the kernel the region will be needed soon.
	Advise() error
	// Evict replaces the region in place with anonymous zero pages, so that
	// readers still holding slices read zeros instead of faulting once the
	// file is gone. errors.ErrUnsupported when the backing cannot.
	Evict() error
	// Close unmaps the region and closes the file.
	Close() error
}

// Span is a range [Start, End) of a file; Cached when its pages are in
// memory, so that reading them costs no I/O.
type Span struct {
	Start, End int
	Cached     bool
}

// tempSuffixAtomic marks the temporary file WriteFileAtomic writes first.
const tempSuffixAtomic = ".tmp"

// WriteFileAtomic replaces path with data so that a crash leaves either the
// old contents or the new, never a mix: it writes and syncs a temporary
// file, renames it over path and syncs the directory. The broker's small
// config files use it.
func WriteFileAtomic(fsys FS, path string, data []byte) error {
	tmp := path + tempSuffixAtomic
	if err := fsys.WriteFile(tmp, data); err != nil {
		return fmt.Errorf("mappedfile: write %s: %w", tmp, err)
	}
	if err := fsys.Rename(tmp, path); err != nil {
		err = fmt.Errorf("mappedfile: rename %s: %w", tmp, err)
		if rerr := fsys.Remove(tmp); rerr != nil {
			err = errors.Join(err, fmt.Errorf("mappedfile: remove %s: %w", tmp, rerr))
		}
		return err
	}
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("mappedfile: sync the directory of %s: %w", path, err)
	}
	return nil
}
