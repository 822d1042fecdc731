package report

import "slices"

// Summarize gives the median, minimum and maximum of runs (the median of an
// even count is the mean of the middle two).
func Summarize(runs []float64) Summary {
	if len(runs) == 0 {
		return Summary{}
	}
	s := slices.Clone(runs)
	slices.Sort(s)
	mid := len(s) / 2
	median := s[mid]
	if len(s)%2 == 0 {
		median = (s[mid-1] + s[mid]) / 2
	}
	return Summary{Median: median, Min: s[0], Max: s[len(s)-1], Runs: runs}
}

// Rocketstore returns the first non-peer subject of the case that ran, or nil.
func (c *CaseResult) Rocketstore() *SubjectResult {
	for i := range c.Subjects {
		if s := &c.Subjects[i]; !s.Peer && s.Ran() {
			return s
		}
	}
	return nil
}

// BestPeer returns the peer with the highest median rate that ran, or nil.
func (c *CaseResult) BestPeer() *SubjectResult {
	var best *SubjectResult
	for i := range c.Subjects {
		s := &c.Subjects[i]
		if s.Peer && s.Ran() && (best == nil || s.Rate.Median > best.Rate.Median) {
			best = s
		}
	}
	return best
}
