package bench

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dropPageCache writes dirty pages back and evicts the files under dir
// from the page cache, so that reading them next comes from the disk. It
// drops the whole clean page cache (/proc/sys/vm/drop_caches, as root);
// where it may not, it asks the kernel to drop each file's pages
// (posix_fadvise DONTNEED). Pages still mapped by a process stay either
// way: stop the process that maps the files first. It returns how it
// dropped them.
func dropPageCache(dir string) (string, error) {
	unix.Sync()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("1"), 0); err == nil {
		return "drop_caches", nil
	}
	err := eachFile(dir, func(f *os.File) error {
		return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	})
	if err != nil {
		return "", fmt.Errorf("dropping the page cache of %s: %w", dir, err)
	}
	return "fadvise", nil
}

// residentFraction is the fraction of the pages of the files under dir
// that are in the page cache (mincore of a read-only mapping of each).
func residentFraction(dir string) (float64, error) {
	var resident, total int64
	page := int64(os.Getpagesize())
	err := eachFile(dir, func(f *os.File) error {
		fi, err := f.Stat()
		if err != nil || fi.Size() == 0 {
			return err
		}
		m, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
		if err != nil {
			return err
		}
		vec := make([]byte, (fi.Size()+page-1)/page)
		err = mincore(m, vec)
		err = errors.Join(err, unix.Munmap(m))
		for _, v := range vec {
			resident += int64(v & 1)
		}
		total += int64(len(vec))
		return err
	})
	if err != nil || total == 0 {
		return 0, err
	}
	return float64(resident) / float64(total), nil
}

// eachFile calls fn with each regular file under dir, opened for reading
// and closed after.
func eachFile(dir string, fn func(*os.File) error) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return fn(f)
	})
}

// mincore fills vec with the residency of the pages of m (x/sys/unix has
// no wrapper on Linux).
func mincore(m, vec []byte) error {
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		return errno
	}
	return nil
}
