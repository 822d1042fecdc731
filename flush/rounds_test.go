package flush

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// roundLog collects what Hooks.OnRound reports.
type roundLog struct {
	mu     sync.Mutex
	rounds []Round
}

func (l *roundLog) hooks() Hooks { return Hooks{OnRound: l.add} }

func (l *roundLog) add(r Round) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rounds = append(l.rounds, r)
}

func (l *roundLog) get() []Round {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Round(nil), l.rounds...)
}

// TestGroupCommitReportsEachRound: a round reports the waiters it answered
// (the group) and the bytes it made durable. The first flush is held while
// five more appenders wait, so the rounds are known exactly: the first
// answers its one waiter and flushes all six records, the second flushes
// nothing new and answers the five.
func TestGroupCommitReportsEachRound(t *testing.T) {
	target := &fakeTarget{entered: make(chan struct{}, 1), block: make(chan struct{})}
	var log roundLog
	g := mustGroupCommit(t, target, GroupCommitOptions{Hooks: log.hooks()})
	defer g.Close()

	const record, later = 1024, 5
	var wg sync.WaitGroup
	errs := make(chan error, later+1)
	wait := func() {
		end := target.writeCommitted(record)
		wg.Go(func() { errs <- g.Wait(context.Background(), end) })
	}
	wait()
	<-target.entered // the flusher holds the first waiter and is flushing
	for range later {
		wait()
	}
	waitFor(t, "five waiters pending", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.pending) == later
	})
	close(target.block)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	got := log.get()
	want := []Round{{Waiters: 1, Bytes: (later + 1) * record}, {Waiters: later, Bytes: 0}}
	if len(got) != len(want) {
		t.Fatalf("rounds %+v, want %d", got, len(want))
	}
	for i := range want {
		if got[i].Waiters != want[i].Waiters || got[i].Bytes != want[i].Bytes || got[i].Took <= 0 {
			t.Errorf("round %d: %+v, want %d waiters, %d bytes and a duration", i, got[i], want[i].Waiters, want[i].Bytes)
		}
	}
}

// TestGroupCommitDoesNotReportFailedRounds: a failed flush goes to OnError,
// not OnRound.
func TestGroupCommitDoesNotReportFailedRounds(t *testing.T) {
	target := &fakeTarget{failWith: syscall.EIO}
	var log roundLog
	g := mustGroupCommit(t, target, GroupCommitOptions{Hooks: log.hooks()})
	if err := g.Wait(context.Background(), target.writeCommitted(10)); err == nil {
		t.Fatal("Wait succeeded over a failing flush")
	}
	if err := g.Close(); err == nil {
		t.Fatal("Close succeeded over a failing flush")
	}
	if got := log.get(); len(got) != 0 {
		t.Fatalf("failed rounds reported: %+v", got)
	}
}

// TestPeriodicServicesReportRoundsThatMovedBytes: the interval flusher and
// the committer report a round with the bytes it flushed or committed,
// and say nothing of rounds that found too little to do.
func TestPeriodicServicesReportRoundsThatMovedBytes(t *testing.T) {
	tests := []struct {
		name  string
		start func(*fakeTarget, Hooks) interface {
			Wake()
			Close() error
		}
		write func(*fakeTarget, int64)
		calls func(*fakeTarget) int64
	}{
		{"interval flush", func(f *fakeTarget, h Hooks) interface {
			Wake()
			Close() error
		} {
			return mustIntervalFlusher(t, f, IntervalOptions{Interval: time.Hour, ThoroughInterval: time.Hour, LeastPages: 2, Hooks: h})
		}, func(f *fakeTarget, n int64) { f.writeCommitted(n) }, func(f *fakeTarget) int64 { return f.flushCalls.Load() }},
		{"commit", func(f *fakeTarget, h Hooks) interface {
			Wake()
			Close() error
		} {
			return mustCommitter(t, f, CommitterOptions{Interval: time.Hour, ThoroughInterval: time.Hour, LeastPages: 2, Hooks: h}, nil)
		}, func(f *fakeTarget, n int64) { f.write(n) }, func(f *fakeTarget) int64 { return f.commitCalls.Load() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &fakeTarget{}
			var log roundLog
			s := tt.start(target, log.hooks())
			defer s.Close()

			// One page is below LeastPages: a round runs and moves nothing.
			tt.write(target, pageSize)
			calls := tt.calls(target)
			s.Wake()
			waitFor(t, "a round ran", func() bool { return tt.calls(target) > calls })
			if got := log.get(); len(got) != 0 {
				t.Fatalf("a round that moved nothing was reported: %+v", got)
			}
			tt.write(target, 2*pageSize)
			s.Wake()
			waitFor(t, "a round reported", func() bool { return len(log.get()) == 1 })
			if r := log.get()[0]; r.Bytes != 3*pageSize || r.Waiters != 0 || r.Took <= 0 {
				t.Fatalf("round %+v, want %d bytes, no waiters and a duration", r, 3*pageSize)
			}
			// Close moves the rest, however little, and reports it too.
			tt.write(target, 10)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if got := log.get(); len(got) != 2 || got[1].Bytes != 10 {
				t.Fatalf("rounds %+v, want a last one of 10 bytes", got)
			}
		})
	}
}

// BenchmarkGroupCommitRoundHook prices Hooks.OnRound: one appender against
// a target whose flush costs nothing, so that every Wait is one round and
// the round's own machinery is all that is measured, with the hook unset
// and set to a callback that counts (a metrics observer's work).
func BenchmarkGroupCommitRoundHook(b *testing.B) {
	for _, hooked := range []bool{false, true} {
		b.Run("hook="+strconv.FormatBool(hooked), func(b *testing.B) {
			target := &fakeTarget{}
			var rounds, waiters atomic.Int64
			var hooks Hooks
			if hooked {
				hooks.OnRound = func(r Round) {
					rounds.Add(1)
					waiters.Add(int64(r.Waiters))
				}
			}
			g := mustGroupCommit(b, target, GroupCommitOptions{Hooks: hooks})
			defer g.Close()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := g.Wait(context.Background(), target.writeCommitted(1024)); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if hooked && waiters.Load() != int64(b.N) {
				b.Fatalf("rounds reported %d waiters for %d waits", waiters.Load(), b.N)
			}
		})
	}
}
