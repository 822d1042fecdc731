package report

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"
	"strings"
	"testing"
)

// svgTexts parses a whole SVG document and returns the content of its text
// elements, failing the test if it is not well-formed XML.
func svgTexts(t *testing.T, svg []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var texts []string
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
			if inText {
				texts = append(texts, "")
			}
		case xml.CharData:
			if inText {
				texts[len(texts)-1] += string(tok)
			}
		case xml.EndElement:
			inText = false
		}
	}
	return texts
}

func TestThroughputChart(t *testing.T) {
	r := sampleReport()
	svg, ok := ThroughputChart(r.Workloads[0])
	if !ok {
		t.Fatal("no throughput chart for W1")
	}
	texts := svgTexts(t, svg)
	// Every subject that ran is in the legend; rosedb and badger never ran.
	for _, want := range []string{"rocketstore", "pebble", "tidwall", "limit: memcpy-mmap-1KiB", "128B", "1KiB", "300", "5k"} {
		if !slices.Contains(texts, want) {
			t.Errorf("W1 chart has no text %q; texts: %q", want, texts)
		}
	}
	for _, absent := range []string{"rosedb", "badger"} {
		if slices.Contains(texts, absent) {
			t.Errorf("W1 chart shows %s, which never ran", absent)
		}
	}
	// 5000 against 80 spans more than 30×.
	if !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "(log scale)") }) {
		t.Errorf("W1 chart is not on a log scale; texts: %q", texts)
	}
	if !bytes.Contains(svg, []byte(`fill="#d55e00"`)) || !bytes.Contains(svg, []byte("url(#"+hatchID+")")) {
		t.Error("W1 chart lacks rocketstore's colour or the hatched limit")
	}

	svg, ok = ThroughputChart(r.Workloads[1])
	if !ok {
		t.Fatal("no throughput chart for W2")
	}
	texts = svgTexts(t, svg)
	if !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "(linear scale)") }) {
		t.Errorf("W2 chart (900 to 1250) is not on a linear scale; texts: %q", texts)
	}
}

func TestThroughputChartRefusesMixedUnits(t *testing.T) {
	w := sampleReport().Workloads[1]
	w.Cases[1].Unit = "records/s"
	if _, ok := ThroughputChart(w); ok {
		t.Error("drew one axis for two units")
	}
	if _, ok := ThroughputChart(WorkloadResult{ID: "W9", Cases: []CaseResult{{Name: "x", Subjects: []SubjectResult{{Name: "a", Err: "boom"}}}}}); ok {
		t.Error("drew a chart where nothing ran")
	}
}

func TestLatencyChart(t *testing.T) {
	c := sampleReport().Workloads[1].Cases[1]
	svg, ok := LatencyChart(c, "W2 · 4KiB: latency")
	if !ok {
		t.Fatal("no latency chart")
	}
	texts := svgTexts(t, svg)
	// Latencies run from 1 ms to 33 ms: ticks are powers of ten in µs.
	for _, want := range []string{"rocketstore", "pebble", "p50", "p99", "p99.9", "max", "1 ms", "10 ms", "100 ms", "W2 · 4KiB: latency"} {
		if !slices.Contains(texts, want) {
			t.Errorf("latency chart has no text %q; texts: %q", want, texts)
		}
	}
	if _, ok := LatencyChart(sampleReport().Workloads[0].Cases[1], "none"); ok {
		t.Error("drew a latency chart for a case without latencies")
	}
}

func TestChartEscapesNames(t *testing.T) {
	w := WorkloadResult{ID: "W<1>", Title: `"quoted" & co`, Cases: []CaseResult{
		{Name: "a<b", Unit: "msgs/s", Subjects: []SubjectResult{{Name: "rocket&store", Rate: Summarize([]float64{1})}}},
		{Name: "c", Unit: "msgs/s", Subjects: []SubjectResult{{Name: "<peer>", Peer: true, Rate: Summarize([]float64{2})}}},
	}}
	svg, ok := ThroughputChart(w)
	if !ok {
		t.Fatal("no chart")
	}
	texts := svgTexts(t, svg)
	for _, want := range []string{"rocket&store", "<peer>", "a<b"} {
		if !slices.Contains(texts, want) {
			t.Errorf("chart has no text %q; texts: %q", want, texts)
		}
	}
}

func TestChooseLog(t *testing.T) {
	for _, tc := range []struct {
		values []float64
		want   bool
	}{
		{[]float64{1, 30}, false},
		{[]float64{1, 31}, true},
		{[]float64{0, 5, 100}, false}, // zero draws no bar and does not count
		{[]float64{80, 5000}, true},
		{nil, false},
	} {
		if got := chooseLog(tc.values); got != tc.want {
			t.Errorf("chooseLog(%v) = %v, want %v", tc.values, got, tc.want)
		}
	}
}

func TestAxisTicks(t *testing.T) {
	a := newAxis([]float64{800, 25_000}, true, 0, 100)
	if got, want := a.ticks(), []float64{100, 1000, 10_000, 100_000}; !slices.Equal(got, want) {
		t.Errorf("log ticks = %v, want %v", got, want)
	}
	if y := a.y(1000); y != 100-100.0/3 {
		t.Errorf("y(1000) = %v on a 100..100000 axis of 100 px", y)
	}
	a = newAxis([]float64{0, 930}, false, 0, 100)
	if got, want := a.ticks(), []float64{0, 200, 400, 600, 800, 1000}; !slices.Equal(got, want) {
		t.Errorf("linear ticks = %v, want %v", got, want)
	}
}
