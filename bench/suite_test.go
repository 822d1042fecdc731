package bench

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rocketstore/rocketstore/bench/report"
)

func TestMain(m *testing.M) {
	RunChild(testEngines())
	os.Exit(m.Run())
}

// testEngines are rocketstore's engine and a peer kept in memory, which
// cannot reopen.
func testEngines() []Engine {
	return []Engine{RocketstoreEngine(), {
		Name: "memory", Peer: true, Config: "a slice",
		Open:        func(string, OpenOptions) (Log, error) { return &memLog{}, nil },
		Unsupported: map[string]string{"W4": "keeps nothing across a reopen"},
	}}
}

type memLog struct {
	mu      sync.Mutex
	records [][]byte
}

func (m *memLog) Append(r []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.records = append(m.records, append([]byte(nil), r...))
	return nil
}

func (m *memLog) ReadAt(seq int) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq < 0 || seq >= len(m.records) {
		return nil, NoRecord(seq, len(m.records))
	}
	return append([]byte(nil), m.records[seq]...), nil
}

func (m *memLog) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}

func (m *memLog) Close() error { return nil }

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestSmokeSuite runs every workload and limit at smoke sizes, as CI does,
// and checks that each produced figures and that the report renders.
func TestSmokeSuite(t *testing.T) {
	parent, out := t.TempDir(), t.TempDir()
	md, js := filepath.Join(out, "BENCHMARKS.md"), filepath.Join(out, "results", "report.json")
	var stdout, stderr strings.Builder
	code := Main([]string{"-smoke", "-quiet", "-dir", parent, "-md", md, "-json", js, "-profile", filepath.Join(out, "profiles"), "-footer", "See also: packages."},
		&stdout, &stderr, testEngines(), nil)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	f, err := os.Open(js)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Limits) != len(Limits()) {
		t.Errorf("%d limits, want %d", len(rep.Limits), len(Limits()))
	}
	for _, l := range rep.Limits {
		if l.Err != "" || l.MBps.Median <= 0 {
			t.Errorf("limit %s: %+v", l.ID, l)
		}
	}
	var ids []string
	for _, w := range rep.Workloads {
		ids = append(ids, w.ID)
		for _, c := range w.Cases {
			for _, s := range c.Subjects {
				switch {
				case w.ID == "W6" && s.Name == "rocketstore":
					if s.Unsupported == "" {
						t.Errorf("W6 %s: without broker subjects it should say where to run it", s.Name)
					}
				case s.Unsupported != "":
					if s.Name != "memory" {
						t.Errorf("%s %s %s unsupported: %s", w.ID, c.Name, s.Name, s.Unsupported)
					}
				case !s.Ran():
					t.Errorf("%s %s %s did not run: %s", w.ID, c.Name, s.Name, s.Err)
				case !s.Peer && len(s.Profiles) != 2:
					t.Errorf("%s %s %s: %d profile summaries, want cpu and heap", w.ID, c.Name, s.Name, len(s.Profiles))
				}
				if w.ID == "W4" && s.Ran() && s.Extra["lost"] != 0 {
					t.Errorf("W4 %s %s lost %v acknowledged records", c.Name, s.Name, s.Extra["lost"])
				}
			}
		}
	}
	if got := strings.Join(ids, ","); got != "W1,W2,W3,W4,W5,W6,W7,W8,W9" {
		t.Errorf("workloads %s", got)
	}
	text, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"W1", "W7", "rocketstore", "memory", "keeps nothing across a reopen", "See also: packages.", "rocketstore, own client"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("BENCHMARKS.md lacks %q", want)
		}
	}
	if left := mustReadDir(t, parent); len(left) != 0 {
		t.Errorf("data left behind: %v", left)
	}
}
