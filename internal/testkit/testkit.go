// Package testkit holds what the crash tests of several packages share:
// self-checking message bodies, and a harness that runs the test binary
// again as a writer, kills it with SIGKILL and collects what it
// acknowledged. It is for tests only.
package testkit

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Body is the deterministic body of message seq: the sequence number
// followed by a pattern derived from it, so that a reader can check any
// record without knowing what else was written.
func Body(seq int64, size int) []byte {
	size = max(size, 8)
	b := make([]byte, size)
	binary.BigEndian.PutUint64(b, uint64(seq))
	for i := 8; i < size; i++ {
		b[i] = byte(seq*31 + int64(i))
	}
	return b
}

// BodySeq returns the sequence number b holds and whether b is exactly
// Body(seq, len(b)).
func BodySeq(b []byte) (int64, bool) {
	if len(b) < 8 {
		return 0, false
	}
	seq := int64(binary.BigEndian.Uint64(b))
	return seq, bytes.Equal(b, Body(seq, len(b)))
}

// Ack is one write a child acknowledged: a sequence number and where it
// went.
type Ack struct{ Seq, Offset int64 }

// PrintAck writes the line a child prints for an acknowledged write. One
// short line is one write(2) below PIPE_BUF, so a kill cannot tear it.
func PrintAck(w io.Writer, seq, offset int64) {
	fmt.Fprintf(w, "%d %d\n", seq, offset)
}

// RunAndKill starts this test binary again with env added (which its
// TestMain turns into a writer that prints PrintAck lines), lets it run for
// about runFor after its first acknowledgement (or limit without one),
// kills it with SIGKILL and returns what it acknowledged, in order.
func RunAndKill(t testing.TB, env []string, runFor, limit time.Duration) []Ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	var acks []Ack
	done := make(chan struct{})
	go func() {
		defer close(done)
		acks = readAcks(stdout, first)
	}()
	select {
	case <-first:
		time.Sleep(runFor)
	case <-time.After(limit):
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child was not killed (err %v): %s", err, stderr.String())
	}
	return acks
}

// readAcks parses PrintAck lines until EOF, closing first at the first.
func readAcks(r io.Reader, first chan<- struct{}) []Ack {
	var acks []Ack
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var a Ack
		if _, err := fmt.Sscanf(sc.Text(), "%d %d", &a.Seq, &a.Offset); err != nil {
			continue
		}
		if len(acks) == 0 {
			close(first)
		}
		acks = append(acks, a)
	}
	return acks
}

// RunWriters is the body of a crash child: writers goroutines write
// sequence numbers base + w*100,000 + i, with body sizes drawn from a
// per-writer random stream in [minSize, minSize+spread), and print an ack
// line for each write that returns, until limit has passed (a child left
// alone stops by itself). A failed write ends the process with status 3.
func RunWriters(base int64, writers int, limit time.Duration, minSize, spread int, write func(seq int64, size int) (offset int64, err error)) {
	var out sync.Mutex
	deadline := time.Now().Add(limit)
	var wg sync.WaitGroup
	for w := range int64(writers) {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(base), uint64(w)))
			for i := int64(0); time.Now().Before(deadline); i++ {
				seq := base + w*100_000 + i
				offset, err := write(seq, minSize+rng.IntN(spread))
				if err != nil {
					fmt.Fprintln(os.Stderr, "write:", err)
					os.Exit(3)
				}
				out.Lock()
				PrintAck(os.Stdout, seq, offset)
				out.Unlock()
			}
		})
	}
	wg.Wait()
}
