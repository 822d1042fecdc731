package store

import "golang.org/x/sys/unix"

// diskUsage is the used fraction of the file system holding dir, counted
// as df does: blocks in use over blocks in use plus those available to
// unprivileged users.
func diskUsage(dir string) (float64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	used := st.Blocks - st.Bfree
	total := used + st.Bavail
	if total == 0 {
		return 0, nil
	}
	return float64(used) / float64(total), nil
}

// physicalMemory is the machine's RAM in bytes, or 16 GiB when unknown.
func physicalMemory() int64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil || si.Totalram == 0 {
		return 16 << 30
	}
	return int64(si.Totalram) * int64(si.Unit)
}
