package ha

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
)

// TestWaitReplicated covers each way a synchronous put's wait ends.
func TestWaitReplicated(t *testing.T) {
	const syncTimeout = 200 * time.Millisecond
	for _, tc := range []struct {
		name string
		// run sets up the slave side and returns the offset to wait for
		// and the context to wait with.
		run  func(t *testing.T, m *Master, src *commitlog.Log) (int64, context.Context)
		want error
		// minDelay is how long the wait must last at least; a wait with a
		// deadline must not end before it either.
		minDelay time.Duration
	}{
		{
			name: "no slave",
			run: func(t *testing.T, m *Master, src *commitlog.Log) (int64, context.Context) {
				return src.MaxOffset(), context.Background()
			},
			want: ErrSlaveNotAvailable,
		},
		{
			name: "a slave acknowledges",
			run: func(t *testing.T, m *Master, src *commitlog.Log) (int64, context.Context) {
				startSlave(t, openLog(t, nil, "slave"), m.Addr(), nil)
				// In sync once it has reported: a slave known only by its
				// connection is not one a SYNC put may wait for.
				waitFor(t, 5*time.Second, "the slave's report", func() bool { return len(m.Slaves()) == 1 && m.Slaves()[0].AckOffset >= 0 })
				end := appendRecords(t, src, 1000, 50)
				m.Notify()
				return end, context.Background()
			},
		},
		{
			name: "a stopped slave times out",
			run: func(t *testing.T, m *Master, src *commitlog.Log) (int64, context.Context) {
				p := dialMaster(t, m)
				p.report(src.MaxOffset()) // in sync, then silent: a frozen process
				waitFor(t, 5*time.Second, "the report", func() bool { return len(m.Slaves()) == 1 && m.Slaves()[0].AckOffset >= 0 })
				return appendRecords(t, src, 1000, 1), context.Background()
			},
			want:     ErrFlushSlaveTimeout,
			minDelay: syncTimeout,
		},
		{
			name: "the caller's deadline comes first",
			run: func(t *testing.T, m *Master, src *commitlog.Log) (int64, context.Context) {
				p := dialMaster(t, m)
				p.report(src.MaxOffset())
				waitFor(t, 5*time.Second, "the report", func() bool { return len(m.Slaves()) == 1 && m.Slaves()[0].AckOffset >= 0 })
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
				t.Cleanup(cancel)
				return appendRecords(t, src, 1000, 1), ctx
			},
			want: context.DeadlineExceeded, // and ErrFlushSlaveTimeout, checked below
		},
		{
			name: "a closed slave is not available",
			run: func(t *testing.T, m *Master, src *commitlog.Log) (int64, context.Context) {
				s := startSlave(t, openLog(t, nil, "slave"), m.Addr(), nil)
				waitFor(t, 5*time.Second, "the slave", func() bool { return len(m.Slaves()) == 1 })
				s.Close()
				waitFor(t, 5*time.Second, "the master to drop it", func() bool { return len(m.Slaves()) == 0 })
				return appendRecords(t, src, 1000, 1), context.Background()
			},
			want: ErrSlaveNotAvailable,
		},
		{
			name: "an offset already acknowledged",
			run: func(t *testing.T, m *Master, src *commitlog.Log) (int64, context.Context) {
				s := startSlave(t, openLog(t, nil, "slave"), m.Addr(), nil)
				waitFor(t, 5*time.Second, "the slave", func() bool { return len(m.Slaves()) == 1 })
				end := appendRecords(t, src, 1000, 5)
				m.Notify()
				waitFor(t, 5*time.Second, "the ack", func() bool {
					m.transfer.mu.Lock()
					defer m.transfer.mu.Unlock()
					return m.transfer.acked(end)
				})
				s.Close()
				waitFor(t, 5*time.Second, "the master to drop it", func() bool { return len(m.Slaves()) == 0 })
				return end, context.Background()
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := openLog(t, nil, "master")
			appendRecords(t, src, 0, 100)
			m := startMaster(t, src, &MasterOptions{SyncTimeout: syncTimeout})
			offset, ctx := tc.run(t, m, src)
			start := time.Now()
			err := m.WaitReplicated(ctx, offset)
			ended := time.Now()
			took := ended.Sub(start)
			// The deadline runs from the context's creation, before run
			// appended the records: measured from start, the wait may
			// rightly take less than the context's timeout.
			if deadline, ok := ctx.Deadline(); ok && ended.Before(deadline) {
				t.Fatalf("WaitReplicated returned %v before the caller's deadline", deadline.Sub(ended))
			}
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("WaitReplicated = %v, want %v", err, tc.want)
			}
			if errors.Is(tc.want, context.DeadlineExceeded) && !errors.Is(err, ErrFlushSlaveTimeout) {
				t.Fatalf("WaitReplicated = %v, want ErrFlushSlaveTimeout too", err)
			}
			if took < tc.minDelay || took > 5*time.Second {
				t.Fatalf("WaitReplicated took %v", took)
			}
		})
	}
}

// TestWaitReplicatedEndsAtClose checks a pending wait fails when the
// master closes.
func TestWaitReplicatedEndsAtClose(t *testing.T) {
	src := openLog(t, nil, "master")
	m := startMaster(t, src, nil)
	p := dialMaster(t, m)
	p.report(0)
	waitFor(t, 5*time.Second, "the report", func() bool { return len(m.Slaves()) == 1 && m.Slaves()[0].AckOffset == 0 })
	errc := make(chan error, 1)
	go func() { errc <- m.WaitReplicated(context.Background(), 1) }()
	waitFor(t, 5*time.Second, "the waiter", func() bool {
		m.transfer.mu.Lock()
		defer m.transfer.mu.Unlock()
		return len(m.transfer.waiters) == 1
	})
	m.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("WaitReplicated = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitReplicated still waiting after Close")
	}
}

// BenchmarkWaitReplicated measures a sync master's wait for a slave's ack
// (a stand-in acks whatever is waited for): ns and allocations per wait.
// Allocation counts live here rather than in a test, since the race
// detector makes sync.Pool drop the pooled waiters.
func BenchmarkWaitReplicated(b *testing.B) {
	src := openLog(b, nil, "master")
	appendRecords(b, src, 0, 10)
	m := startMaster(b, src, nil)
	p := dialMaster(b, m)
	p.report(0)
	waitFor(b, 5*time.Second, "the report", func() bool { return len(m.Slaves()) == 1 && m.Slaves()[0].AckOffset == 0 })
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			m.transfer.mu.Lock()
			var offset int64
			if len(m.transfer.waiters) > 0 {
				offset = m.transfer.waiters[0].offset
			}
			m.transfer.mu.Unlock()
			if offset > 0 {
				m.transfer.ack(0, offset)
			}
			runtime.Gosched()
		}
	}()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := m.WaitReplicated(ctx, int64(i+1)); err != nil {
			b.Fatal(err)
		}
	}
}
