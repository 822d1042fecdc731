// Package pprofsum captures CPU and heap profiles around the timed part of
// a benchmark and summarises each by its top functions, so that a report
// can say where the time and the allocations went without opening pprof.
package pprofsum

import (
	"errors"
	"os"
	"runtime"
	"runtime/pprof"
)

// StartCPU starts CPU profiling into a new file at path. The returned stop
// function stops profiling and closes the file; call it exactly once.
func StartCPU(path string) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		// Most likely a profile is already running; leave no empty file.
		return nil, errors.Join(err, f.Close(), os.Remove(path))
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// WriteHeap writes the allocation profile to a new file at path. The
// profile holds all four heap sample types; Summarize reads alloc_space.
func WriteHeap(path string) error {
	// The heap profile is published at the end of a GC cycle; without one,
	// the latest allocations would be missing.
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(pprof.Lookup("allocs").WriteTo(f, 0), f.Close())
}
