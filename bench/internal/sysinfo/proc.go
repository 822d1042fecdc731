package sysinfo

import (
	"strconv"
	"strings"
)

// parseCPUModel returns the first "model name" of /proc/cpuinfo text, or
// "unknown" when there is none (as on many ARM kernels).
func parseCPUModel(cpuinfo string) string {
	for line := range strings.Lines(cpuinfo) {
		key, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(key) != "model name" {
			continue
		}
		// Some CPUs pad the model with runs of spaces.
		if v := strings.Join(strings.Fields(value), " "); v != "" {
			return v
		}
	}
	return unknown
}

// parseMemTotal returns MemTotal of /proc/meminfo text in bytes, or 0 when
// it is absent or malformed.
func parseMemTotal(meminfo string) uint64 {
	for line := range strings.Lines(meminfo) {
		key, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(key) != "MemTotal" {
			continue
		}
		f := strings.Fields(value)
		if len(f) == 0 {
			return 0
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			return 0
		}
		// The kernel writes "kB" but means KiB.
		if len(f) > 1 && strings.EqualFold(f[1], "kB") {
			n *= 1024
		}
		return n
	}
	return 0
}
