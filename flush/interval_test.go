package flush

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

func TestIntervalFlusherThresholds(t *testing.T) {
	tests := []struct {
		name        string
		opts        IntervalOptions
		write       int64
		wantFlushed bool // before Close; Close always flushes everything
	}{
		{"below least pages", IntervalOptions{LeastPages: 4, ThoroughInterval: time.Hour}, 3 * pageSize, false},
		{"at least pages", IntervalOptions{LeastPages: 4, ThoroughInterval: time.Hour}, 4 * pageSize, true},
		{"default least pages", IntervalOptions{ThoroughInterval: time.Hour}, 3 * pageSize, false},
		{"negative least pages means any", IntervalOptions{LeastPages: -1, ThoroughInterval: time.Hour}, 10, true},
		{"thorough interval ignores least pages", IntervalOptions{LeastPages: 100, ThoroughInterval: 5 * time.Millisecond}, 10, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := &fakeTarget{}
			tt.opts.Interval = time.Millisecond
			f := mustIntervalFlusher(t, target, tt.opts)
			end := target.writeCommitted(tt.write)
			if tt.wantFlushed {
				waitFor(t, "the flusher flushes", func() bool { return target.FlushedOffset() == end })
			} else {
				rounds := target.flushCalls.Load() + 5
				waitFor(t, "five more rounds", func() bool { return target.flushCalls.Load() >= rounds })
				if got := target.FlushedOffset(); got != 0 {
					t.Fatalf("flushed %d bytes below the threshold", got)
				}
			}
			tail := target.writeCommitted(1)
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if got := target.FlushedOffset(); got != tail {
				t.Fatalf("after Close flushed %d, want %d", got, tail)
			}
			if err := f.Close(); !errors.Is(err, ErrClosed) {
				t.Fatalf("second Close: %v, want ErrClosed", err)
			}
		})
	}
}

func TestIntervalFlusherWake(t *testing.T) {
	target := &fakeTarget{}
	f := mustIntervalFlusher(t, target, IntervalOptions{Interval: time.Hour, LeastPages: -1, ThoroughInterval: time.Hour})
	defer f.Close()
	end := target.writeCommitted(10)
	f.Wake()
	waitFor(t, "Wake flushes", func() bool { return target.FlushedOffset() == end })
}

// TestIntervalFlusherStopsAtTheFirstError: a failed flush is not retried,
// not even by Close, since a retry after a failed sync can succeed without
// the bytes.
func TestIntervalFlusherStopsAtTheFirstError(t *testing.T) {
	target := &fakeTarget{failWith: syscall.EIO}
	reported := make(chan error, 10)
	f := mustIntervalFlusher(t, target, IntervalOptions{Interval: time.Millisecond, LeastPages: -1,
		Hooks: Hooks{OnError: func(err error) { reported <- err }}})
	target.writeCommitted(10)
	waitFor(t, "Err reports EIO", func() bool { return errors.Is(f.Err(), syscall.EIO) })
	target.setFailure(nil)
	calls := target.flushCalls.Load()
	f.Wake()
	f.Wake()
	if err := f.Close(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Close after a failed flush: %v, want EIO", err)
	}
	if target.flushCalls.Load() != calls || target.FlushedOffset() != 0 {
		t.Fatalf("the flusher flushed after its failure: %d calls, flushed %d", target.flushCalls.Load()-calls, target.FlushedOffset())
	}
	if len(reported) != 1 {
		t.Fatalf("OnError called %d times, want once", len(reported))
	}
}

// TestServicesReportStalls: a round slower than the threshold reaches
// OnStall with its duration.
func TestServicesReportStalls(t *testing.T) {
	target := &fakeTarget{flushDelay: 20 * time.Millisecond}
	stalls := make(chan time.Duration, 10)
	hooks := Hooks{StallThreshold: 10 * time.Millisecond, OnStall: func(d time.Duration) { stalls <- d }}
	g := mustGroupCommit(t, target, GroupCommitOptions{Hooks: hooks})
	if err := g.Wait(context.Background(), target.writeCommitted(10)); err != nil {
		t.Fatal(err)
	}
	if d := <-stalls; d < 10*time.Millisecond {
		t.Fatalf("stall of %v reported under the threshold", d)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	f := mustIntervalFlusher(t, target, IntervalOptions{Interval: time.Hour, ThoroughInterval: time.Hour, LeastPages: -1, Hooks: hooks})
	target.writeCommitted(10)
	f.Wake()
	if d := <-stalls; d < 10*time.Millisecond {
		t.Fatalf("stall of %v reported under the threshold", d)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOptionsValidateReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"group commit", GroupCommitOptions{Timeout: -1, Hooks: Hooks{StallThreshold: time.Second}}.Validate(), 2},
		{"interval", IntervalOptions{Interval: time.Second, ThoroughInterval: time.Millisecond, Hooks: Hooks{StallThreshold: -1}}.Validate(), 2},
		{"committer", CommitterOptions{Interval: -1, ThoroughInterval: -1}.Validate(), 2},
		{"pool", PoolOptions{Size: -1, BestEffortLock: true}.Validate(), 3},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, ErrInvalidOptions) {
			t.Errorf("%s: %v, want ErrInvalidOptions", tt.name, tt.err)
			continue
		}
		if n := len(tt.err.(interface{ Unwrap() []error }).Unwrap()); n != tt.want {
			t.Errorf("%s: %d problems, want %d: %v", tt.name, n, tt.want, tt.err)
		}
	}
	if _, err := NewGroupCommit(&fakeTarget{}, GroupCommitOptions{Timeout: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("NewGroupCommit with a negative timeout: %v", err)
	}
	if err := (IntervalOptions{}).Validate(); err != nil {
		t.Errorf("zero options: %v", err)
	}
}
