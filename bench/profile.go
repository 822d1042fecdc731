package bench

import (
	"errors"
	"os"

	"github.com/google/pprof/profile"

	"github.com/rocketstore/rocketstore/bench/internal/pprofsum"
	"github.com/rocketstore/rocketstore/bench/report"
)

// profileTop is how many functions a profile summary lists.
const profileTop = 8

// profiler captures a CPU profile of the timed part of a run, and the heap
// allocated during it: the runtime's allocation profile counts from the
// start of the process, so the one taken at StartTimer is subtracted from
// the one taken at StopTimer.
type profiler struct {
	base    string // path prefix of the profile files
	stopCPU func() error
	err     error
}

func (p *profiler) start() {
	if p.err = pprofsum.WriteHeap(p.base + ".heap-start.pprof"); p.err != nil {
		return
	}
	p.stopCPU, p.err = pprofsum.StartCPU(p.base + ".cpu.pprof")
}

func (p *profiler) stop() {
	if p.stopCPU == nil {
		return
	}
	err := p.stopCPU()
	p.stopCPU = nil
	if err == nil {
		err = pprofsum.WriteHeap(p.base + ".heap-end.pprof")
	}
	if err == nil {
		err = heapDelta(p.base+".heap-start.pprof", p.base+".heap-end.pprof", p.base+".heap.pprof")
	}
	p.err = errors.Join(p.err, err)
}

// heapDelta writes to out what the allocation profile at end holds beyond
// the one at start, and removes both.
func heapDelta(start, end, out string) error {
	before, err := readProfile(start)
	if err != nil {
		return err
	}
	after, err := readProfile(end)
	if err != nil {
		return err
	}
	before.Scale(-1)
	delta, err := profile.Merge([]*profile.Profile{after, before})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := delta.Write(f); err != nil {
		f.Close()
		return err
	}
	return errors.Join(f.Close(), os.Remove(start), os.Remove(end))
}

func readProfile(path string) (*profile.Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return profile.Parse(f)
}

// summarizeProfiles summarises the CPU and heap profiles written under
// base; a profile that cannot be read is left out.
func summarizeProfiles(base string) []report.ProfileSummary {
	var out []report.ProfileSummary
	for _, p := range []struct{ kind, path string }{{"cpu", base + ".cpu.pprof"}, {"heap", base + ".heap.pprof"}} {
		if s, err := pprofsum.Summarize(p.path, p.kind, profileTop); err == nil {
			out = append(out, s)
		}
	}
	return out
}
