package bench

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// storeDiskUse is what a store's files take on disk, as du counts it
// (allocated blocks: sparse consume-queue and index files count only the
// pages written).
type storeDiskUse struct {
	commitLog int64 // the commit log
	queues    int64 // consume queues and the index: what the store derives
}

// measureStoreDiskUse sums the allocated bytes under a store directory's
// commitlog, consumequeue and index subdirectories.
func measureStoreDiskUse(storeDir string) (storeDiskUse, error) {
	var u storeDiskUse
	var err error
	if u.commitLog, err = allocatedUnder(filepath.Join(storeDir, "commitlog")); err != nil {
		return u, err
	}
	for _, part := range []string{"consumequeue", "index"} {
		n, err := allocatedUnder(filepath.Join(storeDir, part))
		if err != nil {
			return u, err
		}
		u.queues += n
	}
	return u, nil
}

// allocatedUnder is the disk the regular files under dir take (0 when dir
// does not exist).
func allocatedUnder(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == dir {
				return filepath.SkipDir
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		total += allocatedBytes(fi)
		return nil
	})
	return total, err
}

// allocatedBytes is the disk a file takes: its allocated 512-byte blocks,
// or its size where the system does not say.
func allocatedBytes(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return fi.Size()
}
