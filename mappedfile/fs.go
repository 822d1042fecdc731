package mappedfile

import (
	"errors"
	"time"
)

// FS is the file system under a Queue: OSFS for real files, MemFS for tests
// that cut the power or fill the disk.
type FS interface {
	// Create makes a new file of exactly size bytes with its space allocated
	// up front, and maps it. A full disk gives an error matching ErrDiskFull
	// and syscall.ENOSPC, and leaves no file behind.
	Create(path string, size int) (Mapping, error)
	// Open maps an existing file read-write.
	Open(path string) (Mapping, error)
	// Remove deletes a file.
	Remove(path string) error
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

// Mapping is one mapped file.
type Mapping interface {
	// Bytes is the whole mapped region; its length is the file size.
	Bytes() []byte
	// WriteAt writes p at off through the file rather than the mapping
	// (pwrite), so the writer takes no page faults on the mapping; the
	// mapping sees the bytes at once (one page cache).
	WriteAt(p []byte, off int) error
	// Flush makes the bytes [off, off+n) durable.
	Flush(off, n int) error
	// Lock locks the region in memory.
	Lock() error
	// Advise tells the kernel the region will be needed soon.
	Advise() error
	// Evict replaces the region in place with anonymous zero pages, so that
	// readers still holding slices read zeros instead of faulting once the
	// file is gone.
	Evict() error
	// Close unmaps the region and closes the file.
	Close() error
}

// populator is a Mapping that can make a range of pages present without
// touching them (OSFS); Prewarm falls back to touching the others.
type populator interface {
	Populate(off, n int) error
}

// errPopulateUnsupported says the kernel cannot populate pages by system
// call.
var errPopulateUnsupported = errors.New("mappedfile: populating pages is not supported")
