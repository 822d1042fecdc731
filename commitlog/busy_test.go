package commitlog

import (
	"context"
	"testing"
	"time"
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
