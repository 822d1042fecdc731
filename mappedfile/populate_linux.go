package mappedfile

import (
	"errors"

	"golang.org/x/sys/unix"
)

// populateMemory makes b's pages present and writable, as writing to each
// would, inside one madvise(MADV_POPULATE_WRITE), which never changes the
// bytes: it is safe while an appender writes to b.
func populateMemory(b []byte) error {
	err := unix.Madvise(b, unix.MADV_POPULATE_WRITE)
	if errors.Is(err, unix.EINVAL) {
		return errors.ErrUnsupported // a kernel older than 5.14, or not page-aligned memory
	}
	return err
}
