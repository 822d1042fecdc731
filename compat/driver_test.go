package compat

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// driverPath is the client driver binary TestMain builds.
var driverPath string

// buildDriver builds compat/internal/driver without the race detector: the
// client has data races of its own, which must not fail our race-enabled
// tests, while our broker and nameserver run inside the test binary where
// the race detector watches them.
func buildDriver(dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	path := filepath.Join(dir, "driver")
	cmd := exec.Command(goTool, "build", "-o", path, "github.com/rocketstore/rocketstore/compat/internal/driver")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v: %s", err, out)
	}
	return path, nil
}

// driver is one running driver process and the lines it printed.
type driver struct {
	cmd    *exec.Cmd
	stderr strings.Builder
	done   chan struct{}

	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

// startDriver runs the driver with args; it is killed when the test ends.
func startDriver(t *testing.T, args ...string) *driver {
	t.Helper()
	return startProgram(t, driverPath, args...)
}

// startProgram runs the program at path with args, collecting its output
// lines as a driver's; it is killed when the test ends.
func startProgram(t *testing.T, path string, args ...string) *driver {
	t.Helper()
	d := &driver{cmd: exec.Command(path, args...), done: make(chan struct{}), more: make(chan struct{}, 1)}
	d.cmd.Stderr = &d.stderr
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			d.mu.Lock()
			d.lines = append(d.lines, sc.Text())
			d.mu.Unlock()
			select {
			case d.more <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = d.cmd.Process.Kill()
		<-d.done
		_ = d.cmd.Wait()
	})
	return d
}

// run runs the driver to its end and returns its lines.
func runDriver(t *testing.T, args ...string) []string {
	t.Helper()
	d := startDriver(t, args...)
	select {
	case <-d.done:
	case <-time.After(90 * time.Second):
		t.Fatalf("driver %v did not finish", args)
	}
	if err := d.cmd.Wait(); err != nil {
		t.Fatalf("driver %v: %v: %s", args, err, d.stderr.String())
	}
	return d.snapshot()
}

func (d *driver) snapshot() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.lines...)
}

// waitUntil waits until ok holds for the lines printed so far.
func (d *driver) waitUntil(t *testing.T, within time.Duration, what string, ok func(lines []string) bool) []string {
	t.Helper()
	deadline := time.After(within)
	for {
		lines := d.snapshot()
		if ok(lines) {
			return lines
		}
		select {
		case <-d.more:
		case <-d.done:
			if lines := d.snapshot(); ok(lines) {
				return lines
			}
			t.Fatalf("driver ended before %s: %s", what, d.stderr.String())
		case <-deadline:
			t.Fatalf("no %s within %v (%d lines)", what, within, len(d.snapshot()))
		}
	}
}

// stop ends a consumer driver cleanly (it persists its offsets).
func (d *driver) stop(t *testing.T) {
	t.Helper()
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		t.Fatal("driver did not stop")
	}
}

// got is one GOT line.
type got struct {
	body, tags, keys string
	queue            int
	offset           int64
}

// received parses the GOT lines.
func received(lines []string) []got {
	var out []got
	for _, l := range lines {
		var g got
		if _, err := fmt.Sscanf(l, "GOT %s %s %d %d %s", &g.body, &g.tags, &g.queue, &g.offset, &g.keys); err == nil {
			out = append(out, g)
		}
	}
	return out
}

// bodies counts each body received.
func bodies(lines []string) map[string]int {
	m := map[string]int{}
	for _, g := range received(lines) {
		m[g.body]++
	}
	return m
}

// noRedelivery fails if a stored message (one queue offset) was delivered
// twice. A body stored twice, at two offsets, is a producer's retry of a send
// whose answer came too late (at-least-once sending, as RocketMQ's): it is
// logged, not failed.
func noRedelivery(t *testing.T, lines []string) {
	t.Helper()
	type position struct {
		queue  int
		offset int64
	}
	seen := map[position]string{}
	stored := map[string]map[position]bool{}
	for _, g := range received(lines) {
		p := position{g.queue, g.offset}
		if b, ok := seen[p]; ok {
			t.Fatalf("queue %d offset %d (%s) delivered twice", p.queue, p.offset, b)
		}
		seen[p] = g.body
		if stored[g.body] == nil {
			stored[g.body] = map[position]bool{}
		}
		stored[g.body][p] = true
	}
	for b, at := range stored {
		if len(at) > 1 {
			t.Logf("%s was stored %d times (a producer retry): %v", b, len(at), at)
		}
	}
}

func hasAtLeast(n int) func([]string) bool {
	return func(lines []string) bool { return len(bodies(lines)) >= n }
}

func hasLine(prefix string) func([]string) bool {
	return func(lines []string) bool {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return true
			}
		}
		return false
	}
}
