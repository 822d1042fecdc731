package flush

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestGroupCommitCoversManyWaitersPerFlush(t *testing.T) {
	target := &fakeTarget{flushDelay: 200 * time.Microsecond}
	g := NewGroupCommit(target, GroupCommitOptions{})
	defer g.Close()
	const writers, each = 64, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				end := target.writeCommitted(1024)
				if err := g.Wait(context.Background(), end); err != nil {
					errs <- err
					return
				}
				if target.FlushedOffset() < end {
					errs <- errors.New("Wait returned before the offset was flushed")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	waits, flushes := int64(writers*each), target.flushes.Load()
	if flushes >= waits/4 {
		t.Fatalf("%d flushes for %d waits: the group commit does not group", flushes, waits)
	}
	t.Logf("%d waits shared %d flushes (%.1f per flush)", waits, flushes, float64(waits)/float64(flushes))
}

func TestGroupCommitTimeout(t *testing.T) {
	target := &fakeTarget{block: make(chan struct{})}
	g := NewGroupCommit(target, GroupCommitOptions{Timeout: 30 * time.Millisecond})
	err := g.Wait(context.Background(), target.writeCommitted(10))
	if !errors.Is(err, ErrFlushTimeout) {
		t.Fatalf("Wait on a stuck flush: %v, want ErrFlushTimeout", err)
	}
	close(target.block)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestGroupCommitContextCancel(t *testing.T) {
	target := &fakeTarget{block: make(chan struct{})}
	g := NewGroupCommit(target, GroupCommitOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if err := g.Wait(ctx, target.writeCommitted(10)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a cancelled context: %v", err)
	}
	close(target.block)
	g.Close()
}

func TestGroupCommitPropagatesFlushErrors(t *testing.T) {
	target := &fakeTarget{failWith: syscall.EIO}
	g := NewGroupCommit(target, GroupCommitOptions{})
	defer g.Close()
	if err := g.Wait(context.Background(), target.writeCommitted(10)); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Wait on a failing flush: %v, want EIO", err)
	}
	target.mu.Lock()
	target.failWith = nil
	target.mu.Unlock()
	if err := g.Wait(context.Background(), target.writeCommitted(10)); err != nil {
		t.Fatalf("Wait once flushes work again: %v", err)
	}
}

func TestGroupCommitClose(t *testing.T) {
	target := &fakeTarget{block: make(chan struct{})}
	g := NewGroupCommit(target, GroupCommitOptions{Timeout: time.Minute})
	end := target.writeCommitted(10)
	result := make(chan error, 1)
	go func() { result <- g.Wait(context.Background(), end) }()
	if !eventually(func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.pending) == 0 }) {
		t.Fatal("the flusher never took the waiter")
	}
	closed := make(chan error, 1)
	go func() { closed <- g.Close() }()
	close(target.block)
	if err := <-result; err != nil {
		t.Fatalf("a waiter covered by the final flush got %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err := g.Wait(context.Background(), end+1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait after Close: %v", err)
	}
	if err := g.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

func BenchmarkGroupCommitWait(b *testing.B) {
	for _, writers := range []int{1, 8, 64} {
		b.Run(map[int]string{1: "w1", 8: "w8", 64: "w64"}[writers], func(b *testing.B) {
			target := &fakeTarget{flushDelay: 250 * time.Microsecond}
			g := NewGroupCommit(target, GroupCommitOptions{})
			defer g.Close()
			b.ReportAllocs()
			b.SetParallelism((writers + 1) / 2)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := g.Wait(context.Background(), target.writeCommitted(1024)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/float64(max(1, target.flushes.Load())), "waits/flush")
		})
	}
}
