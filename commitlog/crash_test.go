package commitlog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/testkit"
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
	testkit.RunWriters(base, crashWriters, crashChildLimit, 8, 3000, func(seq int64, size int) (int64, error) {
		res, err := l.Append(context.Background(), testMessage(seq, size))
		return res.PhysicalOffset, err
	})
	l.Close()
	os.Exit(0)
}

// TestSyncFlushSurvivesSIGKILL kills a sync-flush writer at random points
// and checks after each reopen that every acknowledged record is present
// and intact, and that the log holds nothing damaged.
func TestSyncFlushSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (kill delays from PCG(42, seed))", seed)
	rng := rand.New(rand.NewPCG(42, seed))
	var all []testkit.Ack
	for round := range crashRounds {
		env := []string{crashChildEnv + "=" + dir, crashChildSeqEnv + "=" + strconv.FormatInt(int64(round+1)*10_000_000, 10)}
		acks := testkit.RunAndKill(t, env, time.Duration(5+rng.IntN(120))*time.Millisecond, crashChildLimit)
		if len(acks) == 0 {
			t.Fatalf("round %d: the child acknowledged nothing before it was killed", round)
		}
		all = append(all, acks...)

		l := openTest(t, dir, nil)
		for _, a := range all {
			if got := readSeq(t, l, a.Offset); got != a.Seq {
				t.Fatalf("round %d: acknowledged seq %d at %d reads back as seq %d", round, a.Seq, a.Offset, got)
			}
		}
		it := l.NewIterator(l.MinOffset(), true)
		for it.Next() {
			if _, ok := testkit.BodySeq(it.Record().Body); !ok {
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
