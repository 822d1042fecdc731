package timer

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/store"
)

const (
	realTopic  = "Due"
	realQueues = 4
)

var bornHost = netip.MustParseAddrPort("10.1.2.3:40000")

// storeOptions are small files, on fs (nil: the OS). Flushes are async:
// crash tests that need an acknowledged put to be durable set SyncFlush.
func storeOptions(fs mappedfile.FS, flush commitlog.FlushMode) *store.Options {
	return &store.Options{
		CommitLog:                commitlog.Options{FileSize: 1 << 20, MaxMessageSize: 64 << 10, FlushMode: flush},
		ConsumeQueueUnitsPerFile: 4096, IndexSlotCount: 256, IndexMaxEntries: 1024, DisableIndex: true,
		CleanResourceInterval: -1, FS: fs, FlushConsumeQueueInterval: 10 * time.Millisecond,
	}
}

// timerOptions check often, with a fine wheel.
func timerOptions(fs mappedfile.FS) *Options {
	return &Options{Precision: 10 * time.Millisecond, MaxDelay: time.Minute, LogFileSize: 64 * UnitSize,
		FlushInterval: 20 * time.Millisecond, PollInterval: 5 * time.Millisecond, FS: fs}
}

func openStore(t testing.TB, dir string, fs mappedfile.FS) *store.MessageStore {
	t.Helper()
	return openStoreFlush(t, dir, fs, commitlog.AsyncFlush)
}

func openStoreFlush(t testing.TB, dir string, fs mappedfile.FS, flush commitlog.FlushMode) *store.MessageStore {
	t.Helper()
	s, err := store.Open(dir, storeOptions(fs, flush))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openTimer(t testing.TB, dir string, st Store, o *Options) *Timer {
	t.Helper()
	tm, err := Open(dir, st, o)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// timerMessage is message seq asking to be delivered at deliverMs.
func timerMessage(seq, deliverMs int64) *message.Message {
	return &message.Message{
		Topic: realTopic, QueueID: int32(seq % realQueues), Body: testkit.Body(seq, 16+int(seq%50)), BornHost: bornHost,
		BornTimestamp: time.Now().UnixMilli(),
		Properties: message.EncodeProperties(map[string]string{
			PropertyDeliverMs: strconv.FormatInt(deliverMs, 10), message.PropertyKeys: fmt.Sprint("k", seq)}),
	}
}

// putTimer sends message seq through Rewrite, as a broker's send path
// does, and stores it.
func putTimer(t testing.TB, st *store.MessageStore, seq, deliverMs int64) {
	t.Helper()
	m := timerMessage(seq, deliverMs)
	if ok, err := Rewrite(m, time.Now(), time.Hour, true); err != nil || !ok {
		t.Fatalf("Rewrite %d: %v %v", seq, ok, err)
	}
	if _, err := st.PutMessage(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

// delivery is one message found in the real topic.
type delivery struct {
	seq              int64
	timed            bool // delivered by the timer (not due at its send)
	dueMs, storedMs  int64
	queue, wantQueue int32
}

// deliveries reads every message of the real topic.
func deliveries(t testing.TB, st *store.MessageStore) []delivery {
	t.Helper()
	if err := st.WaitDispatched(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	var out []delivery
	for q := range int32(realQueues) {
		for offset := st.GetMinOffsetInQueue(realTopic, q); ; {
			r, err := st.GetMessage("check", realTopic, q, offset, 32, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range r.Messages {
				rec, err := e.Decode(true)
				if err != nil {
					t.Fatal(err)
				}
				seq, ok := testkit.BodySeq(rec.Body)
				// What the producer asked for: a message due at its send
				// was no timer message (no TIMER_OUT_MS).
				due, derr := strconv.ParseInt(rec.Properties.Get(PropertyDeliverMs), 10, 64)
				if !ok || derr != nil {
					t.Fatalf("delivered record at %d: body ok %v, due %v", e.Offset, ok, derr)
				}
				_, timed := rec.Properties.Lookup(PropertyOutMs)
				out = append(out, delivery{seq: seq, timed: timed, dueMs: due, storedMs: rec.StoreTimestamp, queue: q, wantQueue: int32(seq % realQueues)})
			}
			r.Release()
			if r.Status != store.Found {
				break
			}
			offset = r.NextBeginOffset
		}
	}
	return out
}

// waitDelivered waits until n messages are in the real topic, and reads
// them. It polls the queues' ends, which costs nothing beside the timer.
func waitDelivered(t testing.TB, st *store.MessageStore, n int, within time.Duration) []delivery {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		total := int64(0)
		for q := range int32(realQueues) {
			total += st.GetMaxOffsetInQueue(realTopic, q)
		}
		if total >= int64(n) {
			return deliveries(t, st)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d timer messages delivered within %v", total, n, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkOnce fails unless every seq of want was delivered exactly once, in
// its queue, never before it was due; others (sent but not acknowledged)
// at most once.
func checkOnce(t testing.TB, got []delivery, want map[int64]bool) {
	t.Helper()
	seen := map[int64]int{}
	for _, d := range got {
		seen[d.seq]++
		if seen[d.seq] > 1 {
			t.Fatalf("seq %d delivered %d times", d.seq, seen[d.seq])
		}
		if d.storedMs < d.dueMs {
			t.Fatalf("seq %d delivered at %d, %d ms before it was due", d.seq, d.storedMs, d.dueMs-d.storedMs)
		}
		if d.queue != d.wantQueue {
			t.Fatalf("seq %d delivered to queue %d, want %d", d.seq, d.queue, d.wantQueue)
		}
	}
	for seq := range want {
		if seen[seq] != 1 {
			t.Fatalf("seq %d delivered %d times, want once", seq, seen[seq])
		}
	}
}
