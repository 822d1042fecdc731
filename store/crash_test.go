package store

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

	"github.com/rocketstore/rocketstore/commitlog"
)

const (
	crashChildEnv    = "ROCKETSTORE_STORE_CRASH_DIR"
	crashChildSeqEnv = "ROCKETSTORE_STORE_CRASH_SEQ"
	crashRounds      = 20
	crashWriters     = 4
	crashChildLimit  = 20 * time.Second // a child left alone stops by itself
)

// crashOptions make the child checkpoint often, so kills land before,
// during and after checkpoints.
func crashOptions() *Options {
	o := testOptions(nil)
	o.CommitLog.FlushMode = commitlog.SyncFlush
	o.FlushConsumeQueueInterval = 5 * time.Millisecond
	o.FlushConsumeQueueThorough = 20 * time.Millisecond
	return o
}

// runCrashChild is the killed writer: it puts with sync flush from several
// goroutines and prints "seq offset" for every acknowledged message.
func runCrashChild(dir string) {
	base, _ := strconv.ParseInt(os.Getenv(crashChildSeqEnv), 10, 64)
	s, err := Open(dir, crashOptions())
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	var out sync.Mutex
	deadline := time.Now().Add(crashChildLimit)
	var wg sync.WaitGroup
	for w := range int64(crashWriters) {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(base), uint64(w)))
			for i := int64(0); time.Now().Before(deadline); i++ {
				seq := base + w*100_000 + i
				res, err := s.PutMessage(context.Background(), testMessage(seq, 8+rng.IntN(2000)))
				if err != nil {
					fmt.Fprintln(os.Stderr, "put:", err)
					os.Exit(3)
				}
				out.Lock()
				fmt.Fprintf(os.Stdout, "%d %d\n", seq, res.PhysicalOffset)
				out.Unlock()
			}
		})
	}
	wg.Wait()
	s.Close()
	os.Exit(0)
}

// TestStoreSurvivesSIGKILL kills a writer at random points; after each
// reopen every acknowledged message must be pullable through its consume
// queue, exactly once, and found by its key.
func TestStoreSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(43, uint64(time.Now().UnixNano())))
	all := map[int64]int64{}
	for round := range crashRounds {
		acks := runAndKill(t, dir, int64(round+1)*10_000_000, time.Duration(5+rng.IntN(100))*time.Millisecond)
		if len(acks) == 0 {
			t.Fatalf("round %d: the child acknowledged nothing before it was killed", round)
		}
		for seq, phys := range acks {
			all[seq] = phys
		}
		s := openStore(t, dir, crashOptions())
		if !s.Recovery().Abnormal {
			t.Fatalf("round %d: recovery %+v is not abnormal after a kill", round, s.Recovery())
		}
		checkAll(t, s, all)
		t.Logf("round %d: %d acknowledged, recovery %+v", round, len(acks), s.Recovery())
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// runAndKill starts a writer child, lets it run for about runFor after its
// first acknowledgement, kills it with SIGKILL and returns what it
// acknowledged (seq → physical offset).
func runAndKill(t *testing.T, dir string, seqBase int64, runFor time.Duration) map[int64]int64 {
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
	acks := map[int64]int64{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		readAcks(stdout, first, acks)
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
func readAcks(r io.Reader, first chan<- struct{}, acks map[int64]int64) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var seq, phys int64
		if _, err := fmt.Sscanf(sc.Text(), "%d %d", &seq, &phys); err != nil {
			continue
		}
		if len(acks) == 0 {
			close(first)
		}
		acks[seq] = phys
	}
}
