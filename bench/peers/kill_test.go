package peers

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/bench"
)

// The killed-writer test runs a child process (this test binary, running
// only TestHelperProcess) that appends records to an engine and reports how
// many have returned; the parent SIGKILLs it and reopens what it wrote.
const (
	killRecords  = 1500 // the child appends these many (about 36 MiB)...
	killAckEvery = 100  // ...printing "ACK <count>" after each this many,
	killAfter    = 800  // and the parent kills it once this many are acked.

	killTimeout = time.Minute // for the child's acks, and its death

	envEngine = "PEERS_HELPER_ENGINE" // set only in the child
	envDir    = "PEERS_HELPER_DIR"
	envCount  = "PEERS_HELPER_COUNT"
)

// killLosesAcked names the engines whose Append returns before a process
// crash can no longer lose the record (see PebbleEngine): for them the test
// checks what was recovered but not that every acknowledged record was.
var killLosesAcked = map[string]bool{"pebble": true}

// TestKilledWriter SIGKILLs a process in the middle of appending to each
// engine (opened without Durable), then checks that a reopen in this
// process finds every record acknowledged before the kill, numbered from 0
// with the right content, and that appends continue the numbering.
func TestKilledWriter(t *testing.T) {
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) {
			dir := t.TempDir()
			acked := runKilledWriter(t, e.Name, dir)
			l, closeLog := openTestLog(t, e, dir, bench.OpenOptions{SegmentSize: testSegmentSize})
			n := l.Len()
			t.Logf("acknowledged %d records, recovered %d", acked, n)
			switch {
			case n > killRecords:
				t.Fatalf("recovered %d records, but only %d were appended", n, killRecords)
			case n < acked && !killLosesAcked[e.Name]:
				t.Fatalf("recovered %d records, but %d were acknowledged", n, acked)
			}
			for seq := range n {
				checkRecord(t, l, seq, seq)
			}
			checkNoRecord(t, l, n)
			if err := l.Append(testRecord(n)); err != nil {
				t.Fatalf("Append after recovery: %v", err)
			}
			checkRecord(t, l, n, n)
			closeLog()
		})
	}
}

// runKilledWriter starts a child appending killRecords records to engine in
// dir, SIGKILLs it once it has acknowledged killAfter, and returns how many
// it had acknowledged by its death.
func runKilledWriter(t *testing.T, engine, dir string) (acked int) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		envEngine+"="+engine, envDir+"="+dir, envCount+"="+strconv.Itoa(killRecords))
	// The child blocks reading stdin once done: if this process dies before
	// killing it, the pipe closes and the child exits instead of lingering.
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	kill := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait() // "signal: killed"; closes the pipes, ending readAcks
		})
	}
	t.Cleanup(kill)

	acks := make(chan int)
	go readAcks(stdout, acks)
	timeout := time.NewTimer(killTimeout)
	defer timeout.Stop()
	for acked < killAfter {
		select {
		case n, ok := <-acks:
			if !ok {
				kill() // and wait: stderr is written until the child is gone
				t.Fatalf("child ended after %d acks; stderr:\n%s", acked, stderr.Bytes())
			}
			acked = n
		case <-timeout.C:
			kill() // and wait: stderr is written until the child is gone
			t.Fatalf("child acknowledged %d records in %v, want %d; stderr:\n%s",
				acked, killTimeout, killAfter, stderr.Bytes())
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Acks the child printed before it died count too: read to the end of
	// its stdout (its death closes it) before Wait closes our end.
	for {
		select {
		case n, ok := <-acks:
			if ok {
				acked = n
				continue
			}
			kill()
			return acked
		case <-timeout.C:
			t.Fatalf("child's stdout still open %v after SIGKILL", killTimeout)
		}
	}
}

// readAcks sends the count of each "ACK <count>" line of r to acks, and
// closes acks at the end of r.
func readAcks(r io.Reader, acks chan<- int) {
	defer close(acks)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
			if n, err := strconv.Atoi(s); err == nil {
				acks <- n
			}
		}
	}
}

// TestHelperProcess is the killed writer's child; run directly it does
// nothing. It opens the engine without Durable, appends records 0, 1, ...,
// prints "ACK <count>" after every killAckEvery appends and after the last,
// then waits for its parent to kill it (or to go away, closing stdin).
func TestHelperProcess(t *testing.T) {
	engine := os.Getenv(envEngine)
	if engine == "" {
		return
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	count, err := strconv.Atoi(os.Getenv(envCount))
	if err != nil {
		fail(err)
	}
	var e *bench.Engine
	for _, c := range Engines() {
		if c.Name == engine {
			e = &c
		}
	}
	if e == nil {
		fail(fmt.Errorf("no engine %q", engine))
	}
	l, err := e.Open(os.Getenv(envDir), bench.OpenOptions{SegmentSize: testSegmentSize})
	if err != nil {
		fail(err)
	}
	for id := range count {
		if err := l.Append(testRecord(id)); err != nil {
			fail(fmt.Errorf("Append %d: %w", id, err))
		}
		if n := id + 1; n%killAckEvery == 0 || n == count {
			fmt.Printf("ACK %d\n", n) // os.Stdout is unbuffered: one write(2)
		}
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(3)
}
