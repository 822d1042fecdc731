package commitlog

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	crashChildEnv    = "ROCKETSTORE_COMMITLOG_CRASH_DIR"
	crashChildSeqEnv = "ROCKETSTORE_COMMITLOG_CRASH_SEQ"
	crashRounds      = 20
	crashWriters     = 4
	crashChildLimit  = 20 * time.Second // a child left alone stops by itself
)

// runCrashChild is the body of the killed writer: it appends with sync flush
// from several goroutines and prints "seq offset" for every acknowledged
// record, until it is killed.
func runCrashChild(dir string) {
	base, _ := strconv.ParseInt(os.Getenv(crashChildSeqEnv), 10, 64)
	l, err := Open(dir, &Options{FileSize: testFileSize, MaxMessageSize: testFileSize / 4, FlushMode: SyncFlush})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	var out sync.Mutex
	deadline := time.Now().Add(crashChildLimit)
	var wg sync.WaitGroup
	for w := range int64(crashWriters) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(base), uint64(w)))
			for i := int64(0); time.Now().Before(deadline); i++ {
				seq := base + w*100_000 + i
				res, err := l.Append(context.Background(), testMessage(seq, 8+rng.IntN(3000)))
				if err != nil {
					fmt.Fprintln(os.Stderr, "append:", err)
					os.Exit(3)
				}
				out.Lock()
				fmt.Fprintf(os.Stdout, "%d %d\n", seq, res.PhysicalOffset)
				out.Unlock()
			}
		}()
	}
	wg.Wait()
	l.Close()
	os.Exit(0)
}

type ack struct{ seq, offset int64 }

// TestSyncFlushSurvivesSIGKILL kills a sync-flush writer at random points
// and checks after each reopen that every acknowledged record is present
// and intact, and that the log holds nothing damaged.
func TestSyncFlushSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(42, uint64(time.Now().UnixNano())))
	var all []ack
	for round := range crashRounds {
		acks := runAndKill(t, dir, int64(round+1)*10_000_000, time.Duration(5+rng.IntN(120))*time.Millisecond)
		if len(acks) == 0 {
			t.Fatalf("round %d: the child acknowledged nothing before it was killed", round)
		}
		all = append(all, acks...)

		l := openTest(t, dir, nil)
		for _, a := range all {
			if got := readSeq(t, l, a.offset); got != a.seq {
				t.Fatalf("round %d: acknowledged seq %d at %d reads back as seq %d", round, a.seq, a.offset, got)
			}
		}
		it := l.NewIterator(l.MinOffset(), true)
		for it.Next() {
			if _, ok := checkBody(it.Record().Body); !ok {
				t.Fatalf("round %d: damaged body at %d", round, it.Entry().Offset)
			}
		}
		if it.Err() != nil {
			t.Fatalf("round %d: %v", round, it.Err())
		}
		it.Close()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: %d acknowledged, recovery %+v", round, len(acks), l.Recovery())
	}
}

// runAndKill starts a writer child, lets it run for about runFor after its
// first acknowledgement, kills it with SIGKILL and returns what it
// acknowledged.
func runAndKill(t *testing.T, dir string, seqBase int64, runFor time.Duration) []ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, crashChildSeqEnv+"="+strconv.FormatInt(seqBase, 10))
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
	var acks []ack
	done := make(chan struct{})
	go func() {
		defer close(done)
		acks = readAcks(stdout, first)
	}()
	select {
	case <-first:
		time.Sleep(runFor)
	case <-time.After(crashChildLimit):
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child was not killed (err %v): %s", err, stderr.String())
	}
	return acks
}

// readAcks parses "seq offset" lines until EOF. Each line is one write of
// less than PIPE_BUF bytes, so a kill cannot tear it.
func readAcks(r io.Reader, first chan<- struct{}) []ack {
	var acks []ack
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var a ack
		if _, err := fmt.Sscanf(sc.Text(), "%d %d", &a.seq, &a.offset); err != nil {
			continue
		}
		if len(acks) == 0 {
			close(first)
		}
		acks = append(acks, a)
	}
	return acks
}
