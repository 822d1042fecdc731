package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
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
	testkit.RunWriters(base, crashWriters, crashChildLimit, 8, 2000, func(seq int64, size int) (int64, error) {
		res, err := s.PutMessage(context.Background(), testMessage(seq, size))
		return res.PhysicalOffset, err
	})
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
		env := []string{crashChildEnv + "=" + dir, crashChildSeqEnv + "=" + strconv.FormatInt(int64(round+1)*10_000_000, 10)}
		acks := testkit.RunAndKill(t, env, time.Duration(5+rng.IntN(100))*time.Millisecond, crashChildLimit)
		if len(acks) == 0 {
			t.Fatalf("round %d: the child acknowledged nothing before it was killed", round)
		}
		for _, a := range acks {
			all[a.Seq] = a.Offset
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
