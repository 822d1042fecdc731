package mappedfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// detachDescriptors: on Linux a mapping needs no descriptor for its
// reads, writes, msync and madvise; only WriteAt, ZeroRange and MaybeData
// open the file for the call.
const detachDescriptors = true

// allocate gives f size bytes of allocated blocks (fallocate); a file
// system without fallocate gets a plain size change.
func allocate(f *os.File, size int64) error {
	err := unix.Fallocate(int(f.Fd()), 0, 0, size)
	if errors.Is(err, unix.EOPNOTSUPP) {
		return f.Truncate(size)
	}
	return err
}

// syncToMedia has nothing to add on Linux: msync(MS_SYNC) writes the range
// back and waits for the device (it syncs the file range as fdatasync does).
func syncToMedia(*os.File) error { return nil }

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
	return o.withFile(func(f *os.File) error {
		fd := int(f.Fd())
		err := unix.Fallocate(fd, unix.FALLOC_FL_ZERO_RANGE|unix.FALLOC_FL_KEEP_SIZE, int64(off), int64(n))
		if errors.Is(err, unix.EOPNOTSUPP) {
			err = unix.Fallocate(fd, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, int64(off), int64(n))
			if err == nil {
				err = unix.Fallocate(fd, 0, int64(off), int64(n))
			}
		}
		if errors.Is(err, unix.EOPNOTSUPP) {
			return errors.ErrUnsupported
		}
		return err
	})
}

// Populate makes [off, off+n) present and writable in the page tables, as
// writing to each page would, inside one madvise(MADV_POPULATE_WRITE).
func (o *osMapping) Populate(off, n int) error {
	err := unix.Madvise(o.m[off:off+n], unix.MADV_POPULATE_WRITE)
	if errors.Is(err, unix.EINVAL) {
		return errors.ErrUnsupported // a kernel older than 5.14
	}
	return err
}
