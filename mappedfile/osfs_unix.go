//go:build unix

package mappedfile

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Flush msyncs the page-aligned range holding [off, off+n), then does
// whatever more the platform needs for the bytes to reach stable storage
// (syncToMedia).
func (o *osMapping) Flush(off, n int) error {
	if n <= 0 {
		return nil
	}
	if err := unix.Msync(pageAligned(o.m, off, n), unix.MS_SYNC); err != nil {
		return err
	}
	return syncToMedia(o.f)
}

// noReadAhead makes a page fault read only its own page
// (MADV_RANDOM).
func (o *osMapping) noReadAhead() error {
	if len(o.m) == 0 {
		return nil
	}
	return unix.Madvise(o.m, unix.MADV_RANDOM)
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

// syncDir fsyncs a directory, which makes its entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
