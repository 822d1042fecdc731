package bench

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rocketstore/rocketstore/bench/report"
)

// Main runs the suite from command-line arguments (without the program
// name) over the given engines and broker subjects, writes the outputs and
// returns the exit code. It is `rocketstore bench` in the main module, and
// the whole suite with peers in bench/peers.
func Main(args []string, stdout, stderr io.Writer, engines []Engine, brokers []Subject) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg      Config
		only     = fs.String("only", "", "comma-separated workload IDs to run (default: all), e.g. W1,W3")
		jsonPath = fs.String("json", "", "write the raw results as JSON to this file")
		mdPath   = fs.String("md", "", "write the Markdown report to this file (default: standard output)")
		charts   = fs.String("charts", "", "directory for the SVG charts (default: charts/ beside the -md file; none without -md)")
		quiet    = fs.Bool("quiet", false, "no progress display")
		strict   = fs.Bool("strict", false, "exit with status 1 when any limit or subject fails (CI)")
		footer   = fs.String("footer", "", "Markdown text to append to the report")
		command  = fs.String("command", "", "the command to print in the report as the way to reproduce it (default: this command line)")
		render   = fs.String("render", "", "run nothing: write the report of an earlier run from its -json file, its targets judged as the suite now defines them")
	)
	fs.StringVar(&cfg.Dir, "dir", "", "directory for the data files, on the disk under test (default: the system's temporary directory)")
	fs.BoolVar(&cfg.Smoke, "smoke", false, "tiny sizes: checks that every workload runs, measures nothing")
	fs.IntVar(&cfg.Reps, "reps", 0, "repetitions of every case (default 3, smoke 1)")
	fs.Float64Var(&cfg.Scale, "scale", 1, "multiply record counts and durations")
	fs.StringVar(&cfg.ProfileDir, "profile", "", "write a CPU and a heap profile of each subject's last repetition here, and list their top functions in the report")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bench [flags]\n\nRuns the benchmark workloads W1–W9 and the machine's limits, and writes a report.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *only != "" {
		cfg.Only = strings.Split(*only, ",")
	}
	if !*quiet {
		cfg.Progress = stderr
	}
	cfg.Command = *command
	if cfg.Command == "" {
		cfg.Command = commandLine()
	}
	var rep *report.Report
	var err error
	if *render != "" {
		if rep, err = readReport(*render); err == nil {
			Rejudge(rep, Workloads(engines, brokers))
		}
	} else {
		rep, err = Run(cfg, Limits(), Workloads(engines, brokers))
		if rerr := RemoveBuiltBinaries(); rerr != nil { // the servers W6, W8 and W9 built and ran
			fmt.Fprintln(stderr, "bench:", rerr)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if err := writeOutputs(rep, stdout, *jsonPath, *mdPath, *charts, *footer); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if failures := failures(rep); *strict && len(failures) > 0 {
		fmt.Fprintln(stderr, "bench: failed:\n  "+strings.Join(failures, "\n  "))
		return 1
	}
	return 0
}

// failures lists every limit and subject of rep that failed.
func failures(rep *report.Report) []string {
	var out []string
	for _, l := range rep.Limits {
		if l.Err != "" {
			out = append(out, fmt.Sprintf("limit %s: %s", l.ID, l.Err))
		}
	}
	for _, w := range rep.Workloads {
		for _, c := range w.Cases {
			for _, s := range c.Subjects {
				if s.Err != "" {
					out = append(out, fmt.Sprintf("%s %s %s: %s", w.ID, c.Name, s.Name, s.Err))
				}
			}
		}
	}
	return out
}

// commandLine is how the process was started, without the program's path.
func commandLine() string {
	return strings.Join(append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...), " ")
}

func writeOutputs(rep *report.Report, stdout io.Writer, jsonPath, mdPath, charts, footer string) error {
	if jsonPath != "" {
		var buf bytes.Buffer
		if err := rep.WriteJSON(&buf); err != nil {
			return err
		}
		if err := writeFile(jsonPath, buf.Bytes()); err != nil {
			return err
		}
	}
	if mdPath == "" {
		return report.WriteMarkdown(stdout, rep, report.MarkdownOptions{NoCharts: true, Footer: footer})
	}
	opts := report.MarkdownOptions{Footer: footer}
	if charts == "" {
		charts = filepath.Join(filepath.Dir(mdPath), "charts")
	}
	if _, err := report.WriteCharts(rep, charts); err != nil {
		return err
	}
	rel, err := filepath.Rel(filepath.Dir(mdPath), charts)
	if err != nil {
		return err
	}
	opts.ChartDir = filepath.ToSlash(rel)
	if jsonPath != "" {
		if opts.JSONPath, err = filepath.Rel(filepath.Dir(mdPath), jsonPath); err != nil {
			return err
		}
		opts.JSONPath = filepath.ToSlash(opts.JSONPath)
	}
	var buf bytes.Buffer
	if err := report.WriteMarkdown(&buf, rep, opts); err != nil {
		return err
	}
	return writeFile(mdPath, buf.Bytes())
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
