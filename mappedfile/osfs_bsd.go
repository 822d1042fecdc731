//go:build unix && !linux && !darwin

package mappedfile

import "os"

// allocate sets f's size. These systems have no portable way to reserve the
// blocks, so writes through the mapping can still meet a full disk here.
func allocate(f *os.File, size int64) error { return f.Truncate(size) }

// syncToMedia has nothing to add: msync(MS_SYNC) waits for the device.
func syncToMedia(*os.File) error { return nil }
