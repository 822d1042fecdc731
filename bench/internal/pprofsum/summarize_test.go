package pprofsum

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/rocketstore/rocketstore/bench/report"
)

// writeProfile writes p to a file in a temporary directory.
func writeProfile(t *testing.T, p *profile.Profile) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.pprof")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// syntheticProfile has an inlined chain (c inlined into e inlined into b),
// recursion (rec three deep) and a zero-valued sample. Its "cpu" values:
//
//	c e b  | a | main   100
//	a      | main        50
//	rec | rec | rec | main  30
//	main                 20
//	d | rec | main       30
//	c e b  | main         0
//
// total 230; flat: c 100, a 50, rec 30, d 30, main 20, e 0, b 0;
// cum: c e b 100, a 150, rec 60, d 30, main 230.
func syntheticProfile() *profile.Profile {
	var fns []*profile.Function
	fn := func(name string) *profile.Function {
		f := &profile.Function{ID: uint64(len(fns) + 1), Name: name}
		fns = append(fns, f)
		return f
	}
	fMain := fn("main.main")
	fA := fn("github.com/x/app/pkg.A")
	fB := fn("github.com/x/app/pkg.(*T).B")
	fC := fn("github.com/x/app/pkg.c")
	fE := fn("github.com/x/app/pkg.e")
	fRec := fn("github.com/x/app/pkg.rec")
	fD := fn("github.com/y/lib.D")

	var locs []*profile.Location
	loc := func(fs ...*profile.Function) *profile.Location {
		l := &profile.Location{ID: uint64(len(locs) + 1), Address: uint64(0x1000 * (len(locs) + 1))}
		for _, f := range fs {
			l.Line = append(l.Line, profile.Line{Function: f, Line: 1})
		}
		locs = append(locs, l)
		return l
	}
	lInl := loc(fC, fE, fB) // leaf first: c was inlined into e, e into b
	lA := loc(fA)
	lMain := loc(fMain)
	lRec := loc(fRec)
	lD := loc(fD)

	sample := func(v int64, ls ...*profile.Location) *profile.Sample {
		return &profile.Sample{Value: []int64{1, v}, Location: ls}
	}
	return &profile.Profile{
		SampleType: []*profile.ValueType{
			{Type: "samples", Unit: "count"},
			{Type: "cpu", Unit: "nanoseconds"},
		},
		Sample: []*profile.Sample{
			sample(100, lInl, lA, lMain),
			sample(50, lA, lMain),
			sample(30, lRec, lRec, lRec, lMain),
			sample(20, lMain),
			sample(30, lD, lRec, lMain),
			sample(0, lInl, lMain),
		},
		Location: locs,
		Function: fns,
	}
}

func TestSummarizeSynthetic(t *testing.T) {
	path := writeProfile(t, syntheticProfile())
	got, err := Summarize(path, "cpu", 0)
	if err != nil {
		t.Fatal(err)
	}
	const total = 230.0
	want := []report.FuncCost{
		{Func: "pkg.c", Flat: 100 / total, Cum: 100 / total},
		{Func: "pkg.A", Flat: 50 / total, Cum: 150 / total},
		{Func: "pkg.rec", Flat: 30 / total, Cum: 60 / total}, // ties d on flat, wins on cum
		{Func: "lib.D", Flat: 30 / total, Cum: 30 / total},
		{Func: "main.main", Flat: 20 / total, Cum: 1},
		{Func: "pkg.(*T).B", Flat: 0, Cum: 100 / total}, // ties e on flat and cum, wins on name
		{Func: "pkg.e", Flat: 0, Cum: 100 / total},
	}
	if got.Kind != "cpu" || got.File != path || got.Unit != "nanoseconds" || got.Total != 230 {
		t.Errorf("header = %q %q %q %d", got.Kind, got.File, got.Unit, got.Total)
	}
	assertTop(t, got.Top, want)

	got, err = Summarize(path, "cpu", 3)
	if err != nil {
		t.Fatal(err)
	}
	assertTop(t, got.Top, want[:3])
}

func assertTop(t *testing.T, got, want []report.FuncCost) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d functions, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Func != w.Func || math.Abs(g.Flat-w.Flat) > 1e-12 || math.Abs(g.Cum-w.Cum) > 1e-12 {
			t.Errorf("top[%d] = %+v, want %+v", i, g, w)
		}
	}
}

func TestSummarizeSampleType(t *testing.T) {
	p := syntheticProfile()
	// A heap profile: alloc_space is the second of four values.
	p.SampleType = []*profile.ValueType{
		{Type: "alloc_objects", Unit: "count"},
		{Type: "alloc_space", Unit: "bytes"},
		{Type: "inuse_objects", Unit: "count"},
		{Type: "inuse_space", Unit: "bytes"},
	}
	for _, s := range p.Sample {
		s.Value = []int64{1, s.Value[1], 7, 7}
	}
	path := writeProfile(t, p)
	got, err := Summarize(path, "heap", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Unit != "bytes" || got.Total != 230 || got.Top[0].Func != "pkg.c" {
		t.Errorf("heap summary = %+v", got)
	}

	// Without the kind's sample type, the last one is used.
	got, err = Summarize(path, "cpu", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 6*7 || got.Unit != "bytes" {
		t.Errorf("fallback summary = %+v", got)
	}
}

func TestSummarizeErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Summarize(filepath.Join(dir, "missing"), "cpu", 5); err == nil {
		t.Error("no error for a missing file")
	}
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte("not a profile"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Summarize(junk, "cpu", 5); err == nil {
		t.Error("no error for a junk file")
	}
}

func TestSummarizeEmpty(t *testing.T) {
	p := &profile.Profile{SampleType: []*profile.ValueType{{Type: "cpu", Unit: "nanoseconds"}}}
	got, err := Summarize(writeProfile(t, p), "cpu", 5)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total != 0 || len(got.Top) != 0 {
		t.Errorf("empty summary = %+v", got)
	}
}

func TestShortName(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/rocketstore/rocketstore/commitlog.(*Log).Append": "commitlog.(*Log).Append",
		"runtime.mallocgc":                           "runtime.mallocgc",
		"internal/runtime/syscall.Syscall6":          "syscall.Syscall6",
		"gopkg.in/yaml.v3.(*parser).parse":           "yaml.v3.(*parser).parse",
		"github.com/a/b.F.func1":                     "b.F.func1",
		"slices.Sort[go.shape.[]*github.com/a/b.T]":  "slices.Sort[go.shape.[]*github.com/a/b.T]",
		"github.com/a/b.G[go.shape.*github.com/c.T]": "b.G[go.shape.*github.com/c.T]",
		"0x4a3f00": "0x4a3f00",
	} {
		if got := shortName(in); got != want {
			t.Errorf("shortName(%q) = %q, want %q", in, got, want)
		}
	}
}
