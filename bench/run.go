package bench

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/bench/internal/progress"
	"github.com/rocketstore/rocketstore/bench/internal/sysinfo"
	"github.com/rocketstore/rocketstore/bench/report"
)

// Config sets up a suite run.
type Config struct {
	// Dir is where run directories are made (each removed after its run).
	// It should be on the disk under test. Default os.TempDir().
	Dir string
	// Smoke shrinks every count and duration to a few milliseconds' worth,
	// so CI can run the whole suite to check it still works.
	Smoke bool
	// Reps is how many times each subject runs each case. Default 3 (1 in a
	// smoke run).
	Reps int
	// Scale multiplies the counts and durations of a full run. Default 1.
	Scale float64
	// Only, when not empty, runs just these workload IDs ("W1", "W3").
	Only []string
	// ProfileDir, when set, receives a CPU and a heap profile of each
	// subject's last repetition of each case; the report lists their top
	// functions.
	ProfileDir string
	// Progress receives the progress display (a bar on a terminal, lines
	// otherwise). Nil is silent.
	Progress io.Writer
	// Command is the command line to print in the report.
	Command string
	// Budget bounds the timed part of one run where the workload can stop
	// early (Env.OverBudget). Default 15 s.
	Budget time.Duration
}

func (c *Config) budget() time.Duration {
	if c.Budget > 0 {
		return c.Budget
	}
	return 15 * time.Second
}

func (c *Config) reps() int {
	switch {
	case c.Reps > 0:
		return c.Reps
	case c.Smoke:
		return 1
	}
	return 3
}

func (c *Config) wants(id string) bool {
	return len(c.Only) == 0 || slices.ContainsFunc(c.Only, func(o string) bool { return strings.EqualFold(o, id) })
}

// Run measures the limits, then every case of every workload, and returns
// the report. A subject that fails or panics is reported as failed; the
// other subjects still run.
func Run(cfg Config, limits []Limit, workloads []Workload) (*report.Report, error) {
	if cfg.Dir == "" {
		cfg.Dir = os.TempDir()
	}
	base, err := os.MkdirTemp(cfg.Dir, "rocketstore-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(base)
	if cfg.ProfileDir != "" {
		if err := os.MkdirAll(cfg.ProfileDir, 0o755); err != nil {
			return nil, err
		}
	}
	r := &runner{cfg: cfg, base: base, reps: cfg.reps()}
	workloads = slices.DeleteFunc(slices.Clone(workloads), func(w Workload) bool { return !cfg.wants(w.ID) })
	r.bar = progress.New(progressWriter(cfg.Progress), r.countSteps(limits, workloads))

	rep := &report.Report{
		Machine: sysinfo.Describe(base),
		Command: cfg.Command,
		Started: time.Now(),
		Smoke:   cfg.Smoke,
		Reps:    r.reps,
	}
	for _, l := range limits {
		rep.Limits = append(rep.Limits, r.limit(l))
	}
	for _, w := range workloads {
		wr := report.WorkloadResult{ID: w.ID, Title: w.Title, About: w.About}
		for _, c := range w.Cases {
			wr.Cases = append(wr.Cases, r.runCase(w, c, rep.Limits))
		}
		rep.Workloads = append(rep.Workloads, wr)
	}
	r.bar.Finish()
	rep.Seconds = time.Since(rep.Started).Seconds()
	return rep, nil
}

func progressWriter(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// runner carries a suite run's state.
type runner struct {
	cfg  Config
	base string
	reps int
	bar  *progress.Bar
}

func (r *runner) countSteps(limits []Limit, workloads []Workload) int {
	n := len(limits) * (r.reps + 1) // each limit has a warm-up run
	for _, w := range workloads {
		for _, c := range w.Cases {
			for _, s := range c.Subjects {
				if s.Unsupported == "" {
					n += c.reps(r.reps)
				}
			}
		}
	}
	return n
}

// outcome is what one run of a subject gave.
type outcome struct {
	sample  Sample
	elapsed time.Duration
	env     *Env
	err     error
}

func (o outcome) rate() float64 { return float64(o.sample.Ops) / o.elapsed.Seconds() }
func (o outcome) mbps() float64 { return float64(o.sample.Bytes) / o.elapsed.Seconds() / 1e6 }

// once runs fn in a fresh directory with the given hooks and removes the
// directory afterwards.
func (r *runner) once(name string, fn func(*Env) (Sample, error), profile string) (o outcome) {
	dir, err := os.MkdirTemp(r.base, fileName(name)+"-")
	if err != nil {
		return outcome{err: err}
	}
	defer os.RemoveAll(dir)
	env := &Env{Dir: dir, Smoke: r.cfg.Smoke, Scale: r.cfg.Scale, Budget: r.cfg.budget(), hist: newLatencyHistogram()}
	var prof *profiler
	if profile != "" {
		prof = &profiler{base: filepath.Join(r.cfg.ProfileDir, profile)}
		env.onStart, env.onStop = prof.start, prof.stop
	}
	defer func() {
		if p := recover(); p != nil {
			o = outcome{err: fmt.Errorf("panic: %v", p)}
		}
		env.StopTimer() // a failed run may leave the timer or a profile running
	}()
	// Every run starts from a collected heap, as testing.B's do, so that
	// garbage an earlier subject left (pebble's memtables) is not collected
	// on the next one's time.
	runtime.GC()
	sample, err := fn(env)
	env.StopTimer()
	o = outcome{sample: sample, elapsed: env.elapsed, env: env, err: err}
	if err == nil && env.elapsed <= 0 {
		o.err = errors.New("the run measured nothing: StartTimer was never called")
	}
	if err == nil && prof != nil {
		o.err = prof.err
	}
	return o
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9.]+`)

// fileName turns a label into something safe in a file name.
func fileName(label string) string {
	return strings.Trim(strings.ToLower(unsafeName.ReplaceAllString(label, "-")), "-")
}

func (r *runner) limit(l Limit) report.LimitResult {
	res := report.LimitResult{ID: l.ID, Title: l.Title, About: l.About}
	var mbps []float64
	hist := newLatencyHistogram()
	// One untimed run first: the first touch of memory the process (or a
	// virtual machine) has never used costs many times a later one, and
	// the limits are meant as the machine's steady state.
	r.bar.Begin(fmt.Sprintf("limit %s warm-up", l.ID))
	if o := r.once("limit-"+l.ID, l.Run, ""); o.err != nil {
		res.Err = o.err.Error()
		r.bar.End("failed: " + res.Err)
		return res
	}
	r.bar.End("done")
	for rep := range r.reps {
		label := fmt.Sprintf("limit %s rep %d/%d", l.ID, rep+1, r.reps)
		r.bar.Begin(label)
		o := r.once("limit-"+l.ID, l.Run, "")
		if o.err != nil {
			res.Err = o.err.Error()
			r.bar.End("failed: " + res.Err)
			return res
		}
		mbps = append(mbps, o.mbps())
		hist.Merge(o.env.hist)
		r.bar.End(fmt.Sprintf("%.0f MB/s", o.mbps()))
	}
	res.MBps = report.Summarize(mbps)
	res.Latency = latencyOf(hist)
	return res
}

func (r *runner) runCase(w Workload, c Case, limits []report.LimitResult) report.CaseResult {
	res := report.CaseResult{Name: c.Name, Params: c.Params, Unit: c.Unit, RecordSize: c.RecordSize, Limit: c.Limit}
	applyLimits(&res, &c, limits)
	subjects := make([]subjectRuns, len(c.Subjects))
	for i, s := range c.Subjects {
		subjects[i] = subjectRuns{Subject: s, hist: newLatencyHistogram(), extra: map[string][]float64{}}
	}
	reps := c.reps(r.reps)
	res.Reps = reps
	for rep := range reps {
		// Rotate the order so no subject always runs first.
		for k := range subjects {
			s := &subjects[(k+rep)%len(subjects)]
			if s.Unsupported != "" || s.err != nil {
				continue
			}
			label := fmt.Sprintf("%s %s %s rep %d/%d", w.ID, c.Name, s.Name, rep+1, reps)
			r.bar.Begin(label)
			profile := ""
			if r.cfg.ProfileDir != "" && rep == reps-1 {
				profile = fileName(fmt.Sprintf("%s-%s-%s", w.ID, c.Name, s.Name))
			}
			o := r.once(label, s.Run, profile)
			if o.err != nil {
				s.err = o.err
				r.bar.End("failed: " + o.err.Error())
				continue
			}
			s.add(o)
			if profile != "" {
				s.profiles = summarizeProfiles(filepath.Join(r.cfg.ProfileDir, profile))
			}
			r.bar.End(humanRate(o.rate()) + " " + c.Unit)
		}
	}
	for _, s := range subjects {
		res.Subjects = append(res.Subjects, s.result(c.Latency))
	}
	if c.Target != nil {
		met, detail := c.Target.Check(&res)
		res.Target = &report.TargetResult{Text: c.Target.Text, Met: met, Detail: detail}
	}
	return res
}

// applyLimits fills in what res compares with among the limits measured
// in the same run.
func applyLimits(res *report.CaseResult, c *Case, limits []report.LimitResult) {
	for _, l := range limits {
		// A limit is what the machine can do at best, and noise only
		// ever slows a run: its best repetition is the closest to the
		// ceiling, and the strictest to compare with.
		if l.ID == c.Limit && c.RecordSize > 0 && l.MBps.Max > 0 {
			res.LimitRate = l.MBps.Max * 1e6 / float64(c.RecordSize)
		}
		if l.ID == c.LatencyLimit && c.LatencyLimit != "" && l.Latency != nil {
			res.LatencyLimitP99 = l.Latency.P99
		}
	}
}

// humanRate prints a rate with three significant digits and a k/M suffix.
func humanRate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.3g", v)
}
