package store

import "golang.org/x/sys/windows"

// diskUsage is the used fraction of the volume holding dir, as seen by
// this user (quotas included).
func diskUsage(dir string) (float64, error) {
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return 0, err
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return 0, err
	}
	if total == 0 {
		return 0, nil
	}
	return float64(total-avail) / float64(total), nil
}

// physicalMemory assumes 16 GiB: set Options.MemoryBytes on Windows.
func physicalMemory() int64 { return 16 << 30 }
