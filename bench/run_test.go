package bench

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/bench/report"
)

// timed returns a subject run that reports ops operations over a timed
// part of about d, recording one latency of lat.
func timed(ops int64, d, lat time.Duration, order *[]string, name string) func(*Env) (Sample, error) {
	return func(env *Env) (Sample, error) {
		*order = append(*order, name)
		env.StartTimer()
		time.Sleep(d)
		env.RecordLatency(lat)
		env.StopTimer()
		return Sample{Ops: ops, Bytes: ops * 10, Extra: map[string]float64{"x": float64(ops)}}, nil
	}
}

func TestRunRotatesSubjectsAndSummarises(t *testing.T) {
	var order []string
	w := Workload{ID: "WT", Title: "test", Cases: []Case{{
		Name: "c", Unit: "ops/s", RecordSize: 10, Limit: "lim", Latency: true,
		Target: &Target{Text: "rocketstore ≥ 2× best peer", Check: func(c *report.CaseResult) (bool, string) {
			return c.Rocketstore().Rate.Median >= 2*c.BestPeer().Rate.Median, "checked"
		}},
		Subjects: []Subject{
			{Name: "rocketstore", Run: timed(1000, 10*time.Millisecond, time.Millisecond, &order, "rocketstore")},
			{Name: "peer", Peer: true, Run: timed(100, 10*time.Millisecond, 2*time.Millisecond, &order, "peer")},
			{Name: "never", Peer: true, Unsupported: "cannot"},
		},
	}}}
	lim := Limit{ID: "lim", Title: "limit", Run: func(env *Env) (Sample, error) {
		env.StartTimer()
		time.Sleep(10 * time.Millisecond)
		env.StopTimer()
		return Sample{Ops: 1, Bytes: 1e6}, nil
	}}
	rep, err := Run(Config{Dir: t.TempDir(), Reps: 3}, []Limit{lim}, []Workload{w})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rocketstore", "peer", "peer", "rocketstore", "rocketstore", "peer"}
	if !slices.Equal(order, want) {
		t.Errorf("run order %v, want %v (rotated each repetition, unsupported skipped)", order, want)
	}
	c := rep.Workloads[0].Cases[0]
	rs, peer, never := c.Subjects[0], c.Subjects[1], c.Subjects[2]
	if len(rs.Rate.Runs) != 3 || rs.Rate.Median > 1000/0.010 || rs.Rate.Median < 1000/1.0 {
		t.Errorf("rocketstore rate %+v: want 3 runs near 100k ops/s", rs.Rate)
	}
	if rs.Latency == nil || rs.Latency.Count != 3 || rs.Latency.P50 < 990 || rs.Latency.P50 > 1010 {
		t.Errorf("rocketstore latency %+v, want 3 samples of 1 ms", rs.Latency)
	}
	if rs.Extra["x"] != 1000 || peer.Extra["x"] != 100 {
		t.Errorf("extras %v %v", rs.Extra, peer.Extra)
	}
	if never.Unsupported != "cannot" || never.Ran() {
		t.Errorf("unsupported subject %+v", never)
	}
	if rep.Limits[0].MBps.Median <= 0 || c.LimitRate != rep.Limits[0].MBps.Max*1e6/10 {
		t.Errorf("limit %+v, case limit rate %v", rep.Limits[0], c.LimitRate)
	}
	if c.Target == nil || !c.Target.Met || c.Target.Detail != "checked" {
		t.Errorf("target %+v", c.Target)
	}
}

func TestRunReportsFailuresAndKeepsGoing(t *testing.T) {
	calls := map[string]int{}
	subject := func(name string, fn func(*Env) (Sample, error)) Subject {
		return Subject{Name: name, Peer: name != "ok", Run: func(env *Env) (Sample, error) { calls[name]++; return fn(env) }}
	}
	ok := func(env *Env) (Sample, error) { env.StartTimer(); env.StopTimer(); return Sample{Ops: 1}, nil }
	w := Workload{ID: "WT", Cases: []Case{{Name: "c", Subjects: []Subject{
		subject("ok", ok),
		subject("fails", func(*Env) (Sample, error) { return Sample{}, errors.New("disk on fire") }),
		subject("panics", func(*Env) (Sample, error) { panic("boom") }),
		subject("untimed", func(*Env) (Sample, error) { return Sample{Ops: 1}, nil }),
	}}}}
	rep, err := Run(Config{Dir: t.TempDir(), Reps: 2}, nil, []Workload{w})
	if err != nil {
		t.Fatal(err)
	}
	got := rep.Workloads[0].Cases[0].Subjects
	for i, want := range []string{"", "disk on fire", "panic: boom", "StartTimer was never called"} {
		if !strings.Contains(got[i].Err, want) || (want == "") != (got[i].Err == "") {
			t.Errorf("%s: err %q, want %q", got[i].Name, got[i].Err, want)
		}
	}
	if calls["ok"] != 2 || calls["fails"] != 1 || calls["panics"] != 1 {
		t.Errorf("calls %v: a failed subject should not run again, the others should", calls)
	}
}

func TestRunRemovesRunDirectories(t *testing.T) {
	parent := t.TempDir()
	var dirs []string
	w := Workload{ID: "WT", Cases: []Case{{Name: "c", Subjects: []Subject{{Name: "rocketstore", Run: func(env *Env) (Sample, error) {
		dirs = append(dirs, env.Dir)
		env.StartTimer()
		env.StopTimer()
		return Sample{Ops: 1}, nil
	}}}}}}
	if _, err := Run(Config{Dir: parent, Reps: 2}, nil, []Workload{w}); err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 2 || dirs[0] == dirs[1] {
		t.Fatalf("run directories %v: want two distinct", dirs)
	}
	if left := mustReadDir(t, parent); len(left) != 0 {
		t.Errorf("left behind in %s: %v", parent, left)
	}
}

func TestRunRepetitionsPerCase(t *testing.T) {
	runs := map[string]int{}
	subject := func(name string) Subject {
		return Subject{Name: name, Run: func(env *Env) (Sample, error) {
			runs[name]++
			env.StartTimer()
			env.StopTimer()
			return Sample{Ops: 1}, nil
		}}
	}
	w := Workload{ID: "WT", Cases: []Case{
		{Name: "long", MaxReps: 1, Subjects: []Subject{subject("long")}},
		{Name: "short", Subjects: []Subject{subject("short")}},
		{Name: "judged", Reps: 5, Subjects: []Subject{subject("judged")}},
	}}
	rep, err := Run(Config{Dir: t.TempDir(), Reps: 3}, nil, []Workload{w})
	if err != nil {
		t.Fatal(err)
	}
	if runs["long"] != 1 || runs["short"] != 3 || runs["judged"] != 5 {
		t.Errorf("runs %v, want long once, short three times, judged five", runs)
	}
	if got := len(rep.Workloads[0].Cases[0].Subjects[0].Rate.Runs); got != 1 {
		t.Errorf("the capped case reports %d runs", got)
	}
	for i, want := range []int{1, 3, 5} {
		if got := rep.Workloads[0].Cases[i].Reps; got != want {
			t.Errorf("case %d records %d repetitions, want %d", i, got, want)
		}
	}
	var md strings.Builder
	if err := report.WriteMarkdown(&md, rep, report.MarkdownOptions{NoCharts: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"This case ran once", "This case ran 5 times"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the report does not say %q", want)
		}
	}
}
