// Package sysinfo describes the machine a benchmark runs on, so that a
// report can say where its figures come from.
package sysinfo

import (
	"os"
	"path/filepath"
	"runtime"

	"github.com/rocketstore/rocketstore/bench/report"
)

// unknown stands for any field that could not be found out.
const unknown = "unknown"

// Describe reports the machine and the file system holding dir. It never
// fails: a report is worth writing even when a field cannot be read, so a
// missing field is "unknown" (or zero for numbers).
func Describe(dir string) report.Machine {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	m := report.Machine{
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
		Kernel:     kernelRelease(),
		CPU:        unknown,
		Cores:      runtime.NumCPU(),
		GoVersion:  runtime.Version(),
		FileSystem: fileSystem(abs),
		Dir:        abs,
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU = parseCPUModel(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemBytes = parseMemTotal(string(b))
	}
	return m
}
