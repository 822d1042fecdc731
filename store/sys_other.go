//go:build !linux && !darwin && !freebsd && !dragonfly && !windows

package store

// diskUsage reports no pressure where statfs is not wired up; set
// Options.DiskUsage there.
func diskUsage(string) (float64, error) { return 0, nil }

// physicalMemory assumes 16 GiB where it cannot be read.
func physicalMemory() int64 { return 16 << 30 }
