package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// chartFile is one chart of a report: its file name and where it belongs.
type chartFile struct {
	name     string
	workload int // index in Report.Workloads
	kase     int // index in the workload's Cases; -1 for the throughput chart
	svg      []byte
}

// planCharts draws every chart of the report and names its file. Both
// WriteCharts and WriteMarkdown use it, so that the Markdown links exactly
// the files written: drawing decides whether a chart exists (nothing ran,
// no latency), and drawing twice costs microseconds.
func planCharts(r *Report) []chartFile {
	var out []chartFile
	used := map[string]bool{}
	// unique keeps names apart when two cases slug alike ("1KiB", "1 KiB").
	unique := func(base string) string {
		name := base + ".svg"
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%s-%d.svg", base, i)
		}
		used[name] = true
		return name
	}
	for wi, w := range r.Workloads {
		wslug := slug(w.ID)
		if wslug == "" {
			wslug = fmt.Sprintf("w%d", wi+1)
		}
		// A throughput chart compares cases, so it needs several in one unit.
		if len(w.Cases) > 1 && sameUnit(w.Cases) {
			if svg, ok := ThroughputChart(w); ok {
				out = append(out, chartFile{unique(wslug + "-throughput"), wi, -1, svg})
			}
		}
		for ci, c := range w.Cases {
			cslug := slug(c.Name)
			if cslug == "" {
				cslug = fmt.Sprintf("case%d", ci+1)
			}
			if svg, ok := LatencyChart(c, latencyTitle(w, c)); ok {
				out = append(out, chartFile{unique(wslug + "-" + cslug + "-latency"), wi, ci, svg})
			}
		}
	}
	return out
}

// latencyTitle is the title of a case's latency chart.
func latencyTitle(w WorkloadResult, c CaseResult) string {
	return workloadName(w) + " · " + c.Name + ": latency"
}

func sameUnit(cases []CaseResult) bool {
	for _, c := range cases[1:] {
		if c.Unit != cases[0].Unit {
			return false
		}
	}
	return true
}

// slug lowercases s and turns every run of other characters than ASCII
// letters and digits into one hyphen: file names that work everywhere.
func slug(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		} else {
			hyphen = true
		}
	}
	return b.String()
}

// WriteCharts writes the report's SVG charts into dir, creating it, and
// returns their file names (w1-throughput.svg, w2-1kib-latency.svg): one
// throughput chart per workload with several cases in one unit, one latency
// chart per case with latency figures. Files of earlier runs that this
// report has no chart for are left alone.
func WriteCharts(r *Report, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: writing charts: %w", err)
	}
	var names []string
	for _, c := range planCharts(r) {
		if err := os.WriteFile(filepath.Join(dir, c.name), c.svg, 0o644); err != nil {
			return names, fmt.Errorf("report: writing charts: %w", err)
		}
		names = append(names, c.name)
	}
	return names, nil
}
