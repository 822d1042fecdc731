package bench

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rocketstore/rocketstore/bench/report"
)

// durableWriters is W2's number of concurrent appenders.
const durableWriters = 64

func w1(engines []Engine) Workload {
	w := Workload{
		ID:    "W1",
		Title: "Async append, one writer",
		About: "One goroutine appends records without waiting for the disk (each engine's no-fsync mode). " +
			"The same number of records for every engine: 1 GiB of payload, at most 2 M records. " +
			"One untimed append first (engines create their first file); sync(2) before the clock starts; Close is not timed.",
	}
	for _, size := range appendSizes {
		c := Case{
			Name:       sizeName(size),
			Params:     []report.Param{{Name: "record", Value: sizeName(size)}, {Name: "writers", Value: "1"}},
			Unit:       "msgs/s",
			RecordSize: size,
			Limit:      LimitMemcpy(size),
		}
		if size == 1<<10 {
			c.Target = &Target{Text: "rocketstore ≥ 2× the best peer and ≥ 50% of the memcpy limit (median of 5)", Check: checkW1}
			c.Reps = 5
		}
		for _, e := range engines {
			c.Subjects = append(c.Subjects, logSubject(e, w.ID, func(env *Env, l Log) (Sample, error) {
				return appendLoop(env, l, size)
			}, false))
		}
		w.Cases = append(w.Cases, c)
	}
	return w
}

// logSubject makes a subject of engine e that opens the engine in the run's
// directory, makes one untimed append, runs fn and closes the engine.
func logSubject(e Engine, workload string, fn func(env *Env, l Log) (Sample, error), durable bool) Subject {
	s := Subject{Name: e.Name, Peer: e.Peer, Config: e.Config, Unsupported: e.Unsupported[workload]}
	if s.Unsupported != "" {
		return s
	}
	s.Run = func(env *Env) (Sample, error) {
		l, err := e.Open(env.Dir, openOptions(env, durable))
		if err != nil {
			return Sample{}, err
		}
		defer l.Close()
		return fn(env, l)
	}
	return s
}

func appendLoop(env *Env, l Log, size int) (Sample, error) {
	n := appendCount(env, size)
	record := Record(size, 0)
	if err := l.Append(record); err != nil { // warm-up
		return Sample{}, err
	}
	settle()
	env.StartTimer()
	done := 0
	for ; done < n && (done%1024 != 0 || !env.OverBudget()); done++ {
		if err := l.Append(record); err != nil {
			return Sample{}, err
		}
	}
	env.StopTimer()
	return budgeted(done, n, size), nil
}

func w2(engines []Engine) Workload {
	const size = 1 << 10
	w := Workload{
		ID:    "W2",
		Title: "Durable append, 64 writers",
		About: fmt.Sprintf("%d goroutines append 1 KiB records, each waiting until its record is durable (fsynced, alone or in a group commit) "+
			"before the next, for a fixed time; latency is one acknowledged append.", durableWriters),
	}
	c := Case{
		Name:         "1KiB",
		Params:       []report.Param{{Name: "record", Value: "1KiB"}, {Name: "writers", Value: fmt.Sprint(durableWriters)}, {Name: "duration", Value: "5s"}},
		Unit:         "msgs/s",
		RecordSize:   size,
		Limit:        LimitWriteFdatasync,
		LatencyLimit: LimitFdatasync,
		Latency:      true,
		Target:       &Target{Text: "rocketstore ≥ the best peer's throughput, p99 ≤ 2× the fdatasync-4KiB p99", Check: checkW2},
	}
	for _, e := range engines {
		c.Subjects = append(c.Subjects, logSubject(e, w.ID, func(env *Env, l Log) (Sample, error) {
			return durableLoop(env, l, size, env.Duration(5*time.Second, 100*time.Millisecond))
		}, true))
	}
	w.Cases = append(w.Cases, c)
	return w
}

func durableLoop(env *Env, l Log, size int, d time.Duration) (Sample, error) {
	record := Record(size, 0)
	if err := l.Append(record); err != nil { // warm-up
		return Sample{}, err
	}
	settle()
	var (
		done     atomic.Int64
		stop     atomic.Bool
		failOnce sync.Once
		failure  error
		wg       sync.WaitGroup
	)
	env.StartTimer()
	for range durableWriters {
		wg.Go(func() {
			for !stop.Load() {
				start := time.Now()
				if err := l.Append(record); err != nil {
					failOnce.Do(func() { failure = err })
					stop.Store(true)
					return
				}
				env.RecordLatency(time.Since(start))
				done.Add(1)
			}
		})
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	env.StopTimer()
	if failure != nil {
		return Sample{}, failure
	}
	return Sample{Ops: done.Load(), Bytes: done.Load() * int64(size)}, nil
}

func w3(engines []Engine) Workload {
	const size = 1 << 10
	w := Workload{
		ID:    "W3",
		Title: "Read back by sequence number",
		About: "Records of 1 KiB are appended (untimed), then read back one by one by their sequence number (queue offset), " +
			"in order or in a random permutation; every read is checked against what was written. " +
			"The data was just written, so it is in the page cache: this measures the read paths, not the disk.",
	}
	for _, random := range []bool{false, true} {
		name := "sequential"
		if random {
			name = "random"
		}
		c := Case{
			Name:       name,
			Params:     []report.Param{{Name: "record", Value: "1KiB"}, {Name: "records", Value: "500k"}, {Name: "order", Value: name}},
			Unit:       "msgs/s",
			RecordSize: size,
			Limit:      LimitPageCacheRead,
		}
		for _, e := range engines {
			c.Subjects = append(c.Subjects, logSubject(e, w.ID, func(env *Env, l Log) (Sample, error) {
				return readBack(env, l, size, env.Count(500_000, 1000), random)
			}, false))
		}
		w.Cases = append(w.Cases, c)
	}
	return w
}

// readBack appends n distinct records, then reads them all back and checks
// each.
func readBack(env *Env, l Log, size, n int, random bool) (Sample, error) {
	if err := appendVariants(l, size, n); err != nil {
		return Sample{}, err
	}
	variants := recordVariants(size)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	if random {
		shuffle(order)
	}
	settle()
	env.StartTimer()
	done := 0
	for _, seq := range order {
		if done%1024 == 0 && env.OverBudget() {
			break
		}
		done++
		got, err := l.ReadAt(int(seq))
		if err != nil {
			return Sample{}, err
		}
		if !bytes.Equal(got, variants[int(seq)%len(variants)]) {
			return Sample{}, fmt.Errorf("record %d read back wrong (%d bytes)", seq, len(got))
		}
	}
	env.StopTimer()
	return budgeted(done, n, size), nil
}

// budgeted is the sample of a run that did done of n operations on records
// of size bytes; one stopped by its budget says how far it got.
func budgeted(done, n, size int) Sample {
	s := Sample{Ops: int64(done), Bytes: int64(done * size)}
	if done < n {
		s.Extra = map[string]float64{"% done in budget": 100 * float64(done) / float64(n)}
	}
	return s
}

// shuffle permutes s with a fixed seed, so every engine reads the same order.
func shuffle(s []int32) {
	x := uint64(88172645463325252)
	for i := len(s) - 1; i > 0; i-- {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		j := int(x % uint64(i+1))
		s[i], s[j] = s[j], s[i]
	}
}
