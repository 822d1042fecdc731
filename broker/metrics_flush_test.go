package broker

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rocketstore/rocketstore/commitlog"
	"github.com/rocketstore/rocketstore/message"
	"github.com/rocketstore/rocketstore/remoting"
	"github.com/rocketstore/rocketstore/store"
	"github.com/rocketstore/rocketstore/timer"
)

// histogramOf returns the sample count and sum of the histogram name, of
// the series whose label has value (any series when label is "").
func histogramOf(t *testing.T, b *Broker, name, label, value string) (count uint64, sum float64) {
	t.Helper()
	mfs, err := b.MetricsRegistry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if label != "" && lp.GetName() == label && lp.GetValue() != value {
					continue series
				}
			}
			count += m.GetHistogram().GetSampleCount()
			sum += m.GetHistogram().GetSampleSum()
		}
	}
	return count, sum
}

// TestFlushRoundMetricsAfterSyncFlushSends: under SYNC_FLUSH every send is
// acknowledged by a group-commit round, which the metrics observe: one
// round per send when sends come one at a time, each of group size one,
// with a duration, and together making the whole log durable.
func TestFlushRoundMetricsAfterSyncFlushSends(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) {
		o.Store.CommitLog.FlushMode = commitlog.SyncFlush
		// Only the group commit flushes: no interval flush (nor the
		// timer's checkpoint) covers a send before it waits.
		o.Store.CommitLog.FlushInterval, o.Store.CommitLog.FlushThoroughInterval = time.Hour, time.Hour
		o.Timer.Disabled = true
	})
	const sends = 10
	f.send(t, "Durable", 0, sends, "d")

	// A round is reported after its waiters are answered (they do not wait
	// for the metrics): the last send's round may be observed a moment
	// after its answer.
	waitForValue(t, "group-commit rounds", sends, func() float64 {
		n, _ := histogramOf(t, f.b, metricGroupCommitSize, "", "")
		return float64(n)
	})
	rounds, millis := histogramOf(t, f.b, metricFlushRoundLatency, labelFlushService, "group_commit")
	if rounds != sends || millis <= 0 || millis > sends*float64(commitlog.DefaultSyncFlushTimeout.Milliseconds()) {
		t.Fatalf("%d group-commit rounds taking %v ms for %d sends one at a time", rounds, millis, sends)
	}
	if groups, acked := histogramOf(t, f.b, metricGroupCommitSize, "", ""); groups != sends || acked != sends {
		t.Fatalf("group sizes: %d rounds acknowledging %v sends, want %d and %d", groups, acked, sends, sends)
	}
	durable := gaugeValues(t, f.b, metricFlushRoundBytes, labelFlushService)
	if end := float64(f.b.store.CommitLog().MaxOffset()); durable["group_commit"] != end {
		t.Fatalf("group-commit rounds made %v bytes durable, the log holds %v", durable["group_commit"], end)
	}
	if n, _ := histogramOf(t, f.b, metricFlushRoundLatency, labelFlushService, "commit"); n != 0 {
		t.Fatalf("%d commit rounds without a transient store pool", n)
	}
}

// TestFlushRoundMetricsWithTransientPool: with the transient store pool the
// committer's rounds move what sends wrote into the files and the interval
// flush makes it durable; both are observed.
func TestFlushRoundMetricsWithTransientPool(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) {
		o.Store.CommitLog.TransientStorePool = true
		o.Store.CommitLog.TransientStorePoolSize = 2
		o.Store.CommitLog.FlushLeastPages = -1 // any dirty byte
		o.Store.CommitLog.FlushInterval = 10 * time.Millisecond
		o.Timer.Disabled = true // its checkpoint would commit and flush the log too
	})
	f.send(t, "Pooled", 0, 5, strings.Repeat("p", 1000))
	end := float64(f.b.store.CommitLog().MaxOffset())
	for _, service := range []string{"commit", "interval_flush"} {
		waitForValue(t, service+" bytes", end, func() float64 {
			return gaugeValues(t, f.b, metricFlushRoundBytes, labelFlushService)[service]
		})
		if n, ms := histogramOf(t, f.b, metricFlushRoundLatency, labelFlushService, service); n == 0 || ms <= 0 {
			t.Fatalf("%s: %d rounds taking %v ms", service, n, ms)
		}
	}
	if n, _ := histogramOf(t, f.b, metricGroupCommitSize, "", ""); n != 0 {
		t.Fatalf("%d group-commit rounds under ASYNC_FLUSH", n)
	}
}

// TestTimerBacklogMetrics: timer messages not yet due count as timing
// messages; a delivered one leaves them and counts as dequeued.
func TestTimerBacklogMetrics(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) { o.Timer.Precision = 50 * time.Millisecond })
	one := func(name string) float64 { return gaugeValues(t, f.b, name, "")[""] }
	for i, props := range []map[string]string{
		{timer.PropertyDelaySec: "3600"},
		{timer.PropertyDelaySec: "7200"},
		{timer.PropertyDelayMs: "100"},
	} {
		if resp := call(t, f.cl, f.addr, timerRequest("Timed", "t"+strconv.Itoa(i), props)); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("send %d: %v", i, resp)
		}
	}
	waitForValue(t, "dequeued", 1, func() float64 { return one("rocketmq_timer_dequeue_total") })
	if got := one("rocketmq_timing_messages"); got != 2 {
		t.Fatalf("timing messages %v, want the 2 due in hours", got)
	}
	if got := one("rocketmq_timer_enqueue_total"); got != 3 {
		t.Fatalf("enqueued %v, want 3", got)
	}
	if got := one("rocketstore_timer_lost_total"); got != 0 {
		t.Fatalf("lost %v", got)
	}

	off := newOpsFixture(t, func(o *Options) { o.Timer.Disabled = true })
	if got := gaugeValues(t, off.b, "rocketmq_timing_messages", ""); len(got) != 0 {
		t.Fatalf("timing messages %v on a broker without a timer", got)
	}
}

// TestHalfMessagesCountOnlyUnresolved: committed and rolled-back half
// messages leave rocketmq_half_messages at once, though the check service
// has not passed them yet.
func TestHalfMessagesCountOnlyUnresolved(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) { o.TransactionCheckInterval = time.Hour })
	p := newTestProducer(t, f.addr, "hpg", "client-h")
	commit := p.sendHalf("hpg", "Half", 0, "c", "h1")
	rollback := p.sendHalf("hpg", "Half", 0, "r", "h2")
	p.sendHalf("hpg", "Half", 0, "open", "h3")
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	one := func(name string) float64 { return gaugeValues(t, f.b, name, "")[""] }
	if u, c := one("rocketmq_half_messages"), one("rocketstore_half_messages_unchecked"); u != 3 || c != 3 {
		t.Fatalf("before any end: %v unresolved, %v unchecked, want 3 and 3", u, c)
	}
	for rh, state := range map[*remoting.SendMessageResponseHeader]int32{&commit: message.TransactionCommitType, &rollback: message.TransactionRollbackType} {
		if resp := p.endSent("hpg", *rh, state); resp.Code != remoting.ResponseSuccess {
			t.Fatalf("end: %v", resp)
		}
	}
	if u, c := one("rocketmq_half_messages"), one("rocketstore_half_messages_unchecked"); u != 1 || c != 3 {
		t.Fatalf("after a commit and a rollback: %v unresolved, %v unchecked, want 1 and 3", u, c)
	}
}

// BenchmarkFlushRoundMetrics is what the metrics add to one group-commit
// round (go test -run '^$' -bench FlushRoundMetrics ./broker): next to a
// round's fsync, hundreds of microseconds, it is the whole cost of
// observing flush timings.
func BenchmarkFlushRoundMetrics(b *testing.B) {
	f := newFlushMetrics(prometheus.NewRegistry())
	round := store.FlushRoundInfo{Service: commitlog.ServiceGroupCommit, Took: 300 * time.Microsecond, Bytes: 8 << 10, Waiters: 8}
	b.ReportAllocs()
	for b.Loop() {
		f.round(round)
	}
}
