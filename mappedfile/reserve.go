package mappedfile

import (
	"errors"
	"fmt"
	"syscall"
)

// Reserve makes the pages holding [pos, pos+n) allocated in the file system
// before the caller writes them through the mapping. A sparse file
// (FS.CreateSparse) takes its blocks as it is written, and a write through
// a mapping into a hole on a full disk kills the process (SIGBUS); Reserve
// asks the kernel to make the pages present and writable instead
// (Mapping.Populate, MADV_POPULATE_WRITE on Linux), which fails with an
// error where the write would have faulted. The error matches ErrDiskFull
// when the file system is out of space (or cannot tell why the page could
// not be had). A backing that cannot populate reserves nothing: MemFS
// allocates whole files at creation; elsewhere a sparse file keeps the
// risk FS.CreateSparse describes. Pages already written cost only the
// system call.
func (f *File) Reserve(pos, n int) error {
	if pos < 0 || n < 0 || pos+n > f.size {
		return fmt.Errorf("%w: reserve [%d, %d) in %s of %d bytes", ErrOutOfRange, pos, pos+n, f.path, f.size)
	}
	if n == 0 {
		return nil
	}
	if !f.Hold() {
		return ErrFileClosed
	}
	defer f.Release()
	start := pos / pageBytes * pageBytes
	end := min(f.size, (pos+n+pageBytes-1)/pageBytes*pageBytes)
	err := f.m.Populate(start, end-start)
	switch {
	case err == nil, errors.Is(err, errors.ErrUnsupported):
		return nil
	case errors.Is(err, syscall.EFAULT), errors.Is(err, syscall.ENOSPC):
		// EFAULT is what MADV_POPULATE_WRITE answers where the write would
		// have raised SIGBUS: on a sparse file, no block to be had.
		return fmt.Errorf("%w: reserve [%d, %d) of %s: %w", ErrDiskFull, f.start+int64(start), f.start+int64(end), f.path, err)
	default:
		return fmt.Errorf("mappedfile: reserve [%d, %d) of %s: %w", f.start+int64(start), f.start+int64(end), f.path, err)
	}
}
