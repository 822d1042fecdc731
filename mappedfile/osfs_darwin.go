package mappedfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// allocate reserves size bytes of blocks for f (F_PREALLOCATE, contiguous
// if possible) and sets its size; a file system that cannot preallocate
// gets a plain size change.
func allocate(f *os.File, size int64) error {
	store := unix.Fstore_t{Flags: unix.F_ALLOCATECONTIG, Posmode: unix.F_PEOFPOSMODE, Length: size}
	err := unix.FcntlFstore(f.Fd(), unix.F_PREALLOCATE, &store)
	if err != nil {
		store.Flags = unix.F_ALLOCATEALL
		err = unix.FcntlFstore(f.Fd(), unix.F_PREALLOCATE, &store)
	}
	if err != nil && !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EINVAL) {
		return err
	}
	return f.Truncate(size)
}

// syncToMedia asks the drive to write its cache to the media (F_FULLFSYNC,
// which os.File.Sync uses on macOS): msync and fsync alone stop at the
// drive's cache there.
func syncToMedia(f *os.File) error { return f.Sync() }
