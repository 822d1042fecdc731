// Package report holds the results of a benchmark suite run and renders
// them: JSON for machines, Markdown with SVG charts for BENCHMARKS.md.
package report

import "time"

// Report is everything one suite run measured; it is written as JSON and
// rendered as Markdown.
type Report struct {
	Machine   Machine          `json:"machine"`
	Command   string           `json:"command"`
	Started   time.Time        `json:"started"`
	Seconds   float64          `json:"seconds"`
	Smoke     bool             `json:"smoke"`
	Reps      int              `json:"reps"`
	Limits    []LimitResult    `json:"limits"`
	Workloads []WorkloadResult `json:"workloads"`
}

// Machine describes where the run happened.
type Machine struct {
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	Kernel    string `json:"kernel"`
	CPU       string `json:"cpu"`
	Cores     int    `json:"cores"`
	MemBytes  uint64 `json:"memBytes"`
	GoVersion string `json:"goVersion"`
	// FileSystem is the type of the file system holding the run's files.
	FileSystem string `json:"fileSystem"`
	Dir        string `json:"dir"`
}

// Summary is the median, minimum and maximum of a figure over repetitions.
type Summary struct {
	Median float64   `json:"median"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Runs   []float64 `json:"runs"`
}

// Latency holds percentiles in microseconds, merged over every repetition.
type Latency struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

// LimitResult is one physical limit of the machine, measured in the run.
type LimitResult struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	About string `json:"about"`
	// Bandwidth in MB/s (10^6 bytes) over the repetitions; zero for a pure
	// latency limit.
	MBps    Summary  `json:"mbps"`
	Latency *Latency `json:"latency,omitempty"`
	Err     string   `json:"err,omitempty"`
}

// WorkloadResult is one workload's cases.
type WorkloadResult struct {
	ID    string       `json:"id"`
	Title string       `json:"title"`
	About string       `json:"about"`
	Cases []CaseResult `json:"cases"`
}

// CaseResult is one table: every subject's figures on one case.
type CaseResult struct {
	Name       string  `json:"name"`
	Params     []Param `json:"params"`
	Unit       string  `json:"unit"`
	RecordSize int     `json:"recordSize"`
	Limit      string  `json:"limit,omitempty"`
	// LimitRate is the limit's bandwidth converted to Unit: its best
	// repetition, the closest to the machine's ceiling.
	LimitRate float64         `json:"limitRate,omitempty"`
	Subjects  []SubjectResult `json:"subjects"`
	Target    *TargetResult   `json:"target,omitempty"`
	// LatencyLimitP99 is the p99 in µs of the case's latency limit (its
	// best repetition's histogram merged, as the limit row shows), when the
	// case names one.
	LatencyLimitP99 float64 `json:"latencyLimitP99,omitempty"`
	// Reps is how many times the case ran (the suite's count unless the
	// case sets its own); 0 in reports from before it was recorded.
	Reps int `json:"reps,omitempty"`
}

// SubjectResult is one subject's figures on one case.
type SubjectResult struct {
	Name        string `json:"name"`
	Peer        bool   `json:"peer"`
	Config      string `json:"config,omitempty"`
	Unsupported string `json:"unsupported,omitempty"`
	Err         string `json:"err,omitempty"`
	// Rate is Ops per second (the case's unit); MBps is payload bytes.
	Rate    Summary            `json:"rate"`
	MBps    Summary            `json:"mbps"`
	Latency *Latency           `json:"latency,omitempty"`
	Extra   map[string]float64 `json:"extra,omitempty"`
	// Profiles summarise a CPU and a heap profile of the last repetition.
	Profiles []ProfileSummary `json:"profiles,omitempty"`
}

// Ran reports whether the subject produced figures.
func (s *SubjectResult) Ran() bool { return s.Unsupported == "" && s.Err == "" && len(s.Rate.Runs) > 0 }

// TargetResult is a target's verdict.
type TargetResult struct {
	Text   string `json:"text"`
	Met    bool   `json:"met"`
	Detail string `json:"detail"`
}

// ProfileSummary is the top of one profile.
type ProfileSummary struct {
	Kind  string     `json:"kind"`  // "cpu" or "heap"
	File  string     `json:"file"`  // where the profile was written
	Unit  string     `json:"unit"`  // "nanoseconds", "bytes"
	Total int64      `json:"total"` // sum of the sample value
	Top   []FuncCost `json:"top"`
}

// FuncCost is one function's share of a profile.
type FuncCost struct {
	Func string  `json:"func"`
	Flat float64 `json:"flat"` // fraction of Total spent in the function itself
	Cum  float64 `json:"cum"`  // fraction spent in it and what it calls
}

// Param is one parameter of a case, as shown in the report.
type Param struct{ Name, Value string }
