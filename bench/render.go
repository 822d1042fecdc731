package bench

import (
	"fmt"
	"os"

	"github.com/rocketstore/rocketstore/bench/report"
)

// Rejudge judges the targets of rep's cases again with the workloads'
// current definitions (matched by workload ID and case name), after filling
// in from rep's own limits what each case compares with: a report rendered
// again from a run's JSON states its targets as the suite now defines them,
// on that run's figures.
func Rejudge(rep *report.Report, workloads []Workload) {
	for wi := range rep.Workloads {
		wr := &rep.Workloads[wi]
		for _, w := range workloads {
			if w.ID != wr.ID {
				continue
			}
			for ci := range wr.Cases {
				cr := &wr.Cases[ci]
				for _, c := range w.Cases {
					if c.Name != cr.Name {
						continue
					}
					applyLimits(cr, &c, rep.Limits)
					cr.Target = nil
					if c.Target != nil {
						met, detail := c.Target.Check(cr)
						cr.Target = &report.TargetResult{Text: c.Target.Text, Met: met, Detail: detail}
					}
				}
			}
		}
	}
}

// readReport reads a run's JSON report (the -json output).
func readReport(path string) (*report.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep, err := report.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rep, nil
}
