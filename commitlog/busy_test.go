package commitlog

import (
	"context"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/message"
)

func TestLockHeldForMeasuresTheAppendInProgress(t *testing.T) {
	l := openTest(t, t.TempDir(), nil)
	defer l.Close()
	if d := l.LockHeldFor(time.Now()); d != 0 {
		t.Fatalf("idle log: held for %v", d)
	}
	l.lockAppend()
	if d := l.LockHeldFor(time.Now().Add(1500 * time.Millisecond)); d < 1500*time.Millisecond {
		t.Fatalf("held for %v, want at least 1.5 s", d)
	}
	l.unlockAppend()
	if _, err := l.Append(context.Background(), testMessage(1, 100)); err != nil {
		t.Fatal(err)
	}
	if d := l.LockHeldFor(time.Now()); d != 0 {
		t.Fatalf("after an append: held for %v", d)
	}
	if _, on := l.TransientPoolAvailable(); on {
		t.Fatal("pool reported without TransientStorePool")
	}
}

func TestTransientPoolAvailableCountsFreeBuffers(t *testing.T) {
	l := openTest(t, t.TempDir(), &Options{TransientStorePool: true, TransientStorePoolSize: 3})
	defer l.Close()
	free, on := l.TransientPoolAvailable()
	if !on || free < 1 || free > 3 {
		t.Fatalf("free %d enabled %v, want 1..3 of 3", free, on)
	}
}

// The one clock read an append takes serves both the store timestamp and
// LockHeldFor: the timestamp is the wall clock's, taken under the lock, so
// timestamps follow the log's order, and a batch shares one.
func TestStoreTimestampIsTheWallClockInLogOrder(t *testing.T) {
	l := openTest(t, t.TempDir(), nil)
	defer l.Close()
	before := time.Now().UnixMilli()
	var last int64
	for seq := range int64(2000) {
		res := mustAppend(t, l, testMessage(seq, 10))
		if res.StoreTimestamp < last {
			t.Fatalf("record %d stored at %d, before the previous record's %d", seq, res.StoreTimestamp, last)
		}
		last = res.StoreTimestamp
	}
	batch, err := l.AppendBatch(context.Background(), []message.Message{*testMessage(1, 10), *testMessage(2, 10)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().UnixMilli()
	if batch[0].StoreTimestamp != batch[1].StoreTimestamp {
		t.Fatalf("one batch, two store timestamps: %d and %d", batch[0].StoreTimestamp, batch[1].StoreTimestamp)
	}
	for _, ts := range []int64{last, batch[0].StoreTimestamp} {
		if ts < before || ts > after || ts < last {
			t.Fatalf("store timestamp %d outside [%d, %d] or before %d", ts, before, after, last)
		}
	}
	e, err := l.Read(batch[1].PhysicalOffset)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Release()
	rec, err := e.Decode(false)
	if err != nil {
		t.Fatal(err)
	}
	if rec.StoreTimestamp != batch[1].StoreTimestamp {
		t.Fatalf("record stored at %d, result says %d", rec.StoreTimestamp, batch[1].StoreTimestamp)
	}
}

func TestWallMicrosIsTheWallClock(t *testing.T) {
	before := time.Now().UnixMicro()
	got := wallMicros()
	after := time.Now().UnixMicro()
	if got < before || got > after {
		t.Fatalf("wallMicros %d outside [%d, %d]", got, before, after)
	}
}
