package report

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func renderSample(t *testing.T) (md string, names []string, dir string) {
	t.Helper()
	r := sampleReport()
	dir = t.TempDir()
	names, err := WriteCharts(r, dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r, MarkdownOptions{ChartDir: "bench/results/charts", JSONPath: "bench/results/report.json"}); err != nil {
		t.Fatal(err)
	}
	return buf.String(), names, dir
}

func TestMarkdownLinksExactlyTheChartsWritten(t *testing.T) {
	md, names, dir := renderSample(t)
	want := []string{"w1-throughput.svg", "w1-1kib-latency.svg", "w2-throughput.svg", "w2-1kib-latency.svg", "w2-4kib-latency.svg"}
	// W1 1KiB has no latency; W3 has a single case.
	want = slices.DeleteFunc(want, func(s string) bool { return s == "w1-1kib-latency.svg" })
	if !slices.Equal(names, want) {
		t.Errorf("WriteCharts wrote %q, want %q", names, want)
	}
	for _, n := range names {
		svg, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		svgTexts(t, svg)
	}
	var linked []string
	for _, m := range regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(md, -1) {
		linked = append(linked, m[1])
	}
	var wantLinks []string
	for _, n := range names {
		wantLinks = append(wantLinks, "bench/results/charts/"+n)
	}
	if !slices.Equal(linked, wantLinks) {
		t.Errorf("Markdown links %q, want %q", linked, wantLinks)
	}
}

func TestMarkdownContent(t *testing.T) {
	md, _, _ := renderSample(t)
	for _, want := range []string{
		"# Benchmarks\n",
		"Smoke run: sizes too small to mean anything",
		"do not edit by hand",
		"2026-11-26 05:54 UTC", "took 12m34s", "3 repetitions",
		"```sh\ngo run ./bench/cmd/rocketbench -reps 3 -smoke\n```",
		"[`bench/results/report.json`](bench/results/report.json)",
		"| memory | 16.0 GiB |",
		// Subject rows with their medians and spreads.
		"| **rocketstore** | 300 | (290–310) | 0.3 |",
		"| pebble | 100 | (90–110) | 0.1 |",
		"| tidwall | 80 | (70–85) |",
		"| rosedb | — |", "no async append",
		"| badger | failed |", "failed: disk full",
		"| _limit: memcpy into mmap, 1 KiB_ | 1k |",
		// Extra figures: the union of keys, sorted, as columns.
		"| compactions | send msgs/s | config / notes |",
		"| 123k | async, 1 GiB files |",
		// Ratios: 300 / 100 and 300 / 1000; 1000 / 900 and 1000 / 1250.
		"rocketstore / best peer (pebble): 3.00×; rocketstore / limit: 0.30\n",
		"rocketstore / best peer (pebble): 1.11×; rocketstore / limit: 0.80\n",
		// W2 1KiB has no limit and W3 no peer: only what can be computed.
		"rocketstore / best peer (pebble): 1.20×\n",
		// Targets.
		"| W1 / 1KiB | rocketstore ≥ 2× the best peer | ✅ met | 3.00× pebble |",
		"| W2 / 4KiB | rocketstore ≥ 90% of fdatasync | ❌ missed | 0.80 of the limit |",
		// Limits.
		"| memcpy into mmap, 1 KiB (`memcpy-mmap-1KiB`) | 1 | (0.9–1.1) |",
		"| fdatasync of 4 KiB (`fdatasync-4KiB`) |  |  | 800 µs | 2.5 ms |",
		// Latency columns, with the limit's own latency beside the subjects'.
		"| p50 | p99 | p99.9 | max |",
		"| **rocketstore** | 1k | (950–1.05k) | 1 ms | 3 ms | 10 ms | 30 ms |",
		"| _limit: fdatasync of 4 KiB_ | 1.25k |  | 800 µs | 2.5 ms | 4 ms | 9 ms |",
		"## W1 — Async append, one writer\n\nOne writer appends without waiting for the disk.",
		"### 1KiB\n\nrecord size 1 KiB · writers 1\n",
		// Profiles.
		"<details><summary>Profiles</summary>",
		"**rocketstore**, cpu profile (total 2.5 s, `prof/w1-1kib-rocketstore.cpu.pprof`)",
		"| `runtime.memmove` | 31.2% | 31.2% |",
		"**rocketstore**, heap profile (total 3 MiB)",
		"| recovered records |", "| 1M |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	// The ratio for W3 has nothing to compare with, so no line at all.
	if i := strings.Index(md, "## W3"); i < 0 || strings.Contains(md[i:], "best peer") {
		t.Errorf("W3 section has a ratio line or is missing:\n%s", md[max(i, 0):])
	}
	if t.Failed() {
		t.Logf("Markdown:\n%s", md)
	}
}

func TestMarkdownEscapesCells(t *testing.T) {
	r := &Report{Reps: 1, Workloads: []WorkloadResult{{ID: "W1", Cases: []CaseResult{{Name: "x", Unit: "msgs/s",
		Subjects: []SubjectResult{{Name: "rocketstore", Err: "open a|b:\n<nil>"}}}}}}}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := `failed: open a\|b: &lt;nil&gt; |`; !strings.Contains(buf.String(), want) {
		t.Errorf("Markdown lacks %q:\n%s", want, buf.String())
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"W1": "w1", "1KiB": "1kib", "1 KiB, 4 writers": "1-kib-4-writers", "--x--": "x", "": ""} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
