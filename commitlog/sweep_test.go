package commitlog

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/mappedfile/errorfs"
)

// sweepConfig is one shape of log the fault sweep runs.
type sweepConfig struct {
	name        string
	pool        bool // transient store pool
	preallocate bool
}

// sweepRun is what one run of the scenario did.
type sweepRun struct {
	fired   *errorfs.InjectedError // nil: the index was never reached
	phase   string                 // where the first error reached the caller, "" for none
	crashed bool                   // a power loss ended the run
}

// TestFaultSweep fails each file-system operation of a scenario in turn:
// open, sync-flush appends that roll across files, a flush, a cleanup of
// the oldest file, close, then recovery after a power loss (which keeps a
// seeded random subset of the unflushed pages). Every run must end with an
// error returned to a caller or a clean recovery: never a panic, never a
// damaged record read, and never an acknowledged record missing after the
// reopen. The counts of injected faults and outcomes are logged (-v).
func TestFaultSweep(t *testing.T) {
	for _, cfg := range []sweepConfig{
		{name: "mapped"},
		{name: "transient pool", pool: true},
		{name: "preallocated", preallocate: true},
	} {
		t.Run(cfg.name, func(t *testing.T) {
			counter := errorfs.CountOnly()
			runSweepScenario(t, cfg, counter, 0)
			n := counter.Count()
			outcomes := map[string]int{}
			ops := map[string]int{}
			injected := 0
			// Background work can shift a run's operations a little, so the
			// sweep goes a few indexes past the count.
			for i := int64(0); i < n+8; i++ {
				run := runSweepScenario(t, cfg, errorfs.OnIndex(i), uint64(i))
				if run.fired == nil {
					outcomes["fault not reached"]++
					continue
				}
				injected++
				ops[run.fired.Op.String()]++
				switch {
				case run.phase != "":
					outcomes["error returned by "+run.phase]++
				default:
					outcomes["absorbed, clean recovery"]++
				}
			}
			if injected == 0 {
				t.Fatal("the sweep injected no fault")
			}
			t.Logf("%s: %d operations in the scenario, %d faults injected; by operation: %s; outcomes: %s",
				cfg.name, n, injected, countList(ops), countList(outcomes))
		})
	}
}

func countList(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// runSweepScenario runs the scenario once with faults from inj and checks
// what survives a power loss at its end. seed picks the unflushed pages the
// power loss keeps.
func runSweepScenario(t *testing.T, cfg sweepConfig, inj errorfs.Injector, seed uint64) (run sweepRun) {
	t.Helper()
	fail := func(phase string, err error) {
		if err != nil && run.phase == "" {
			run.phase = phase
		}
	}
	defer func() {
		if c, ok := inj.(*errorfs.Counter); ok {
			run.fired = c.Fired()
		}
	}()
	const fileSize = 64 << 10
	mem := mappedfile.NewMemFS()
	opts := &Options{
		FS: errorfs.Wrap(mem, inj), FileSize: fileSize, MaxMessageSize: 16 << 10, FlushMode: SyncFlush,
		FlushInterval: time.Hour, FlushThoroughInterval: time.Hour, CommitInterval: time.Hour, CommitThoroughInterval: time.Hour,
		TransientStorePool: cfg.pool, TransientStorePoolSize: 2, DisablePreallocate: !cfg.preallocate,
		FlushStallThreshold: -1, Logger: discardLogger,
	}
	acked := map[int64]int64{} // physical offset -> seq
	l, err := Open("log", opts)
	fail("open", err)
	if err == nil {
		for seq := range int64(50) {
			res, err := l.Append(context.Background(), testMessage(seq, 3000))
			fail("append", err)
			if err == nil {
				acked[res.PhysicalOffset] = seq
			} else if l.Err() != nil {
				if _, again := l.Append(context.Background(), testMessage(seq, 10)); again == nil {
					t.Fatalf("an append succeeded on a poisoned log (fault %v)", inj)
				}
			}
		}
		for off, seq := range acked { // never a damaged read
			if got := readSeq(t, l, off); got != seq {
				t.Fatalf("seq %d at %d reads %d", seq, off, got)
			}
		}
		fail("flush", l.Flush())
		first := l.Files().First()
		_, err := l.Files().DeleteFiles(func(f *mappedfile.File) bool { return f == first }, 1, 0)
		fail("cleanup", err)
		fail("close", l.Close())
	}

	// The power goes; recovery meets the same injector.
	run.crashed = true
	crashed := mem.Crash(mappedfile.CrashOptions{KeepUnflushed: 0.5, Seed: seed})
	opts.FS = errorfs.Wrap(crashed, inj)
	l, err = Open("log", opts)
	fail("recover", err)
	if err != nil {
		opts.FS = crashed // a healthy disk again
		l = openTest(t, "log", opts)
	}
	defer l.Close()
	checkSurvivors(t, l, acked)
	return run
}

// checkSurvivors checks that every acknowledged record the log still covers
// reads back intact, and that the whole log iterates without damage.
func checkSurvivors(t *testing.T, l *Log, acked map[int64]int64) {
	t.Helper()
	for off, seq := range acked {
		if off < l.MinOffset() {
			continue // in the file the cleanup deleted
		}
		if off >= l.MaxOffset() {
			t.Fatalf("acknowledged seq %d at %d lost: the log ends at %d (recovery %+v)", seq, off, l.MaxOffset(), l.Recovery())
		}
		if got := readSeq(t, l, off); got != seq {
			t.Fatalf("acknowledged seq %d at %d reads %d", seq, off, got)
		}
	}
	it := l.NewIterator(l.MinOffset(), true)
	defer it.Close()
	for it.Next() {
	}
	if it.Err() != nil {
		t.Fatalf("the recovered log has a damaged record: %v", it.Err())
	}
}
