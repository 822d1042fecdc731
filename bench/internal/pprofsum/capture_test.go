package pprofsum

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sink keeps the compiler from discarding the work below.
var sink any

// burnCPU spins for d. It is not inlined so that it is a frame of its own.
//
//go:noinline
func burnCPU(d time.Duration) uint64 {
	x := uint64(1)
	for end := time.Now().Add(d); time.Now().Before(end); {
		for range 10000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	return x
}

// allocate allocates about 64 MiB in small pieces.
//
//go:noinline
func allocate() {
	bufs := make([][]byte, 0, 1024)
	for range 16384 {
		bufs = append(bufs, make([]byte, 4096))
		if len(bufs) == cap(bufs) {
			sink, bufs = bufs, bufs[:0:0]
		}
	}
	sink = bufs
}

func TestCPU(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	// On a loaded machine the 100 Hz profiler may catch nothing in a short
	// run; try once more, longer.
	for _, d := range []time.Duration{200 * time.Millisecond, time.Second} {
		stop, err := StartCPU(path)
		if err != nil {
			t.Fatal(err)
		}
		sink = burnCPU(d)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		sum, err := Summarize(path, "cpu", 0)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total == 0 {
			t.Logf("no samples in %v", d)
			continue
		}
		if sum.Unit != "nanoseconds" || sum.Kind != "cpu" {
			t.Errorf("unit %q kind %q", sum.Unit, sum.Kind)
		}
		for _, f := range sum.Top {
			if strings.HasSuffix(f.Func, "pprofsum.burnCPU") {
				if f.Cum <= 0.3 {
					t.Errorf("burnCPU cum = %.2f, want > 0.3; top: %+v", f.Cum, sum.Top)
				}
				return
			}
		}
		t.Fatalf("burnCPU not in profile: %+v", sum.Top)
	}
	t.Fatal("CPU profile has no samples")
}

func TestStartCPUTwice(t *testing.T) {
	dir := t.TempDir()
	stop, err := StartCPU(filepath.Join(dir, "a.pprof"))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if _, err := StartCPU(filepath.Join(dir, "b.pprof")); err == nil {
		t.Error("a second CPU profile started")
	}
}

func TestHeap(t *testing.T) {
	allocate()
	path := filepath.Join(t.TempDir(), "heap.pprof")
	if err := WriteHeap(path); err != nil {
		t.Fatal(err)
	}
	sum, err := Summarize(path, "heap", 0)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total <= 0 || sum.Unit != "bytes" {
		t.Fatalf("heap total %d unit %q", sum.Total, sum.Unit)
	}
	for _, f := range sum.Top {
		if strings.HasSuffix(f.Func, "pprofsum.allocate") {
			return
		}
	}
	t.Errorf("allocate not in heap profile: %+v", sum.Top)
}
