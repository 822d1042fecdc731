//go:build darwin || freebsd || dragonfly

package store

import "golang.org/x/sys/unix"

// diskUsage is the used fraction of the file system holding dir, counted
// as df does.
func diskUsage(dir string) (float64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	used := float64(st.Blocks) - float64(st.Bfree)
	total := used + float64(st.Bavail)
	if total <= 0 {
		return 0, nil
	}
	return used / total, nil
}

// physicalMemory is the machine's RAM in bytes (hw.memsize on macOS,
// hw.physmem on the BSDs), or 16 GiB when unknown.
func physicalMemory() int64 {
	for _, name := range []string{"hw.memsize", "hw.physmem"} {
		if n, err := unix.SysctlUint64(name); err == nil && n > 0 {
			return int64(n)
		}
	}
	return 16 << 30
}
