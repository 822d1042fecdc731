package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/mappedfile"
	"github.com/rocketstore/rocketstore/remoting"
)

// slowFS is the real file system with slow commit-log flushes and file
// creations, switched on and off while the broker runs: a disk that cannot
// keep up.
type slowFS struct {
	mappedfile.FS
	flush, create atomic.Int64 // delays in nanoseconds
}

func (s *slowFS) Create(path string, size int) (mappedfile.Mapping, error) {
	if strings.Contains(path, "commitlog") {
		time.Sleep(time.Duration(s.create.Load()))
	}
	m, err := s.FS.Create(path, size)
	if err != nil {
		return nil, err
	}
	return &slowMapping{m, s}, nil
}

func (s *slowFS) Open(path string) (mappedfile.Mapping, error) {
	m, err := s.FS.Open(path)
	if err != nil {
		return nil, err
	}
	return &slowMapping{m, s}, nil
}

type slowMapping struct {
	mappedfile.Mapping
	fs *slowFS
}

func (m *slowMapping) Flush(off, n int) error {
	time.Sleep(time.Duration(m.fs.flush.Load()))
	return m.Mapping.Flush(off, n)
}

// overloadResult is what an overload run saw.
type overloadResult struct {
	offered, accepted, timedOut, storedLate int
	refused                                 map[string]int // by remark tag
	other                                   []string
}

func (r overloadResult) String() string {
	return fmt.Sprintf("offered %d, accepted %d, refused %v, client timeouts %d, stored after their client's timeout %d",
		r.offered, r.accepted, r.refused, r.timedOut, r.storedLate)
}

// overload sends from senders goroutines for d, each send with a client
// timeout, into a SYNC_FLUSH broker whose disk takes flushDelay per flush,
// and then finds every stored message's store time.
func overload(t *testing.T, fastFailure bool, senders int, d, clientTimeout, flushDelay time.Duration) overloadResult {
	fs := &slowFS{FS: mappedfile.OSFS}
	f := newOpsFixture(t, func(o *Options) {
		o.Store.FS = fs
		o.Store.CommitLog.FlushMode = commitlog.SyncFlush
		o.FlowControl.DisableFastFailure = !fastFailure
	})
	f.send(t, "Overload", 0, 1, "warm") // the topic exists before the storm
	// RocketMQ's 200 ms from now on: the warm-up send, alone on a loaded
	// machine, may wait for a worker longer than that.
	f.b.flow.waitInQueue.Store(int64(DefaultWaitTimeInSendQueue))
	fs.flush.Store(int64(flushDelay))

	var mu sync.Mutex
	res := overloadResult{refused: map[string]int{}}
	deadlines := map[string]int64{} // body → its client's deadline, ms
	var seq atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for time.Now().Before(stop) {
				body := fmt.Sprintf("m-%d", seq.Add(1))
				start := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
				resp, err := f.cl.InvokeSync(ctx, f.addr, sendRequest("Overload", 0, body, ""))
				cancel()
				mu.Lock()
				res.offered++
				deadlines[body] = start.Add(clientTimeout).UnixMilli()
				switch {
				case errors.Is(err, context.DeadlineExceeded):
					res.timedOut++
				case err != nil:
					res.other = append(res.other, err.Error())
				case resp.Code == remoting.ResponseSuccess:
					res.accepted++
				case resp.Code == busyForGo && strings.HasPrefix(resp.Remark, "["):
					res.refused[resp.Remark[1:strings.IndexByte(resp.Remark, ']')]]++
				default:
					res.other = append(res.other, fmt.Sprintf("code %d %q", resp.Code, resp.Remark))
				}
				mu.Unlock()
				if err == nil && resp.Code != remoting.ResponseSuccess {
					time.Sleep(20 * time.Millisecond) // a client backing off
				}
			}
		})
	}
	wg.Wait()
	fs.flush.Store(0)
	// Sends still queued run now; wait until the send pool is idle.
	waitFor(t, "the send queue to drain", func() bool { return f.b.namedPools["send"].Queued() == 0 })
	time.Sleep(100 * time.Millisecond)
	if err := f.b.store.WaitDispatched(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	for off := int64(1); ; {
		r, err := f.b.store.GetMessage("", "Overload", 0, off, 32, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range r.Messages {
			rec, err := e.Decode(false)
			if err != nil {
				t.Fatal(err)
			}
			if rec.StoreTimestamp > deadlines[string(rec.Body)] {
				res.storedLate++
			}
		}
		n := len(r.Messages)
		off = r.NextBeginOffset
		r.Release()
		if n == 0 {
			break
		}
	}
	if fastFailure {
		// A refusal that reaches its client after the client gave up is
		// counted by the broker and seen by nobody: on a loaded machine the
		// counter may exceed what the clients saw, by their timeouts at most.
		seen := res.refused[BusyTimeoutCleanQueue]
		if got := int(gaugeValues(t, f.b, metricSystemBusy, labelBusyReason)[BusyTimeoutCleanQueue]); got < seen || got > seen+res.timedOut {
			t.Errorf("busy counter %d, clients saw %d TIMEOUT_CLEAN_QUEUE and timed out %d times", got, seen, res.timedOut)
		}
	}
	return res
}

// TestOverloadedSendsAreRefusedAndNeverStoredLate overloads a broker whose
// disk cannot keep up (80 ms a flush) with 100 senders whose client gives
// up after 1 s. With RocketMQ's fast failure (the default) every send is
// either stored in time for its client or refused with SYSTEM_BUSY
// [TIMEOUT_CLEAN_QUEUE] once it waited 200 ms in the queue (the rest of the
// second is the margin for the put itself on a loaded test machine); none
// is stored after its client gave up, which would come back as a duplicate
// when the client retries. Without it, sends wait in the queue past their
// client's timeout and are stored anyway.
func TestOverloadedSendsAreRefusedAndNeverStoredLate(t *testing.T) {
	const senders, run, clientTimeout, flushDelay = 100, 2 * time.Second, time.Second, 80 * time.Millisecond
	fast := overload(t, true, senders, run, clientTimeout, flushDelay)
	t.Logf("fast failure on:  %v", fast)
	if fast.storedLate != 0 || fast.refused[BusyTimeoutCleanQueue] == 0 || fast.accepted == 0 || len(fast.other) > 0 {
		t.Fatalf("fast failure on: %v; other answers %v", fast, fast.other)
	}
	slow := overload(t, false, senders, run, clientTimeout, flushDelay)
	t.Logf("fast failure off: %v", slow)
	if slow.storedLate == 0 {
		t.Fatalf("fast failure off: %v; the overload did not make sends wait past their timeout, so the test proves nothing", slow)
	}
}

func TestPageCacheBusyAnswersPCSynchronized(t *testing.T) {
	fs := &slowFS{FS: mappedfile.OSFS}
	f := newOpsFixture(t, func(o *Options) {
		o.Store.FS = fs
		o.Store.CommitLog = commitlog.Options{FileSize: 64 << 10, MaxMessageSize: 16 << 10}
		o.FlowControl.OSPageCacheBusyTimeout = 100 * time.Millisecond
	})
	f.send(t, "Busy", 0, 1, "warm")
	// Commit-log files now take 2 s to create. The file after the current
	// one was made ahead of time; the roll onto it asks for the one after,
	// and the next roll waits for that under the append lock.
	fs.create.Store(int64(2 * time.Second))
	rolled := make(chan *remoting.Command, 1)
	go func() {
		var last *remoting.Command
		for range 40 { // 40 × 4 KiB: two rolls of 64 KiB files
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			last, _ = f.cl.InvokeSync(ctx, f.addr, sendRequest("Busy", 0, strings.Repeat("x", 4<<10), ""))
			cancel()
		}
		rolled <- last
	}()
	waitFor(t, "the append lock to be held", func() bool {
		return f.b.store.CommitLog().LockHeldFor(time.Now()) > 200*time.Millisecond
	})
	resp := call(t, f.cl, f.addr, sendRequest("Busy", 0, "during", ""))
	wantRefusal(t, resp, busyForGo, "[PC_SYNCHRONIZED]")
	fs.create.Store(0)
	if last := <-rolled; last == nil || last.Code != remoting.ResponseSuccess {
		t.Fatalf("the sends that rolled the file: %v", last)
	}
	if got := gaugeValues(t, f.b, metricSystemBusy, labelBusyReason)[BusyPageCache]; got != 1 {
		t.Fatalf("PC_SYNCHRONIZED counted %v times, want 1", got)
	}
}

func TestRateLimitsRefuseNamingTheLimit(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) {
		o.FlowControl.TopicLimits = map[string]RateLimit{"Limited": {MessagesPerSecond: 5}}
	})
	accepted, refused := 0, 0
	start := time.Now()
	for range 20 {
		resp := call(t, f.cl, f.addr, sendRequest("Limited", 0, "x", ""))
		switch resp.Code {
		case remoting.ResponseSuccess:
			accepted++
		case busyForGo:
			wantRefusal(t, resp, busyForGo, "[RATE_LIMIT]broker busy, topic Limited is over its send limit of 5,0")
			refused++
		default:
			t.Fatalf("code %d %q", resp.Code, resp.Remark)
		}
	}
	// One second of burst, refilled at 5/s while the 20 sends ran.
	if most := 5 + int(5*time.Since(start).Seconds()) + 1; accepted < 5 || accepted > most || refused != 20-accepted {
		t.Fatalf("accepted %d (at most %d), refused %d of 20 at 5/s", accepted, most, refused)
	}
	if r := call(t, f.cl, f.addr, sendRequest("Free", 0, "x", "")); r.Code != remoting.ResponseSuccess {
		t.Fatalf("another topic: code %d", r.Code)
	}
	// A producer-group byte limit, set live; then both limits removed.
	f.admin(t, remoting.RequestUpdateBrokerConfig, nil, []byte("groupRateLimit.pg=0,100\ntopicRateLimit.Limited=\n"))
	wantRefusal(t, call(t, f.cl, f.addr, sendRequest("Free", 0, strings.Repeat("y", 150), "")), remoting.ResponseSuccess, "")
	wantRefusal(t, call(t, f.cl, f.addr, sendRequest("Free", 0, "z", "")), busyForGo, "producer group pg is over its send limit of 0,100")
	f.admin(t, remoting.RequestUpdateBrokerConfig, nil, []byte("groupRateLimit.pg=\n"))
	for range 10 {
		if r := call(t, f.cl, f.addr, sendRequest("Limited", 0, "x", "")); r.Code != remoting.ResponseSuccess {
			t.Fatalf("after the limits were removed: code %d %q", r.Code, r.Remark)
		}
	}
	if got := gaugeValues(t, f.b, metricSystemBusy, labelBusyReason)[BusyRateLimit]; int(got) != refused+1 {
		t.Fatalf("RATE_LIMIT counted %v, want %d", got, refused+1)
	}
}

func TestDiskFullAnswersServiceNotAvailable(t *testing.T) {
	var full atomic.Bool
	f := newOpsFixture(t, func(o *Options) {
		o.Store.CleanResourceInterval = 10 * time.Millisecond
		o.Store.DiskUsage = func(string) (float64, error) {
			if full.Load() {
				return 0.99, nil
			}
			return 0.1, nil
		}
	})
	f.send(t, "Full", 0, 1, "before")
	full.Store(true)
	var resp *remoting.Command
	waitFor(t, "the store to refuse writes", func() bool {
		resp = call(t, f.cl, f.addr, sendRequest("Full", 0, "x", ""))
		return resp.Code != remoting.ResponseSuccess
	})
	if resp.Code != remoting.ResponseServiceNotAvailable {
		t.Fatalf("disk full: code %d %q, want SERVICE_NOT_AVAILABLE", resp.Code, resp.Remark)
	}
	if got := gaugeValues(t, f.b, metricSystemBusy, labelBusyReason)[BusyDiskFull]; got < 1 {
		t.Fatalf("DISK_FULL counted %v", got)
	}
}

func TestExhaustedTransientPoolRejectsSends(t *testing.T) {
	// One buffer, which the commit log's current file holds: none free.
	f := newOpsFixture(t, func(o *Options) {
		o.Store.CommitLog.TransientStorePool = true
		o.Store.CommitLog.TransientStorePoolSize = 1
	})
	if free, on := f.b.store.CommitLog().TransientPoolAvailable(); !on || free != 0 {
		t.Fatalf("pool: %d free (enabled %v), want none", free, on)
	}
	wantRefusal(t, call(t, f.cl, f.addr, sendRequest("Pooled", 0, "x", "")), busyForGo, "[REJECTREQUEST]")
	if got := gaugeValues(t, f.b, metricSystemBusy, labelBusyReason)[BusyTransientPool]; got != 1 {
		t.Fatalf("REJECTREQUEST counted %v times", got)
	}
	// With buffers to spare, sends go through.
	g := newOpsFixture(t, func(o *Options) { o.Store.CommitLog.TransientStorePool = true })
	g.send(t, "Pooled", 0, 3, "p")
	if got := gaugeValues(t, g.b, "rocketstore_transient_pool_free_buffers", "")[""]; got < 1 {
		t.Fatalf("free buffers gauge %v", got)
	}
}

func TestFlowControlDefaultsAreRocketMQs(t *testing.T) {
	f := newFlowControl(FlowControlOptions{})
	if time.Duration(f.waitInQueue.Load()) != 200*time.Millisecond || time.Duration(f.pageCacheBusy.Load()) != time.Second ||
		!f.fastFailure.Load() || f.permission.Load() != 6 || !f.limits.Load().empty() {
		t.Fatalf("defaults: wait %v, page cache %v, fast failure %v, permission %d",
			time.Duration(f.waitInQueue.Load()), time.Duration(f.pageCacheBusy.Load()), f.fastFailure.Load(), f.permission.Load())
	}
}

// busyForGo is what a flow-control refusal answers the project's own
// client, whose requests say language GO (see busyCodeFor).
const busyForGo = remoting.ResponseServiceNotAvailable

// TestBusyRefusalsAreRetriedByEveryClient: SYSTEM_BUSY for Java clients, which
// retry it; SERVICE_NOT_AVAILABLE, with the same remark, for the Go client,
// which retries only that kind.
func TestBusyRefusalsAreRetriedByEveryClient(t *testing.T) {
	for _, tc := range []struct {
		language string
		want     int16
	}{{remoting.LanguageJava, remoting.ResponseSystemBusy}, {remoting.LanguageGo, remoting.ResponseServiceNotAvailable}} {
		req := sendRequest("T", 0, "x", "")
		req.Language = tc.language
		if got := busyCodeFor(req, remoting.ResponseSystemBusy); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.language, got, tc.want)
		}
		if got := busyCodeFor(req, remoting.ResponseNoPermission); got != remoting.ResponseNoPermission {
			t.Errorf("%s: NO_PERMISSION became %d", tc.language, got)
		}
	}
}
