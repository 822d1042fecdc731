package mappedfile

import (
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// allocate sets f's size; NTFS allocates the clusters of a file that is not
// marked sparse when its end moves (SetEndOfFile).
func allocate(f *os.File, size int64) error { return f.Truncate(size) }

// Flush writes the views' dirty pages of [off, off+n) back
// (FlushViewOfFile) and waits for the file's data to reach the device
// (FlushFileBuffers).
func (o *osMapping) Flush(off, n int) error {
	if n <= 0 {
		return nil
	}
	b := pageAligned(o.m, off, n)
	if err := windows.FlushViewOfFile(uintptr(unsafe.Pointer(&b[0])), uintptr(len(b))); err != nil {
		return os.NewSyscallError("FlushViewOfFile", err)
	}
	return o.f.Sync()
}

func (o *osMapping) Lock() error { return o.m.Lock() }

// Advise has no equivalent used here: prefetching is left to the system.
func (o *osMapping) Advise() error { return errors.ErrUnsupported }

// noReadAhead has no equivalent used here: a view's faults are the
// system's to batch.
func (o *osMapping) noReadAhead() error { return nil }

// Evict cannot replace a view in place on Windows: a forced Destroy then
// waits for the last reader like an ordinary one.
func (o *osMapping) Evict() error { return errors.ErrUnsupported }

// syncDir does nothing on Windows, where a directory cannot be opened for
// flushing; NTFS journals its directory changes itself.
func syncDir(string) error { return nil }
