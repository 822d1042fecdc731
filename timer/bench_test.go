package timer

import (
	"bufio"
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/store"
)

// BenchmarkTimerLateness sends 100,000 timer messages due at random times
// over 60 s (from 10 s after the first send, so that every one is sent
// before it is due) to a store on disk with the default timer (1 s slots),
// and reports how late they arrive: the delivered record's store time
// minus its due time, p50, p99 and max. One run takes about 75 s:
//
//	go test ./timer -run '^$' -bench TimerLateness -benchtime 1x
func BenchmarkTimerLateness(b *testing.B) {
	const n, spread = 100_000, 60 * time.Second
	for range b.N {
		dir := b.TempDir()
		st, err := store.Open(dir, &store.Options{CommitLog: commitlog.Options{FileSize: 64 << 20}, CleanResourceInterval: -1, DisableIndex: true})
		if err != nil {
			b.Fatal(err)
		}
		tm := openTimer(b, dir, FromMessageStore(st), nil)
		start := time.Now().Add(10 * time.Second).UnixMilli()
		for seq := range int64(n) {
			putTimerTB(b, st, seq, start+seq*7919%spread.Milliseconds())
		}
		got := waitDelivered(b, st, n, spread+2*time.Minute)
		late := make([]float64, len(got))
		for i, d := range got {
			late[i] = float64(d.storedMs - d.dueMs)
		}
		slices.Sort(late)
		b.ReportMetric(late[len(late)/2], "p50-late-ms")
		b.ReportMetric(late[len(late)*99/100], "p99-late-ms")
		b.ReportMetric(late[len(late)-1], "max-late-ms")
		if late[0] < 0 {
			b.Fatalf("a message arrived %v ms early", -late[0])
		}
		tm.Close()
		st.Close()
	}
}

func putTimerTB(b *testing.B, st *store.MessageStore, seq, dueMs int64) {
	m := timerMessage(seq, dueMs)
	if ok, err := Rewrite(m, time.Now(), time.Hour, true); err != nil || !ok {
		b.Fatalf("Rewrite %d: %v %v", seq, ok, err)
	}
	if _, err := st.PutMessage(context.Background(), m); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMillionPendingTimers fills a timer with a million timers due
// over three days (the messages themselves are made up on demand, not
// stored) and reports what the process holds for them: the Go heap, the
// resident set (mapped timer-log and wheel pages included) and the timer
// log on disk, with the enqueue rate.
//
//	go test ./timer -run '^$' -bench MillionPending -benchtime 1x
func BenchmarkMillionPendingTimers(b *testing.B) {
	const n = 1_000_000
	for range b.N {
		dir := b.TempDir()
		heap0, rss0 := heapBytes(), rssBytes(b)
		start := time.Now()
		tm, _ := millionPending(b, dir, n)
		took := time.Since(start)
		b.ReportMetric(float64(heapBytes()-heap0)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(rssBytes(b)-rss0)/(1<<20), "rss-MiB")
		b.ReportMetric(float64(dirBytes(b, dir+"/timerlog"))/(1<<20), "timerlog-MiB")
		b.ReportMetric(n/took.Seconds(), "enqueued/s")
		tm.Close()
	}
}

// rssBytes is the process's resident set size (Linux; 0 elsewhere).
func rssBytes(tb testing.TB) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb << 10
		}
	}
	return 0
}
