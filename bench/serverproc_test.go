package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPUCountsFieldsAfterTheCommandName(t *testing.T) {
	// A command name with spaces and a parenthesis must not shift the fields.
	stat := "4242 (odd (name) x) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 130 0 0 20 0 9 0 100 1000 200"
	got, err := parseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3800 * time.Millisecond; got != want { // (250 + 130) ticks at 100 Hz
		t.Fatalf("CPU time = %v, want %v", got, want)
	}
	if _, err := parseStatCPU("4242 (short) S 1 2"); err == nil {
		t.Fatal("a short stat line was accepted")
	}
}

func TestParseStatusMemory(t *testing.T) {
	status := "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t3\n"
	rss, peak, err := parseStatusMemory(status)
	if err != nil || rss != 1<<20 || peak != 2<<20 {
		t.Fatalf("rss %d peak %d err %v, want 1 MiB, 2 MiB", rss, peak, err)
	}
	if _, _, err := parseStatusMemory("Name:\tx\n"); err == nil {
		t.Fatal("status without VmRSS was accepted")
	}
}

func TestParseIOCalls(t *testing.T) {
	io := "rchar: 1580\nwchar: 0\nsyscr: 5\nsyscw: 7\nread_bytes: 0\n"
	if n, err := parseIOCalls(io); err != nil || n != 12 {
		t.Fatalf("I/O calls %d, err %v; want 12", n, err)
	}
	if _, err := parseIOCalls("rchar: 1580\nsyscr: 5\n"); err == nil {
		t.Fatal("io text without syscw was accepted")
	}
}

func TestServerProcessReportsItsUsageAndStops(t *testing.T) {
	p, err := StartServer("/bin/sh", []string{"-c", "echo started; exec sleep 30"}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CPUTime(); err != nil {
		t.Fatal(err)
	}
	if rss, _, err := p.Memory(); err != nil || rss <= 0 {
		t.Fatalf("rss %d, err %v", rss, err)
	}
	if _, err := p.IOCalls(); err != nil {
		t.Fatal(err)
	}
	// The signal must come after the shell has printed, or it would end
	// the shell before its echo.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.Output(), "started") {
		if time.Now().After(deadline) {
			t.Fatalf("output %q lacks what the server printed", p.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatalf("a server stopped by SIGTERM reports %v", err)
	}
}

func TestWaitAddrFileFailsEarlyWhenTheServerExits(t *testing.T) {
	dir := t.TempDir()
	p, err := StartServer("/bin/sh", []string{"-c", "echo cannot listen; exit 3"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.WaitAddrFile(filepath.Join(dir, "addrs"), time.Minute)
	if err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Fatalf("WaitAddrFile = %v, want the server's exit with its output", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatal("WaitAddrFile waited for its timeout though the server had exited")
	}
	if err := p.Stop(time.Second); err == nil {
		t.Fatal("Stop of a server that exited with status 3 reported nothing")
	}
}

func TestWaitAddrFileReadsTheAddresses(t *testing.T) {
	dir := t.TempDir()
	script := "sleep 0.2; printf 'broker=127.0.0.1:20001\\nnameserver=127.0.0.1:20002\\n' > addrs.tmp; mv addrs.tmp addrs; exec sleep 60"
	p, err := StartServer("/bin/sh", []string{"-c", script}, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(time.Second)
	addrs, err := p.WaitAddrFile(filepath.Join(dir, "addrs"), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if addrs["broker"] != "127.0.0.1:20001" || addrs["nameserver"] != "127.0.0.1:20002" || len(addrs) != 2 {
		t.Fatalf("addresses %v", addrs)
	}
}

func TestWaitFileRereadsAFileBeingWritten(t *testing.T) {
	dir := t.TempDir()
	// Written in place in two parts, as nats-server writes its ports file.
	script := "printf '{\"nats\":' > ports; sleep 0.3; printf '{\"nats\":[\"nats://127.0.0.1:20003\"]}' > ports; exec sleep 60"
	p, err := StartServer("/bin/sh", []string{"-c", script}, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(time.Second)
	var got struct{ Nats []string }
	err = p.WaitFile(filepath.Join(dir, "ports"), 30*time.Second, func(b []byte) error { return json.Unmarshal(b, &got) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Nats) != 1 || got.Nats[0] != "nats://127.0.0.1:20003" {
		t.Fatalf("read %+v, want the whole file", got)
	}
}

func TestSelfCPUTimeGrowsWithWork(t *testing.T) {
	before, err := SelfCPUTime()
	if err != nil {
		t.Fatal(err)
	}
	// Spin until the clock of this process's CPU has visibly moved; the
	// bound keeps a broken reading from hanging the test.
	deadline := time.Now().Add(10 * time.Second)
	x := 0
	for time.Now().Before(deadline) {
		for i := range 1 << 20 {
			x ^= i
		}
		after, err := SelfCPUTime()
		if err != nil {
			t.Fatal(err)
		}
		if after > before {
			return
		}
	}
	t.Fatalf("own CPU time stayed at %v after 10 s of spinning (%d)", before, x)
}

func TestModuleDirFindsThisModule(t *testing.T) {
	dir, err := ModuleDir(t.Context(), rocketstoreModule)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module dir %s: %v", dir, err)
	}
	if _, err := ModuleDir(t.Context(), "example.com/not/a/dependency"); err == nil {
		t.Fatal("a module outside the build list was given a directory")
	}
}
