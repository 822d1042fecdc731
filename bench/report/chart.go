package report

import (
	"fmt"
	"slices"
)

// ThroughputChart draws a workload's median rates as grouped bars: one group
// per case, one bar per subject that ran (with min–max whiskers) and the
// case's machine limit as a grey hatched bar. The y axis is logarithmic
// when the bars span more than 30×, linear otherwise, and says which. ok is
// false when the cases do not share a unit or nothing ran.
func ThroughputChart(w WorkloadResult) (svg []byte, ok bool) {
	if len(w.Cases) == 0 {
		return nil, false
	}
	unit := w.Cases[0].Unit
	for _, c := range w.Cases[1:] {
		if c.Unit != unit {
			return nil, false
		}
	}

	// One series per subject that ran in any case, in order of appearance.
	var ser []series
	index := map[string]int{}
	var p palette
	var limitIDs []string
	for _, c := range w.Cases {
		for i := range c.Subjects {
			s := &c.Subjects[i]
			if _, seen := index[s.Name]; !seen && s.Ran() {
				index[s.Name] = len(ser)
				ser = append(ser, series{name: s.Name, color: p.next(s.Peer)})
			}
		}
		if c.LimitRate > 0 && !slices.Contains(limitIDs, c.Limit) {
			limitIDs = append(limitIDs, c.Limit)
		}
	}
	// The legend names the limit when every case has the same one; cases
	// compared with different limits (memcpy of 128 B, 1 KiB, 4 KiB) name
	// theirs under their label instead.
	limit := -1
	if len(limitIDs) > 0 {
		limit = len(ser)
		name := "machine limit"
		if len(limitIDs) == 1 && limitIDs[0] != "" {
			name = "limit: " + limitIDs[0]
		}
		ser = append(ser, series{name: name, color: limitColor, hatched: true})
	}

	ch := barChart{series: ser, format: human}
	var heights []float64
	for _, c := range w.Cases {
		row := make([]bar, len(ser))
		for i := range c.Subjects {
			s := &c.Subjects[i]
			j, known := index[s.Name]
			switch {
			case !known:
			case s.Ran():
				row[j] = bar{ok: true, v: s.Rate.Median, lo: s.Rate.Min, hi: s.Rate.Max}
				heights = append(heights, s.Rate.Median)
			default:
				row[j].missing = "—"
			}
		}
		note := ""
		if limit >= 0 && c.LimitRate > 0 {
			row[limit] = bar{ok: true, v: c.LimitRate}
			heights = append(heights, c.LimitRate)
			if len(limitIDs) > 1 {
				note = "limit: " + c.Limit
			}
		}
		ch.groups = append(ch.groups, c.Name)
		ch.notes = append(ch.notes, note)
		ch.bars = append(ch.bars, row)
	}
	if !slices.ContainsFunc(heights, func(v float64) bool { return v > 0 }) {
		return nil, false
	}
	ch.log = chooseLog(heights)
	scale := "linear scale"
	if ch.log {
		scale = "log scale"
	}
	if unit == "" {
		unit = "ops/s"
	}
	ch.yLabel = fmt.Sprintf("%s: median, whiskers min–max (%s)", unit, scale)
	ch.title = workloadName(w) + ": throughput"
	return ch.render(), true
}

// latencyPercentiles are the groups of a latency chart.
var latencyPercentiles = []struct {
	name string
	get  func(*Latency) float64
}{
	{"p50", func(l *Latency) float64 { return l.P50 }},
	{"p99", func(l *Latency) float64 { return l.P99 }},
	{"p99.9", func(l *Latency) float64 { return l.P999 }},
	{"max", func(l *Latency) float64 { return l.Max }},
}

// LatencyChart draws the latency percentiles of a case (p50, p99, p99.9 and
// max when known) as grouped bars, one per subject that recorded latencies,
// on a log scale in microseconds: tails are orders of magnitude above
// medians. ok is false when no subject has latency figures.
func LatencyChart(c CaseResult, title string) (svg []byte, ok bool) {
	var ser []series
	var lats []*Latency
	var p palette
	for i := range c.Subjects {
		if s := &c.Subjects[i]; s.Ran() && s.Latency != nil {
			ser = append(ser, series{name: s.Name, color: p.next(s.Peer)})
			lats = append(lats, s.Latency)
		}
	}
	if len(ser) == 0 {
		return nil, false
	}
	if title == "" {
		title = c.Name + ": latency"
	}
	ch := barChart{title: title, series: ser, log: true, format: humanMicros,
		yLabel: "latency, merged over repetitions (log scale)"}
	drawn := false
	for _, pc := range latencyPercentiles {
		row := make([]bar, len(ser))
		rowAny := false
		for j, l := range lats {
			if v := pc.get(l); v > 0 {
				row[j] = bar{ok: true, v: v}
				rowAny = true
			}
		}
		// A percentile nobody measured (max is optional) gets no group.
		if !rowAny {
			continue
		}
		drawn = true
		ch.groups = append(ch.groups, pc.name)
		ch.bars = append(ch.bars, row)
	}
	if !drawn {
		return nil, false
	}
	return ch.render(), true
}

// workloadName is "W1 — Title", or whichever part is known.
func workloadName(w WorkloadResult) string {
	switch {
	case w.ID == "":
		return w.Title
	case w.Title == "":
		return w.ID
	}
	return w.ID + " — " + w.Title
}
