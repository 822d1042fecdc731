package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/rocketstore/rocketstore/bench/report"
)

func w4(engines []Engine) Workload {
	const size = 1 << 10
	w := Workload{
		ID:    "W4",
		Title: "Reopen",
		About: "500 k records of 1 KiB are appended (untimed), then the writer goes away: by a clean Close, or by SIGKILL " +
			"of a child process that appended them (every append had returned). The clock runs from Open until the last " +
			"record has been read back and checked: recovery plus whatever the engine must rebuild to find a record by its " +
			"sequence number. \"lost\" counts acknowledged records that did not come back.",
	}
	for _, killed := range []bool{false, true} {
		name := "clean close"
		if killed {
			name = "killed writer"
		}
		c := Case{
			Name:       name,
			Params:     []report.Param{{Name: "record", Value: "1KiB"}, {Name: "records", Value: "500k"}, {Name: "writer", Value: name}},
			Unit:       "records/s",
			RecordSize: size,
			Limit:      LimitPageCacheRead,
		}
		for _, e := range engines {
			s := Subject{Name: e.Name, Peer: e.Peer, Config: e.Config, Unsupported: e.Unsupported[w.ID]}
			if s.Unsupported == "" {
				s.Run = func(env *Env) (Sample, error) { return reopen(env, e, size, env.Count(500_000, 1000), killed) }
			}
			c.Subjects = append(c.Subjects, s)
		}
		w.Cases = append(w.Cases, c)
	}
	return w
}

func reopen(env *Env, e Engine, size, n int, killed bool) (Sample, error) {
	o := openOptions(env, false)
	var err error
	if killed {
		err = writeInChildAndKill(env, e, size, n)
	} else {
		err = writeAndClose(env, e, o, size, n)
	}
	if err != nil {
		return Sample{}, err
	}
	settle()
	env.StartTimer()
	l, err := e.Open(env.Dir, o)
	if err != nil {
		return Sample{}, fmt.Errorf("reopen: %w", err)
	}
	defer l.Close()
	got := l.Len()
	if got > 0 {
		last, err := l.ReadAt(got - 1)
		if err != nil {
			return Sample{}, fmt.Errorf("read record %d after reopen: %w", got-1, err)
		}
		if !bytes.Equal(last, Record(size, (got-1)%64)) {
			return Sample{}, fmt.Errorf("record %d read back wrong after reopen", got-1)
		}
	}
	env.StopTimer()
	return Sample{Ops: int64(got), Bytes: int64(got * size), Extra: map[string]float64{
		"lost":    float64(max(n-got, 0)),
		"open ms": float64(env.elapsed.Microseconds()) / 1e3,
	}}, nil
}

func writeAndClose(env *Env, e Engine, o OpenOptions, size, n int) error {
	l, err := e.Open(env.Dir, o)
	if err != nil {
		return err
	}
	if err := appendVariants(l, size, n); err != nil {
		l.Close()
		return err
	}
	return l.Close()
}

// recordVariants are the records appendVariants writes: distinct records
// would make writing slow, and 64, chosen by sequence number, are enough to
// catch a wrong one.
func recordVariants(size int) [][]byte {
	variants := make([][]byte, 64)
	for i := range variants {
		variants[i] = Record(size, i)
	}
	return variants
}

// appendVariants appends n records, record seq being recordVariants(size)[seq%64].
func appendVariants(l Log, size, n int) error {
	variants := recordVariants(size)
	for seq := range n {
		if err := l.Append(variants[seq%len(variants)]); err != nil {
			return fmt.Errorf("append %d: %w", seq, err)
		}
	}
	return nil
}

// The child process of the killed-writer case is this same executable,
// started with childEnv set; RunChild runs its part.
const (
	childEnv      = "ROCKETSTORE_BENCH_CHILD"
	childAppended = "APPENDED"
)

// writeInChildAndKill starts a child that appends n records to env.Dir,
// waits until it says every append returned, and kills it with SIGKILL.
func writeInChildAndKill(env *Env, e Engine, size, n int) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	o := openOptions(env, false)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%d|%d|%d", childEnv, e.Name, env.Dir, size, n, o.SegmentSize))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	timeout := time.After(10 * time.Minute)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return errors.New("the writer process exited before it had appended every record")
			}
			if line == fmt.Sprintf("%s %d", childAppended, n) {
				return cmd.Process.Kill()
			}
		case <-timeout:
			return errors.New("the writer process did not finish appending within 10 minutes")
		}
	}
}

// RunChild runs the part of a child process the suite started (the writer
// that W4 kills) and exits; in any other process it returns at once. Call it
// first thing in main, and in TestMain of tests that run W4, with the same
// engines the suite runs.
func RunChild(engines []Engine) {
	spec, ok := os.LookupEnv(childEnv)
	if !ok {
		return
	}
	if err := runWriterChild(engines, spec); err != nil {
		fmt.Fprintln(os.Stderr, "bench writer:", err)
		os.Exit(1)
	}
	select {} // wait for SIGKILL
}

func runWriterChild(engines []Engine, spec string) error {
	f := strings.Split(spec, "|")
	if len(f) != 5 {
		return fmt.Errorf("bad %s %q", childEnv, spec)
	}
	var nums [3]int
	for i, s := range f[2:] {
		v, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("bad %s %q", childEnv, spec)
		}
		nums[i] = v
	}
	size, n, segment := nums[0], nums[1], nums[2]
	for _, e := range engines {
		if e.Name != f[0] {
			continue
		}
		l, err := e.Open(f[1], OpenOptions{SegmentSize: int64(segment)})
		if err != nil {
			return err
		}
		if err := appendVariants(l, size, n); err != nil {
			return err
		}
		fmt.Printf("%s %d\n", childAppended, n)
		return nil
	}
	return fmt.Errorf("no engine %q", f[0])
}
