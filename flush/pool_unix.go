//go:build unix

package flush

import "golang.org/x/sys/unix"

// allocBuffer maps size bytes of anonymous memory, outside the Go heap.
func allocBuffer(size int) ([]byte, error) {
	return unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
}

func freeBuffer(b []byte) error   { return unix.Munmap(b) }
func lockBuffer(b []byte) error   { return unix.Mlock(b) }
func unlockBuffer(b []byte) error { return unix.Munlock(b) }
