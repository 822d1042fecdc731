package timer

import (
	"slices"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/mappedfile"
)

// TestTimersDeliveredAtTheirTime sends timers due over the next second, in
// shuffled order: each arrives once, in its queue, not before it is due
// and soon after.
func TestTimersDeliveredAtTheirTime(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir, nil)
	defer st.Close()
	tm := openTimer(t, dir, FromMessageStore(st), timerOptions(nil))
	defer tm.Close()
	const n = 300
	start := time.Now()
	base := start.Add(time.Second).UnixMilli()
	want := map[int64]bool{}
	for i := range int64(n) {
		seq := (i * 7919) % n
		putTimer(t, st, seq, base+seq*3)
		want[seq] = true
	}
	if got := len(deliveries(t, st)); got != 0 && time.Since(start) < time.Second {
		t.Fatalf("%d delivered before any was due", got)
	}
	got := waitDelivered(t, st, n, 20*time.Second)
	checkOnce(t, got, want)
	late := make([]int64, len(got))
	for i, d := range got {
		late[i] = d.storedMs - d.dueMs
	}
	slices.Sort(late)
	t.Logf("lateness p50 %d ms, max %d ms", late[len(late)/2], late[len(late)-1])
	if s := tm.Stats(); s.Delivered != n || s.Pending != 0 || s.Lost != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestOverdueTimersDeliveredAtOnce opens the timer after its messages fell
// due: each arrives once, right away.
func TestOverdueTimersDeliveredAtOnce(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir, nil)
	defer st.Close()
	want := map[int64]bool{}
	var last int64
	for seq := range int64(50) {
		last = time.Now().Add(300 * time.Millisecond).UnixMilli()
		putTimer(t, st, seq, last)
		want[seq] = true
	}
	time.Sleep(time.Until(time.UnixMilli(last + 10))) // all due before the timer starts
	tm := openTimer(t, dir, FromMessageStore(st), timerOptions(nil))
	defer tm.Close()
	checkOnce(t, waitDelivered(t, st, 50, 10*time.Second), want)
	// Delivered at once, and still counted as taken in: enqueued less
	// delivered is what waits, for an operator reading the metrics.
	// The counters move just after each put, which consumers may see first.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		s := tm.Stats()
		if s.Enqueued == 50 && s.Delivered == 50 && s.Pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v, want 50 enqueued and delivered, none pending", s)
		}
	}
}

// TestPendingTimersSurviveARestart closes the timer with messages pending
// and reopens it (and the store): they arrive once, on time.
func TestPendingTimersSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir, nil)
	tm := openTimer(t, dir, FromMessageStore(st), timerOptions(nil))
	want := map[int64]bool{}
	due := time.Now().Add(3 * time.Second).UnixMilli()
	for seq := range int64(100) {
		putTimer(t, st, seq, due+seq)
		want[seq] = true
	}
	deadline := time.Now().Add(5 * time.Second)
	for tm.Stats().Enqueued < 100 {
		if time.Now().After(deadline) {
			t.Fatalf("enqueued %d of 100", tm.Stats().Enqueued)
		}
		time.Sleep(time.Millisecond)
	}
	if err := tm.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tm.Close(); err != ErrClosed {
		t.Fatalf("second Close: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = openStore(t, dir, nil)
	defer st.Close()
	tm = openTimer(t, dir, FromMessageStore(st), timerOptions(nil))
	defer tm.Close()
	if s := tm.Stats(); s.Pending != 100 {
		t.Fatalf("after the restart %d pending, want 100", s.Pending)
	}
	checkOnce(t, waitDelivered(t, st, 100, 10*time.Second), want)
}

// TestMessageBeyondTheWheelGoesRound puts a timer message due beyond the
// wheel straight into the timer topic (as after MaxDelay was lowered): it
// waits in the wheel's farthest slot, goes back into the topic, and is
// delivered once, on time.
func TestMessageBeyondTheWheelGoesRound(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir, nil)
	defer st.Close()
	o := timerOptions(nil)
	o.MaxDelay = 100 * time.Millisecond // 80 slots of 10 ms: 0.8 s
	tm := openTimer(t, dir, FromMessageStore(st), o)
	defer tm.Close()
	putTimer(t, st, 1, time.Now().Add(2*time.Second).UnixMilli())
	got := waitDelivered(t, st, 1, 10*time.Second)
	checkOnce(t, got, map[int64]bool{1: true})
	if s := tm.Stats(); s.Rolled == 0 || s.Delivered != 1 {
		t.Fatalf("stats %+v: want a roll, then the delivery", s)
	}
}

// TestPowerLossAfterDeliveriesDeliversNothingTwice cuts the power after
// the timer delivered messages but before it wrote a checkpoint saying so:
// the restarted timer finds the deliveries in the commit log and does not
// repeat them; the messages still pending arrive once.
func TestPowerLossAfterDeliveriesDeliversNothingTwice(t *testing.T) {
	fs := mappedfile.NewMemFS()
	st := openStoreFlush(t, "s", fs, commitlog.SyncFlush)
	o := timerOptions(fs)
	o.FlushInterval = time.Hour // no checkpoint but the first
	tm := openTimer(t, "s", FromMessageStore(st), o)
	want := map[int64]bool{}
	now := time.Now()
	for seq := range int64(40) {
		due := now.Add(time.Second) // half due soon, half later
		if seq%2 == 1 {
			due = now.Add(4 * time.Second)
		}
		putTimer(t, st, seq, due.UnixMilli())
		want[seq] = true
	}
	waitDelivered(t, st, 20, 10*time.Second)
	crashed := fs.CrashCopy()
	if s := tm.Stats(); s.Checkpoints != 1 {
		t.Fatalf("stats %+v: a checkpoint after the first", s)
	}
	tm.Close()
	st.Close()

	st = openStoreFlush(t, "s", crashed, commitlog.SyncFlush)
	defer st.Close()
	before := 0
	for _, d := range deliveries(t, st) {
		if d.timed {
			before++
		}
	}
	o.FS, o.FlushInterval = crashed, 20*time.Millisecond
	tm = openTimer(t, "s", FromMessageStore(st), o)
	defer tm.Close()
	checkOnce(t, waitDelivered(t, st, 40, 10*time.Second), want)
	if s := tm.Stats(); before == 0 || s.Deduplicated != int64(before) {
		t.Fatalf("stats %+v: %d delivered before the power loss", s, before)
	}
}

// TestTimerGoesOnFromAMastersCheckpoint plays a slave made master: a timer
// whose files are only the checkpoint copied from the old master rebuilds
// its log from the timer topic. What the master delivered is not delivered
// again; what it held is, once.
func TestTimerGoesOnFromAMastersCheckpoint(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir, nil)
	defer st.Close()
	master := openTimer(t, dir+"/master", FromMessageStore(st), timerOptions(nil))
	want := map[int64]bool{}
	now := time.Now()
	for seq := range int64(60) {
		due := now.Add(500 * time.Millisecond)
		if seq%3 == 0 {
			due = now.Add(3*time.Second + time.Duration(seq)*time.Millisecond)
		}
		putTimer(t, st, seq, due.UnixMilli())
		want[seq] = true
	}
	waitDelivered(t, st, 40, 10*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for {
		cp, ok := master.Checkpoint()
		if ok && cp.QueueOffset == 60 && cp.ReadTimeMs > now.Add(500*time.Millisecond).UnixMilli() {
			if err := master.Close(); err != nil {
				t.Fatal(err)
			}
			// The slave's copy is the master's last checkpoint.
			cp, _ = master.Checkpoint()
			if err := WriteCheckpoint(nil, dir+"/slave", cp); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint past the first deliveries: %+v", cp)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for seq := int64(60); seq < 70; seq++ { // sent while no timer runs
		putTimer(t, st, seq, time.Now().Add(500*time.Millisecond).UnixMilli())
		want[seq] = true
	}
	promoted := openTimer(t, dir+"/slave", FromMessageStore(st), timerOptions(nil))
	defer promoted.Close()
	checkOnce(t, waitDelivered(t, st, 70, 10*time.Second), want)
	time.Sleep(100 * time.Millisecond) // nothing more comes
	checkOnce(t, deliveries(t, st), want)
}
