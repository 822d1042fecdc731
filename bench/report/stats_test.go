package report

import "testing"

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		runs             []float64
		median, min, max float64
	}{
		{[]float64{3}, 3, 3, 3},
		{[]float64{5, 1, 3}, 3, 1, 5},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
	} {
		got := Summarize(tc.runs)
		if got.Median != tc.median || got.Min != tc.min || got.Max != tc.max {
			t.Errorf("Summarize(%v) = %+v, want median %v min %v max %v", tc.runs, got, tc.median, tc.min, tc.max)
		}
	}
	if got := Summarize(nil); got.Median != 0 || got.Runs != nil {
		t.Errorf("Summarize(nil) = %+v", got)
	}
}

func TestBestPeerSkipsRocketstoreAndFailures(t *testing.T) {
	c := CaseResult{Subjects: []SubjectResult{
		{Name: "rocketstore", Rate: Summarize([]float64{100})},
		{Name: "a", Peer: true, Rate: Summarize([]float64{30})},
		{Name: "b", Peer: true, Err: "boom", Rate: Summarize([]float64{90})},
		{Name: "c", Peer: true, Rate: Summarize([]float64{50})},
		{Name: "d", Peer: true, Unsupported: "cannot"},
	}}
	if got := c.BestPeer(); got == nil || got.Name != "c" {
		t.Fatalf("BestPeer = %+v, want c", got)
	}
	if got := c.Rocketstore(); got == nil || got.Name != "rocketstore" {
		t.Fatalf("Rocketstore = %+v", got)
	}
}
