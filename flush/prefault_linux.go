package flush

import (
	"errors"

	"golang.org/x/sys/unix"
)

// prefaultBuffer makes buf's pages present and writable, as writing to each
// would, inside one madvise(MADV_POPULATE_WRITE), which never changes the
// bytes: it is safe while a borrower writes.
func prefaultBuffer(buf []byte) error {
	err := unix.Madvise(buf, unix.MADV_POPULATE_WRITE)
	if errors.Is(err, unix.EINVAL) {
		return errors.ErrUnsupported // a kernel older than 5.14
	}
	return err
}
