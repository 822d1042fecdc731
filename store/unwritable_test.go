package store

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/internal/testkit"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/mappedfile/errorfs"
	"github.com/rocketstore/rocketstore/message"
)

// TestAFailedSyncMakesTheStoreUnwritableUntilReopened: once a sync of the
// commit log fails, that put and every later one fail with ErrUnwritable
// naming the cause, even after the disk recovers; the listener hears it
// once; after a power loss and reopening, every acknowledged message is
// there and puts work again.
func TestAFailedSyncMakesTheStoreUnwritableUntilReopened(t *testing.T) {
	mem := mappedfile.NewMemFS()
	inj := testkit.FailSyncsOf(commitLogDir)
	var unwritable atomic.Int32
	opts := testOptions(errorfs.Wrap(mem, inj))
	opts.CommitLog.FlushMode = commitlog.SyncFlush
	opts.Events = &EventListener{Unwritable: func(error) { unwritable.Add(1) }}
	s := openUnchecked(t, "s", opts) // closed below, with a failing disk
	acked := map[int64]int64{}
	putSeqs(t, s, 0, 50, acked)

	inj.Set(true)
	_, err := s.PutMessage(context.Background(), testMessage(50, 100))
	var ioErr *mappedfile.IOError
	if !errors.Is(err, ErrUnwritable) || !errors.Is(err, commitlog.ErrPoisoned) || !errors.Is(err, errorfs.ErrInjected) || !errors.As(err, &ioErr) {
		t.Fatalf("put over a failing sync: %v", err)
	}
	inj.Set(false) // the disk is back: the store must not believe it
	for seq := int64(51); seq < 55; seq++ {
		if _, err := s.PutMessage(context.Background(), testMessage(seq, 100)); !errors.Is(err, ErrUnwritable) || !strings.Contains(err.Error(), "injected") {
			t.Fatalf("put %d after the failure: %v", seq, err)
		}
	}
	batch := []message.Message{*testMessage(60, 10)}
	if _, err := s.PutMessages(context.Background(), batch, nil); !errors.Is(err, ErrUnwritable) {
		t.Fatalf("batch after the failure: %v", err)
	}
	if err := s.Err(); !errors.Is(err, ErrUnwritable) || !errors.As(err, &ioErr) || ioErr.Op != "sync" {
		t.Fatalf("Err = %v", err)
	}
	if err := s.Flush(); !errors.Is(err, ErrUnwritable) {
		t.Fatalf("Flush after the failure: %v", err)
	}
	if n := unwritable.Load(); n != 1 {
		t.Fatalf("Unwritable was told %d times", n)
	}
	s.Close() // fails: the log cannot be made durable; recovery follows

	// A power loss keeps what was synced: every acknowledged message.
	opts.FS = mem.CrashCopy()
	s = openStore(t, "s", opts)
	defer s.Close()
	if !s.Recovery().Abnormal {
		t.Fatalf("recovery %+v: the failed close must leave the abort marker", s.Recovery())
	}
	checkAll(t, s, acked)
	if s.Err() != nil {
		t.Fatalf("Err after reopening: %v", s.Err())
	}
	mustPut(t, s, testMessage(100, 100))
}

// TestABackgroundFlushFailureMakesTheStoreUnwritable: with asynchronous
// flushing the failure happens in the flusher; puts fail from then on.
func TestABackgroundFlushFailureMakesTheStoreUnwritable(t *testing.T) {
	inj := testkit.FailSyncsOf(commitLogDir)
	opts := testOptions(errorfs.Wrap(mappedfile.NewMemFS(), inj))
	opts.CommitLog.FlushInterval = 5 * time.Millisecond
	opts.CommitLog.FlushLeastPages = 1
	s := openUnchecked(t, "s", opts)
	defer s.Close()
	mustPut(t, s, testMessage(0, 100))
	inj.Set(true)
	mustPut(t, s, testMessage(1, 10000)) // acknowledged at once: the flusher meets the failure later
	testkit.WaitFor(t, "the flusher to fail", func() bool { return s.Err() != nil })
	inj.Set(false)
	if _, err := s.PutMessage(context.Background(), testMessage(0, 10)); !errors.Is(err, ErrUnwritable) {
		t.Fatalf("put after the flusher failed: %v", err)
	}
}
