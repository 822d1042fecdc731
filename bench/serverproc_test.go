package bench

import (
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
	// The shell may not have run its echo yet: a SIGTERM now would end it
	// before it printed anything.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(p.Output(), "started"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("output %q lacks what the server printed", p.Output())
		}
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatalf("a server stopped by SIGTERM reports %v", err)
	}
}

func TestWaitListeningFailsEarlyWhenTheServerExits(t *testing.T) {
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	p, err := StartServer("/bin/sh", []string{"-c", "echo cannot listen; exit 3"}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = p.WaitListening(addr, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "cannot listen") {
		t.Fatalf("WaitListening = %v, want the server's exit with its output", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatal("WaitListening waited for its timeout though the server had exited")
	}
	if err := p.Stop(time.Second); err == nil {
		t.Fatal("Stop of a server that exited with status 3 reported nothing")
	}
}
