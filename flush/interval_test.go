package flush

import (
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
			f := NewIntervalFlusher(target, tt.opts)
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
	f := NewIntervalFlusher(target, IntervalOptions{Interval: time.Hour, LeastPages: -1, ThoroughInterval: time.Hour})
	defer f.Close()
	end := target.writeCommitted(10)
	f.Wake()
	waitFor(t, "Wake flushes", func() bool { return target.FlushedOffset() == end })
}

func TestIntervalFlusherKeepsAndRetriesErrors(t *testing.T) {
	target := &fakeTarget{failWith: syscall.EIO}
	f := NewIntervalFlusher(target, IntervalOptions{Interval: time.Millisecond, LeastPages: -1})
	end := target.writeCommitted(10)
	waitFor(t, "LastError reports EIO", func() bool { return errors.Is(f.LastError(), syscall.EIO) })
	if target.FlushedOffset() != 0 {
		t.Fatal("a failing flush moved the flushed offset")
	}
	target.setFailure(nil)
	waitFor(t, "a retry succeeds", func() bool { return f.LastError() == nil && target.FlushedOffset() == end })

	target.setFailure(syscall.ENOSPC)
	if err := f.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Close with a failing final flush: %v, want ENOSPC", err)
	}
}
