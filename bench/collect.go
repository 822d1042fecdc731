package bench

import (
	"maps"
	"slices"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/rocketstore/rocketstore/bench/report"
)

// subjectRuns gathers one subject's repetitions of a case.
type subjectRuns struct {
	Subject
	rates, mbps []float64
	hist        *hdrhistogram.Histogram
	extra       map[string][]float64
	profiles    []report.ProfileSummary
	err         error
}

func (s *subjectRuns) add(o outcome) {
	s.rates = append(s.rates, o.rate())
	s.mbps = append(s.mbps, o.mbps())
	s.hist.Merge(o.env.hist)
	for k, v := range o.sample.Extra {
		s.extra[k] = append(s.extra[k], v)
	}
}

func (s *subjectRuns) result(latency bool) report.SubjectResult {
	res := report.SubjectResult{Name: s.Name, Peer: s.Peer, Config: s.Config, Unsupported: s.Unsupported, Profiles: s.profiles}
	if s.err != nil {
		res.Err = s.err.Error()
		return res
	}
	res.Rate = report.Summarize(s.rates)
	res.MBps = report.Summarize(s.mbps)
	if latency {
		res.Latency = latencyOf(s.hist)
	}
	if len(s.extra) > 0 {
		res.Extra = map[string]float64{}
		for _, k := range slices.Sorted(maps.Keys(s.extra)) {
			res.Extra[k] = report.Summarize(s.extra[k]).Median
		}
	}
	return res
}

// latencyOf gives the percentiles of h in microseconds, or nil when empty.
func latencyOf(h *hdrhistogram.Histogram) *report.Latency {
	if h.TotalCount() == 0 {
		return nil
	}
	return &report.Latency{
		Count: h.TotalCount(),
		P50:   float64(h.ValueAtQuantile(50)),
		P99:   float64(h.ValueAtQuantile(99)),
		P999:  float64(h.ValueAtQuantile(99.9)),
		Max:   float64(h.Max()),
	}
}
