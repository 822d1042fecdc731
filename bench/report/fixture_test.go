package report

import "time"

// sampleReport is a small report exercising every part of the rendering:
// a log-scale workload (W1) with an unsupported and a failed subject, a
// linear one with latencies and a latency limit (W2), a one-case workload
// with extra figures (W3), a target met and one missed, and profiles.
func sampleReport() *Report {
	rs := func(runs ...float64) SubjectResult {
		return SubjectResult{Name: "rocketstore", Config: "async, 1 GiB files", Rate: Summarize(runs)}
	}
	peer := func(name string, runs ...float64) SubjectResult {
		return SubjectResult{Name: name, Peer: true, Rate: Summarize(runs)}
	}
	withLat := func(s SubjectResult, p50 float64) SubjectResult {
		s.Latency = &Latency{Count: 3000, P50: p50, P99: p50 * 3, P999: p50 * 10, Max: p50 * 30}
		return s
	}

	w1k := rs(290, 300, 310)
	w1k.MBps = Summarize([]float64{0.29, 0.30, 0.31})
	w1k.Extra = map[string]float64{"send msgs/s": 123456}
	w1k.Profiles = []ProfileSummary{
		{Kind: "cpu", File: "prof/w1-1kib-rocketstore.cpu.pprof", Unit: "nanoseconds", Total: 2_500_000_000,
			Top: []FuncCost{{Func: "runtime.memmove", Flat: 0.312, Cum: 0.312}, {Func: "rocketstore/commitlog.(*Log).Append", Flat: 0.05, Cum: 0.456}}},
		{Kind: "heap", Unit: "bytes", Total: 3 << 20, Top: []FuncCost{{Func: "bytes.growSlice", Flat: 0.9, Cum: 0.9}}},
	}
	pebble1k := peer("pebble", 100, 90, 110)
	pebble1k.MBps = Summarize([]float64{0.1, 0.09, 0.11})
	pebble1k.Extra = map[string]float64{"compactions": 4}

	return &Report{
		Machine: Machine{OS: "linux", Arch: "amd64", Kernel: "6.8.0", CPU: "Test CPU @ 3 GHz", Cores: 8,
			MemBytes: 16 << 30, GoVersion: "go1.26.0", FileSystem: "ext4", Dir: "/tmp/bench"},
		Command: "go run ./bench/cmd/rocketbench -reps 3 -smoke",
		Started: time.Date(2026, 11, 26, 5, 54, 0, 0, time.UTC),
		Seconds: 754,
		Smoke:   true,
		Reps:    3,
		Limits: []LimitResult{
			{ID: "memcpy-mmap-1KiB", Title: "memcpy into mmap, 1 KiB", About: "copying 1 KiB records into a mapped file",
				MBps: Summarize([]float64{1.0, 0.9, 1.1})},
			{ID: "fdatasync-4KiB", Title: "fdatasync of 4 KiB", About: "write then fdatasync",
				Latency: &Latency{Count: 1000, P50: 800, P99: 2500, P999: 4000, Max: 9000}},
		},
		Workloads: []WorkloadResult{
			{ID: "W1", Title: "Async append, one writer", About: "One writer appends without waiting for the disk.",
				Cases: []CaseResult{
					{Name: "128B", Unit: "msgs/s", RecordSize: 128,
						Params: []Param{{"record size", "128 B"}, {"writers", "1"}},
						Subjects: []SubjectResult{rs(5000, 5200, 4800), peer("pebble", 100, 95, 105),
							{Name: "rosedb", Peer: true, Unsupported: "no async append"}}},
					{Name: "1KiB", Unit: "msgs/s", RecordSize: 1024, Limit: "memcpy-mmap-1KiB", LimitRate: 1000,
						Params: []Param{{"record size", "1 KiB"}, {"writers", "1"}},
						Subjects: []SubjectResult{w1k, pebble1k, peer("tidwall", 80, 70, 85),
							{Name: "rosedb", Peer: true, Unsupported: "no async append"},
							{Name: "badger", Peer: true, Err: "disk full"}},
						Target: &TargetResult{Text: "rocketstore ≥ 2× the best peer", Met: true, Detail: "3.00× pebble"}},
				}},
			{ID: "W2", Title: "Sync append", About: "Every append waits for fdatasync.",
				Cases: []CaseResult{
					{Name: "1KiB", Unit: "msgs/s", RecordSize: 1024,
						Subjects: []SubjectResult{withLat(rs(1200, 1100, 1300), 800), withLat(peer("pebble", 1000, 900, 1100), 950)}},
					{Name: "4KiB", Unit: "msgs/s", RecordSize: 4096, Limit: "fdatasync-4KiB", LimitRate: 1250,
						Subjects: []SubjectResult{withLat(rs(1000, 950, 1050), 1000), withLat(peer("pebble", 900, 850, 950), 1100)},
						Target:   &TargetResult{Text: "rocketstore ≥ 90% of fdatasync", Met: false, Detail: "0.80 of the limit"}},
				}},
			{ID: "W3", Title: "Recovery", About: "Reopen after a crash.",
				Cases: []CaseResult{
					{Name: "reopen", Unit: "records/s",
						Subjects: []SubjectResult{{Name: "rocketstore", Rate: Summarize([]float64{2e6, 2.1e6, 1.9e6}),
							Extra: map[string]float64{"recovered records": 1e6}}}},
				}},
		},
	}
}
