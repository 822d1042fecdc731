package bench

import (
	"fmt"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/rocketstore/rocketstore/bench/report"
)

// Workload is a named family of cases (W1 async append: 128 B, 1 KiB, 4 KiB).
type Workload struct {
	ID    string // "W1"
	Title string // "Async append, one writer"
	// About says what is measured and how, in a sentence or two.
	About string
	Cases []Case
}

// Case is one table of the report: the same measurement for every subject.
type Case struct {
	Name   string         // "1KiB", "sequential"
	Params []report.Param // shown above the table
	// Unit names what Sample.Ops counts per second: "msgs/s", "records/s".
	Unit string
	// RecordSize converts a bandwidth limit into Unit (bytes per op).
	RecordSize int
	// Limit is the ID of the limit this case is compared with ("" for none).
	Limit string
	// Latency says whether subjects record latencies (Env.RecordLatency).
	Latency bool
	// Target, if set, is the goal the report checks this case against.
	Target *Target
	// Subjects are the systems measured; the first non-peer is rocketstore.
	Subjects []Subject
	// LatencyLimit, when set, names the limit whose p99 the target compares
	// with (W2: one 4 KiB write + fdatasync, the least a durable append can
	// wait); the report records that p99 with the case.
	LatencyLimit string
	// Reps, when above zero, is how many times this case runs whatever the
	// suite's count: a target judged on a median of five (W1 1 KiB) gets
	// five without making every case pay for them.
	Reps int
	// MaxReps, when above zero, caps the repetitions of this case: a case
	// that takes minutes (W9's 20 GiB backlog) runs once.
	MaxReps int
}

// reps is how many times the case runs in a suite of reps repetitions.
func (c *Case) reps(reps int) int {
	if c.Reps > 0 {
		reps = c.Reps
	}
	if c.MaxReps > 0 {
		return min(reps, c.MaxReps)
	}
	return reps
}

// Target is a goal stated for a case: Check judges the measured subjects.
type Target struct {
	Text  string // "rocketstore ≥ 2× the best peer and ≥ 50% of the memcpy limit"
	Check func(c *report.CaseResult) (met bool, detail string)
}

// Subject is one system measured on a case.
type Subject struct {
	Name   string
	Peer   bool
	Config string // how it is set up, in a few words
	// Unsupported, when set, is why the subject cannot run this case; Run is
	// then nil and the report prints the reason.
	Unsupported string
	Run         func(env *Env) (Sample, error)
}

// Sample is what one run of a subject measured between StartTimer and
// StopTimer.
type Sample struct {
	Ops   int64 // operations (messages, records) completed
	Bytes int64 // payload bytes they carried (the caller's record bytes only)
	// Extra holds further figures of the run (recovered records, CPU
	// seconds); the report shows their medians.
	Extra map[string]float64
}

// Env is what a subject's run gets from the runner.
type Env struct {
	// Dir is a fresh directory of this run, removed afterwards.
	Dir string
	// Smoke is set for the tiny CI sizes: subjects shrink files and counts.
	Smoke bool
	// Scale multiplies counts and durations of a full run; smoke runs use
	// their own tiny sizes.
	Scale float64

	// Budget bounds the timed part of a run: loops that can stop early
	// check OverBudget and report what they did by then. Zero: no bound.
	Budget time.Duration

	mu      sync.Mutex // guards hist
	hist    *hdrhistogram.Histogram
	start   time.Time
	elapsed time.Duration
	running bool
	onStart func()
	onStop  func()
}

// StartTimer starts the measured part of the run (and the CPU profile, when
// profiles are asked for). Call it once.
func (e *Env) StartTimer() {
	if e.running {
		return
	}
	if e.onStart != nil {
		e.onStart()
	}
	e.running = true
	e.start = time.Now()
}

// StopTimer ends the measured part of the run.
func (e *Env) StopTimer() {
	if !e.running {
		return
	}
	e.elapsed = time.Since(e.start)
	e.running = false
	if e.onStop != nil {
		e.onStop()
	}
}

// OverBudget reports whether the timed part has run longer than Budget. An
// engine whose reads are far slower than the rest would otherwise hold the
// whole suite up; its figure is still its rate over the time it ran.
func (e *Env) OverBudget() bool {
	return e.Budget > 0 && e.running && time.Since(e.start) > e.Budget
}

// RecordLatency adds one operation's latency to the run's histogram. It is
// safe for concurrent use; the lock costs nanoseconds against operations
// that wait for a disk or a network.
func (e *Env) RecordLatency(d time.Duration) {
	e.mu.Lock()
	if e.hist == nil {
		e.hist = newLatencyHistogram()
	}
	recordLatency(e.hist, d)
	e.mu.Unlock()
}

// recordLatency adds d to h in µs. A latency outside h's range (above a
// minute) is counted at its top rather than dropped, so that p99 and max
// never hide it; clamped so, RecordValue cannot fail, and a failure would
// be a histogram built with another range: a bug, said loudly.
func recordLatency(h *hdrhistogram.Histogram, d time.Duration) {
	us := max(h.LowestTrackableValue(), min(d.Microseconds(), h.HighestTrackableValue()))
	if err := h.RecordValue(us); err != nil {
		panic(fmt.Sprintf("bench: latency %v not recordable in [%d, %d] µs: %v", d, h.LowestTrackableValue(), h.HighestTrackableValue(), err))
	}
}

// Count scales a full-run count n, keeping it at least smoke in a smoke run.
func (e *Env) Count(n, smoke int) int {
	if e.Smoke {
		return smoke
	}
	if e.Scale > 0 {
		n = int(float64(n) * e.Scale)
	}
	return max(n, 1)
}

// Duration scales a full-run duration d, or gives smoke in a smoke run.
func (e *Env) Duration(d, smoke time.Duration) time.Duration {
	if e.Smoke {
		return smoke
	}
	if e.Scale > 0 {
		d = time.Duration(float64(d) * e.Scale)
	}
	return d
}

// newLatencyHistogram records 1 µs to 60 s with 3 significant digits.
func newLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(time.Minute/time.Microsecond), 3)
}
