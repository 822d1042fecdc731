package commitlog

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/mappedfile/errorfs"
	"github.com/rocketstore/rocketstore/message"
)

// eventLog records a log's events.
type eventLog struct {
	mu         sync.Mutex
	rolls      []RollInfo
	stalls     []FlushStallInfo
	poisoned   []error
	background []error
}

func (e *eventLog) events() Events {
	return Events{
		OnRoll:            func(r RollInfo) { e.mu.Lock(); e.rolls = append(e.rolls, r); e.mu.Unlock() },
		OnFlushStall:      func(s FlushStallInfo) { e.mu.Lock(); e.stalls = append(e.stalls, s); e.mu.Unlock() },
		OnPoisoned:        func(err error) { e.mu.Lock(); e.poisoned = append(e.poisoned, err); e.mu.Unlock() },
		OnBackgroundError: func(err error) { e.mu.Lock(); e.background = append(e.background, err); e.mu.Unlock() },
	}
}

func (e *eventLog) poisonedCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.poisoned)
}

// waitUntil polls cond until it holds, failing after a generous deadline;
// for conditions a background goroutine makes true on its own schedule.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// refusesEverything checks that every way of adding to l fails with the
// poison and changes nothing.
func refusesEverything(t *testing.T, l *Log) {
	t.Helper()
	end := l.MaxOffset()
	noWait := testMessage(-2, 100)
	noWait.Properties = noWait.Properties.Set(message.PropertyWaitStoreOK, "false")
	for name, try := range map[string]func() error{
		"Append":              func() error { _, err := l.Append(context.Background(), testMessage(-1, 100)); return err },
		"Append without wait": func() error { _, err := l.Append(context.Background(), noWait); return err },
		"AppendBatch": func() error {
			_, err := l.AppendBatch(context.Background(), []message.Message{*testMessage(-3, 10)}, nil)
			return err
		},
		"AppendRaw": func() error { return l.AppendRaw(end, make([]byte, 64)) },
		"Flush":     l.Flush,
	} {
		if err := try(); !errors.Is(err, ErrPoisoned) || !errors.Is(err, syscall.EIO) {
			t.Errorf("%s on a poisoned log: %v, want ErrPoisoned and the EIO", name, err)
		}
	}
	if l.MaxOffset() != end {
		t.Errorf("refused appends moved the write position from %d to %d", end, l.MaxOffset())
	}
}

// TestAFailedSyncPoisonsTheLogUntilReopened is the fsyncgate case under
// SYNC_FLUSH: a failed msync fails its append and every later one, even
// once the disk works again (the kernel may have dropped the pages, so a
// retried sync would pretend); reopening after a power loss keeps exactly
// the records acknowledged before the failure.
func TestAFailedSyncPoisonsTheLogUntilReopened(t *testing.T) {
	for _, pool := range []bool{false, true} {
		mem := mappedfile.NewMemFS()
		sw := errorfs.Toggle(errorfs.Always(errorfs.OpSync))
		var ev eventLog
		opts := &Options{FS: errorfs.Wrap(mem, sw), FileSize: 64 << 10, MaxMessageSize: 16 << 10, FlushMode: SyncFlush,
			TransientStorePool: pool, TransientStorePoolSize: 2, Events: ev.events()}
		l := openTest(t, "log", opts)
		var acked []AppendResult
		for seq := range int64(40) { // a few files
			acked = append(acked, mustAppend(t, l, testMessage(seq, 3000)))
		}
		durable := l.FlushedOffset()
		if durable != acked[len(acked)-1].End() {
			t.Fatalf("pool=%v: flushed %d after the acknowledged appends, want %d", pool, durable, acked[len(acked)-1].End())
		}
		sw.Set(true)
		if _, err := l.Append(context.Background(), testMessage(1000, 3000)); !errors.Is(err, ErrPoisoned) || !errors.Is(err, syscall.EIO) {
			t.Fatalf("pool=%v: append whose sync fails: %v", pool, err)
		}
		sw.Set(false)
		refusesEverything(t, l)
		if l.FlushedOffset() != durable || !errors.Is(l.Err(), ErrPoisoned) {
			t.Fatalf("pool=%v: flushed %d (want %d), Err %v", pool, l.FlushedOffset(), durable, l.Err())
		}
		for seq, r := range acked { // reads keep working
			if got := readSeq(t, l, r.PhysicalOffset); got != int64(seq) {
				t.Fatalf("pool=%v: seq %d at %d reads %d", pool, seq, r.PhysicalOffset, got)
			}
		}
		if n := ev.poisonedCount(); n != 1 {
			t.Fatalf("pool=%v: OnPoisoned called %d times, want once", pool, n)
		}
		if err := l.Close(); !errors.Is(err, ErrPoisoned) {
			t.Fatalf("pool=%v: Close of a poisoned log: %v, want the poison", pool, err)
		}

		opts.FS = mem.CrashCopy()
		opts.Events = Events{}
		l = openTest(t, "log", opts)
		if l.MaxOffset() != durable {
			t.Fatalf("pool=%v: reopened at %d, durable was %d (recovery %+v)", pool, l.MaxOffset(), durable, l.Recovery())
		}
		for seq, r := range acked {
			if got := readSeq(t, l, r.PhysicalOffset); got != int64(seq) {
				t.Fatalf("pool=%v: after reopen seq %d at %d reads %d", pool, seq, r.PhysicalOffset, got)
			}
		}
		mustAppend(t, l, testMessage(2000, 100)) // reopened: healthy again
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAFailedBackgroundWritePoisonsTheLog: under ASYNC_FLUSH the interval
// flusher (a failed msync) or the committer (a failed pwrite of a write
// buffer) meets the failure; appends are refused from then on.
func TestAFailedBackgroundWritePoisonsTheLog(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   errorfs.Op
		pool bool
	}{{"interval flush", errorfs.OpSync, false}, {"committer", errorfs.OpWrite, true}} {
		t.Run(tc.name, func(t *testing.T) {
			sw := errorfs.Toggle(errorfs.Always(tc.op))
			var ev eventLog
			l := openTest(t, "log", &Options{FS: errorfs.Wrap(mappedfile.NewMemFS(), sw), FileSize: 64 << 10,
				MaxMessageSize: 16 << 10, FlushInterval: time.Millisecond, FlushLeastPages: -1,
				TransientStorePool: tc.pool, CommitInterval: time.Millisecond, CommitLeastPages: -1, Events: ev.events()})
			mustAppend(t, l, testMessage(1, 100))
			sw.Set(true)
			mustAppend(t, l, testMessage(2, 100)) // acknowledged in memory, as ASYNC_FLUSH does
			waitUntil(t, "the background failure poisons the log", func() bool { return l.Err() != nil })
			sw.Set(false)
			refusesEverything(t, l)
			if err := l.Close(); !errors.Is(err, ErrPoisoned) {
				t.Fatalf("Close: %v", err)
			}
			if n := ev.poisonedCount(); n != 1 {
				t.Fatalf("OnPoisoned called %d times, want once", n)
			}
		})
	}
}

// TestEventsReportRollsStallsAndBackgroundErrors: each event reaches its
// callback.
func TestEventsReportRollsStallsAndBackgroundErrors(t *testing.T) {
	sw := errorfs.Toggle(errorfs.Always(errorfs.OpRemove))
	slow := &stallFS{FS: errorfs.Wrap(mappedfile.NewMemFS(), sw), delay: 20 * time.Millisecond}
	var ev eventLog
	l := openTest(t, "log", &Options{FS: slow, FileSize: 64 << 10, MaxMessageSize: 16 << 10, FlushMode: SyncFlush,
		FlushStallThreshold: 10 * time.Millisecond, Events: ev.events()})
	var last AppendResult
	for seq := range int64(30) {
		last = mustAppend(t, l, testMessage(seq, 3000))
	}
	first := l.Files().First()
	s, err := l.ReadRange(first.StartOffset(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := l.Files().DeleteFiles(func(f *mappedfile.File) bool { return f == first }, 1, -1); n != 0 || err != nil {
		t.Fatalf("DeleteFiles under a reader = %d, %v", n, err)
	}
	sw.Set(true)
	s.Release() // the last reader lets go: the removal fails in the background
	sw.Set(false)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if len(ev.rolls) == 0 || ev.rolls[len(ev.rolls)-1].StartOffset != last.PhysicalOffset-last.PhysicalOffset%(64<<10) {
		t.Errorf("rolls %+v, want the last one at the file holding %d", ev.rolls, last.PhysicalOffset)
	}
	for _, r := range ev.rolls {
		if r.FillerBytes < message.MinBlankSize || r.StartOffset%(64<<10) != 0 {
			t.Errorf("roll %+v", r)
		}
	}
	if len(ev.stalls) == 0 || ev.stalls[0].Took < 10*time.Millisecond || ev.stalls[0].Service != "group commit" {
		t.Errorf("stalls %+v, want the slow group commits", ev.stalls)
	}
	if len(ev.background) != 1 || !errors.Is(ev.background[0], errorfs.ErrInjected) {
		t.Errorf("background errors %v, want the failed removal", ev.background)
	}
	if len(ev.poisoned) != 0 {
		t.Errorf("a failed removal poisoned the log: %v", ev.poisoned)
	}
}

func TestOptionsValidateReportsEveryProblem(t *testing.T) {
	o := &Options{FileSize: 64 << 10, MaxMessageSize: 64 << 10, FlushInterval: time.Second,
		FlushThoroughInterval: time.Millisecond, SyncFlushTimeout: -1, TransientStorePoolLock: true, Mlock: true}
	err := o.Validate()
	if !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Validate = %v", err)
	}
	if n := len(err.(interface{ Unwrap() []error }).Unwrap()); n != 5 {
		t.Fatalf("%d problems, want 5 (message size, thorough interval, timeout, pool lock, mlock): %v", n, err)
	}
	if err := (*Options)(nil).Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}
