package flush

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestGroupCommitManyAppendersShareFlushes(t *testing.T) {
	tests := []struct {
		name   string
		linger time.Duration
		// maxFlushShare bounds flushes/waits: without grouping every wait
		// would cost a flush of its own.
		maxFlushShare float64
	}{
		{"adaptive linger", 0, 0.5},
		{"no linger", -1, 0.99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &fakeTarget{flushDelay: 200 * time.Microsecond}
			g := mustGroupCommit(t, target, GroupCommitOptions{Linger: tt.linger})
			defer g.Close()
			const appenders, each = 64, 30
			var wg sync.WaitGroup
			errs := make(chan error, appenders)
			for range appenders {
				wg.Go(func() {
					for range each {
						end := target.writeCommitted(1024)
						if err := g.Wait(context.Background(), end); err != nil {
							errs <- err
							return
						}
						if flushed := target.FlushedOffset(); flushed < end {
							errs <- fmt.Errorf("Wait(%d) returned with only %d flushed", end, flushed)
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			waits, flushes := float64(appenders*each), float64(target.flushes.Load())
			if flushes > tt.maxFlushShare*waits {
				t.Fatalf("%v flushes for %v waits, want at most %v", flushes, waits, tt.maxFlushShare*waits)
			}
			t.Logf("%.1f waits per flush", waits/flushes)
		})
	}
}

func TestGroupCommitWaitsOnlyForWhatIsNotFlushed(t *testing.T) {
	target := &fakeTarget{}
	g := mustGroupCommit(t, target, GroupCommitOptions{Timeout: time.Minute})
	defer g.Close()
	first := target.writeCommitted(100)
	second := target.writeCommitted(100)
	target.setFlushLimit(first)
	if err := g.Wait(context.Background(), first); err != nil {
		t.Fatalf("Wait(%d) with %d flushable: %v", first, first, err)
	}
	result := make(chan error, 1)
	go func() { result <- g.Wait(context.Background(), second) }()
	calls := target.flushCalls.Load()
	waitFor(t, "the flusher tried to cover the second waiter", func() bool { return target.flushCalls.Load() > calls })
	select {
	case err := <-result:
		t.Fatalf("Wait(%d) returned %v with only %d flushable", second, err, first)
	default:
	}
	target.setFlushLimit(0)
	if err := <-result; err != nil {
		t.Fatalf("Wait(%d) once flushable: %v", second, err)
	}
}

func TestGroupCommitTimeout(t *testing.T) {
	tests := []struct {
		name  string
		stuck func(*fakeTarget) (unstick func())
	}{
		{"flush blocked", func(f *fakeTarget) func() {
			f.block = make(chan struct{})
			return func() { close(f.block) }
		}},
		{"offset never flushable", func(f *fakeTarget) func() {
			f.setFlushLimit(1)
			return func() { f.setFlushLimit(0) }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &fakeTarget{}
			unstick := tt.stuck(target)
			g := mustGroupCommit(t, target, GroupCommitOptions{Timeout: 30 * time.Millisecond})
			end := target.writeCommitted(10)
			err := g.Wait(context.Background(), end)
			if !errors.Is(err, ErrFlushTimeout) {
				t.Fatalf("Wait on a stuck flush: %v, want ErrFlushTimeout", err)
			}
			if want := strconv.FormatInt(end, 10); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name offset %s", err, want)
			}
			g.mu.Lock()
			left := len(g.pending)
			g.mu.Unlock()
			if left != 0 {
				t.Errorf("%d waiters still pending after the only one timed out", left)
			}
			// A flusher that found nothing to cover must not spin: one
			// retry a millisecond makes a few dozen calls in 30 ms.
			if calls := target.flushCalls.Load(); calls > 1000 {
				t.Errorf("%d flush calls while one waiter waited 30 ms", calls)
			}
			unstick()
			if err := g.Wait(context.Background(), target.writeCommitted(10)); err != nil {
				t.Fatalf("Wait once the flush works again: %v", err)
			}
			if err := g.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGroupCommitContextEnds(t *testing.T) {
	tests := []struct {
		name string
		// cancelWhileFlushing cancels once the flusher holds the waiter;
		// otherwise the context is cancelled before Wait.
		cancelWhileFlushing bool
	}{
		{"cancelled before Wait", false},
		{"cancelled during the flush", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &fakeTarget{block: make(chan struct{}), entered: make(chan struct{}, 1)}
			g := mustGroupCommit(t, target, GroupCommitOptions{Timeout: time.Minute})
			defer func() {
				close(target.block)
				g.Close()
			}()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelWhileFlushing {
				go func() {
					<-target.entered
					cancel()
				}()
			} else {
				cancel()
			}
			if err := g.Wait(ctx, target.writeCommitted(10)); !errors.Is(err, context.Canceled) {
				t.Fatalf("Wait with a cancelled context: %v, want context.Canceled", err)
			}
		})
	}
}

// TestGroupCommitFailureIsSticky: once a flush fails, that waiter and
// every later one gets the error, even when the target works again, and
// the target is never flushed again; an offset made durable before the
// failure still succeeds.
func TestGroupCommitFailureIsSticky(t *testing.T) {
	target := &fakeTarget{}
	var reported []error
	g := mustGroupCommit(t, target, GroupCommitOptions{Hooks: Hooks{OnError: func(err error) { reported = append(reported, err) }}})
	durable := target.writeCommitted(10)
	if err := g.Wait(context.Background(), durable); err != nil {
		t.Fatal(err)
	}
	target.setFailure(syscall.EIO)
	var errno syscall.Errno
	err := g.Wait(context.Background(), target.writeCommitted(10))
	if !errors.Is(err, syscall.EIO) || !errors.As(err, &errno) {
		t.Fatalf("Wait on a failing flush: %v, want EIO", err)
	}
	target.setFailure(nil)
	calls := target.flushCalls.Load()
	for range 3 {
		if err := g.Wait(context.Background(), target.writeCommitted(10)); !errors.Is(err, syscall.EIO) {
			t.Fatalf("Wait after the failure, target healthy again: %v, want the first EIO", err)
		}
	}
	if err := g.Wait(context.Background(), durable); err != nil {
		t.Fatalf("Wait for an offset durable before the failure: %v", err)
	}
	if target.flushCalls.Load() != calls || target.FlushedOffset() != durable {
		t.Fatalf("the poisoned service flushed again: %d calls, flushed %d", target.flushCalls.Load()-calls, target.FlushedOffset())
	}
	if err := g.Close(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Close after the failure: %v, want the EIO", err)
	}
	if len(reported) != 1 || !errors.Is(reported[0], syscall.EIO) {
		t.Fatalf("OnError got %v, want the failure once", reported)
	}
	if !errors.Is(g.Err(), syscall.EIO) {
		t.Fatalf("Err = %v", g.Err())
	}
}

func TestGroupCommitClose(t *testing.T) {
	tests := []struct {
		name      string
		coverable bool  // the final flush reaches the waiter's offset
		failWith  error // flushes fail with it once Close has begun
		wantWait  error // nil: the waiter succeeds
		wantClose error
	}{
		{name: "covered by the last flush", coverable: true},
		{name: "not covered", wantWait: ErrClosed},
		{name: "last flushes fail", coverable: true, failWith: syscall.EIO, wantWait: syscall.EIO, wantClose: syscall.EIO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &fakeTarget{block: make(chan struct{}), entered: make(chan struct{}, 1)}
			g := mustGroupCommit(t, target, GroupCommitOptions{Timeout: time.Minute})
			end := target.writeCommitted(10)
			if !tt.coverable {
				target.setFlushLimit(1)
			}
			result := make(chan error, 1)
			go func() { result <- g.Wait(context.Background(), end) }()
			<-target.entered // the flusher holds the waiter, blocked in Flush
			target.setFailure(tt.failWith)
			closed := make(chan error, 1)
			go func() { closed <- g.Close() }()
			waitFor(t, "Close marks the service closed", g.closed.Load)
			close(target.block)

			if err := <-result; !errorIs(err, tt.wantWait) {
				t.Errorf("waiter released by Close got %v, want %v", err, tt.wantWait)
			}
			if err := <-closed; !errorIs(err, tt.wantClose) {
				t.Errorf("Close = %v, want %v", err, tt.wantClose)
			}
			if err := g.Wait(context.Background(), 0); !errors.Is(err, ErrClosed) {
				t.Errorf("Wait after Close: %v, want ErrClosed", err)
			}
			if err := g.Close(); !errors.Is(err, ErrClosed) {
				t.Errorf("second Close: %v, want ErrClosed", err)
			}
		})
	}
}

// errorIs is errors.Is, except that a nil target wants no error at all.
func errorIs(err, target error) bool {
	if target == nil {
		return err == nil
	}
	return errors.Is(err, target)
}

func TestGroupCommitWaitDoesNotAllocate(t *testing.T) {
	target := &fakeTarget{}
	g := mustGroupCommit(t, target, GroupCommitOptions{})
	defer g.Close()
	ctx := context.Background()
	var failed atomic.Value
	allocs := testing.AllocsPerRun(500, func() {
		if err := g.Wait(ctx, target.writeCommitted(100)); err != nil {
			failed.Store(err)
		}
	})
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
	if target.flushes.Load() < 500 {
		t.Fatalf("only %d flushes: the waits did not take the slow path", target.flushes.Load())
	}
	if allocs > 0.1 {
		t.Fatalf("%.2f allocations per Wait, want none", allocs)
	}
}

// BenchmarkGroupCommitWait runs appenders that each write a 1 KiB record
// and wait for it, against a target whose flush takes about 250 µs like a
// fast fsync.
func BenchmarkGroupCommitWait(b *testing.B) {
	const recordSize = 1024
	for _, appenders := range []int{1, 8, 64} {
		b.Run("appenders="+strconv.Itoa(appenders), func(b *testing.B) {
			target := &fakeTarget{flushDelay: 250 * time.Microsecond}
			g := mustGroupCommit(b, target, GroupCommitOptions{})
			defer g.Close()
			b.SetBytes(recordSize)
			b.ReportAllocs()
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range appenders {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						if err := g.Wait(context.Background(), target.writeCommitted(recordSize)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/float64(max(1, target.flushes.Load())), "waits/flush")
		})
	}
}
