package timer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/store"
)

const (
	crashChildEnv    = "ROCKETSTORE_TIMER_CRASH_DIR"
	crashChildSeqEnv = "ROCKETSTORE_TIMER_CRASH_SEQ"
	crashRounds      = 8
	crashChildLimit  = 20 * time.Second // a child left alone stops by itself
	maxDueIn         = 400              // ms: timers are due within this of their send
)

// runCrashChild is the killed process: a store (sync flush) and a timer,
// with writers sending timer messages due within maxDueIn ms while the
// timer delivers. It prints "seq dueMs" for every acknowledged send.
func runCrashChild(dir string) {
	base, _ := strconv.ParseInt(os.Getenv(crashChildSeqEnv), 10, 64)
	st, err := store.Open(dir, storeOptions(nil, commitlog.SyncFlush))
	if err != nil {
		fmt.Fprintln(os.Stderr, "store:", err)
		os.Exit(2)
	}
	tm, err := Open(dir, FromMessageStore(st), timerOptions(nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, "timer:", err)
		os.Exit(2)
	}
	testkit.RunWriters(base, 4, crashChildLimit, 16, 50, func(seq int64, _ int) (int64, error) {
		due := time.Now().UnixMilli() + seq*7919%maxDueIn
		m := timerMessage(seq, due)
		if _, err := Rewrite(m, time.Now(), time.Hour, true); err != nil {
			return 0, err
		}
		_, err := st.PutMessage(context.Background(), m)
		return due, err
	})
	tm.Close()
	st.Close()
	os.Exit(0)
}

// TestTimerSurvivesSIGKILL kills the child at random points: before, in
// and after checkpoints, deliveries and appends. In the end every
// acknowledged timer message is delivered exactly once, none before it was
// due, and no other more than once.
func TestTimerSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(45, seed))
	want := map[int64]bool{}
	for round := range crashRounds {
		env := []string{crashChildEnv + "=" + dir, crashChildSeqEnv + "=" + strconv.FormatInt(int64(round+1)*10_000_000, 10)}
		acks := testkit.RunAndKill(t, env, time.Duration(20+rng.IntN(300))*time.Millisecond, crashChildLimit)
		if len(acks) == 0 {
			t.Fatalf("round %d: the child acknowledged nothing before it was killed", round)
		}
		for _, a := range acks {
			want[a.Seq] = true
		}
	}
	st := openStoreFlush(t, dir, nil, commitlog.SyncFlush)
	defer st.Close()
	tm := openTimer(t, dir, FromMessageStore(st), timerOptions(nil))
	defer tm.Close()
	got := waitFor(t, st, want, 30*time.Second)
	checkOnce(t, got, want)
	t.Logf("%d acknowledged over %d kills, %d delivered; last run %+v", len(want), crashRounds, len(got), tm.Stats())
}

// waitFor waits until every seq of want is delivered.
func waitFor(t *testing.T, st *store.MessageStore, want map[int64]bool, within time.Duration) []delivery {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := deliveries(t, st)
		seen := map[int64]bool{}
		for _, d := range got {
			seen[d.seq] = true
		}
		missing := 0
		for seq := range want {
			if !seen[seq] {
				missing++
			}
		}
		if missing == 0 {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d acknowledged timer messages never delivered", missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTimerSurvivesPowerLoss cuts the power (MemFS.CrashCopy: only flushed
// bytes survive) at random points while writers send timer messages and
// the timer delivers, and goes on from each copy. Every send acknowledged
// before a cut is delivered exactly once in the end.
func TestTimerSurvivesPowerLoss(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(46, seed))
	fs := mappedfile.NewMemFS()
	want := map[int64]bool{}
	for round := range 6 {
		st := openStoreFlush(t, "p", fs, commitlog.SyncFlush)
		o := timerOptions(fs)
		tm := openTimer(t, "p", FromMessageStore(st), o)
		var mu sync.Mutex
		acked := map[int64]bool{}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range int64(3) {
			wg.Go(func() {
				for i := int64(0); ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					seq := int64(round+1)*1_000_000 + w*100_000 + i
					m := timerMessage(seq, time.Now().UnixMilli()+seq*7919%maxDueIn)
					if _, err := Rewrite(m, time.Now(), time.Hour, true); err != nil {
						t.Error(err)
						return
					}
					if _, err := st.PutMessage(context.Background(), m); err != nil {
						return // the store is closing
					}
					mu.Lock()
					acked[seq] = true
					mu.Unlock()
				}
			})
		}
		time.Sleep(time.Duration(30+rng.IntN(400)) * time.Millisecond)
		mu.Lock()
		crashed := fs.CrashCopy()
		for seq := range acked {
			want[seq] = true
		}
		mu.Unlock()
		close(stop)
		wg.Wait()
		tm.Close()
		st.Close()
		fs = crashed
		t.Logf("round %d: cut after %d acknowledged sends", round, len(acked))
	}
	st := openStoreFlush(t, "p", fs, commitlog.SyncFlush)
	defer st.Close()
	tm := openTimer(t, "p", FromMessageStore(st), timerOptions(fs))
	defer tm.Close()
	got := waitFor(t, st, want, 30*time.Second)
	checkOnce(t, got, want)
	t.Logf("%d acknowledged, %d delivered; last run %+v", len(want), len(got), tm.Stats())
}
