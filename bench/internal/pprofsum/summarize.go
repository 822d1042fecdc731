package pprofsum

import (
	"fmt"
	"os"

	"github.com/google/pprof/profile"

	"github.com/rocketstore/rocketstore/bench/report"
)

// sampleTypes is the sample type Summarize reads for each kind. For a heap
// profile it is the bytes allocated while the profile ran, which is what a
// throughput benchmark pays for, rather than what happened to be live.
var sampleTypes = map[string]string{
	"cpu":  "cpu",
	"heap": "alloc_space",
}

// Summarize reads the profile at path and returns its n costliest functions
// by flat value (n <= 0 returns all of them). kind is "cpu" or "heap"; it
// picks the sample type, falling back to the profile's last one.
func Summarize(path, kind string, n int) (report.ProfileSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return report.ProfileSummary{}, err
	}
	defer f.Close()
	p, err := profile.Parse(f) // also takes gzip and legacy formats
	if err != nil {
		return report.ProfileSummary{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(p.SampleType) == 0 {
		return report.ProfileSummary{}, fmt.Errorf("%s: profile has no sample types", path)
	}
	idx := sampleIndex(p, sampleTypes[kind])
	total, costs := aggregate(p, idx)
	return report.ProfileSummary{
		Kind:  kind,
		File:  path,
		Unit:  p.SampleType[idx].Unit,
		Total: total,
		Top:   top(costs, total, n),
	}, nil
}

// sampleIndex returns the index of the sample type named typ, or the last
// one, which by convention is the profile's main figure.
func sampleIndex(p *profile.Profile, typ string) int {
	for i, st := range p.SampleType {
		if st.Type == typ {
			return i
		}
	}
	return len(p.SampleType) - 1
}
