package bench

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rocketstore/rocketstore/bench/report"
)

// w2Result is a W2 case: rocketstore and one peer with their rates and
// p99s (µs); no fdatasync limit yet.
func w2Result(rsRate, rsP99, peerRate, peerP99 float64) report.CaseResult {
	row := func(name string, peer bool, rate, p99 float64) report.SubjectResult {
		return report.SubjectResult{Name: name, Peer: peer, Rate: report.Summarize([]float64{rate}),
			Latency: &report.Latency{P99: p99}}
	}
	return report.CaseResult{Name: "1KiB", Subjects: []report.SubjectResult{
		row("rocketstore", false, rsRate, rsP99), row("pebble", true, peerRate, peerP99)}}
}

func TestCheckW2BoundsP99ByTheFdatasyncLimit(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		rsRate, rsP99, fsync  float64
		wantMet               bool
		wantDetailContainsAll []string
	}{
		{"faster, p99 within twice fdatasync", 120, 800, 413, true, []string{"1.20×", "826 µs"}},
		{"faster, p99 above twice fdatasync", 120, 1114, 413, false, []string{"1114 µs", "826 µs"}},
		{"slower, p99 fine", 96, 500, 413, false, []string{"0.96×"}},
		{"no limit measured", 120, 500, 0, false, []string{"not measured"}},
	} {
		c := w2Result(tc.rsRate, tc.rsP99, 100, 5000)
		c.LatencyLimitP99 = tc.fsync
		met, detail := checkW2(&c)
		if met != tc.wantMet {
			t.Errorf("%s: met %v, want %v (%s)", tc.name, met, tc.wantMet, detail)
		}
		for _, want := range tc.wantDetailContainsAll {
			if !strings.Contains(detail, want) {
				t.Errorf("%s: detail %q lacks %q", tc.name, detail, want)
			}
		}
	}
}

// TestRejudgeAppliesTheCurrentTargetsToARunsFigures: a report read back
// from JSON gets its limits' comparison figures and its verdicts from the
// workloads as now defined; cases the suite no longer defines keep theirs.
func TestRejudgeAppliesTheCurrentTargetsToARunsFigures(t *testing.T) {
	w2 := w2Result(120, 800, 100, 5000)
	w2.Target = &report.TargetResult{Text: "an older target", Met: false, Detail: "old"}
	gone := report.CaseResult{Name: "retired", Target: &report.TargetResult{Text: "kept"}}
	rep := &report.Report{
		Limits:    []report.LimitResult{{ID: LimitFdatasync, Latency: &report.Latency{P99: 413}}},
		Workloads: []report.WorkloadResult{{ID: "W2", Cases: []report.CaseResult{w2, gone}}},
	}
	var buf strings.Builder
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadJSON(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	Rejudge(back, []Workload{{ID: "W2", Cases: []Case{{Name: "1KiB", LatencyLimit: LimitFdatasync,
		Target: &Target{Text: "the current target", Check: checkW2}}}}})
	got := back.Workloads[0].Cases[0]
	if got.LatencyLimitP99 != 413 || got.Target == nil || got.Target.Text != "the current target" || !got.Target.Met {
		t.Fatalf("rejudged case: p99 limit %v, target %+v", got.LatencyLimitP99, got.Target)
	}
	if kept := back.Workloads[0].Cases[1].Target; kept == nil || kept.Text != "kept" {
		t.Fatalf("a case the suite no longer defines lost its verdict: %+v", kept)
	}
}

func TestMainRendersAnEarlierRunWithoutRunningIt(t *testing.T) {
	dir := t.TempDir()
	c := w2Result(120, 800, 100, 5000)
	rep := &report.Report{Reps: 3,
		Limits:    []report.LimitResult{{ID: LimitFdatasync, Latency: &report.Latency{P99: 413}}},
		Workloads: []report.WorkloadResult{{ID: "W2", Title: "Durable append, 64 writers", Cases: []report.CaseResult{c}}}}
	var js strings.Builder
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "report.json")
	if err := os.WriteFile(in, []byte(js.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(dir, "B.md")
	var stderr strings.Builder
	if code := Main([]string{"-render", in, "-md", md, "-quiet"}, io.Discard, &stderr, nil, nil); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "2× the fdatasync-4KiB p99") || !strings.Contains(string(b), "826 µs") {
		t.Fatalf("the rendered report does not judge W2 by the current target:\n%s", b)
	}
}
