package broker

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// BenchmarkSendMetrics measures send throughput with metrics on and off,
// alternating three times within one run (go test -bench SendMetrics
// ./broker: on, off, on#01, off#01, ...), so that load from elsewhere on
// the machine falls on both alike: 16 concurrent senders of 1 KiB messages
// to an ASYNC_MASTER over loopback, over 8 topics, with the registry
// gathered every 100 ms as a Prometheus scrape would. The on/off ratio is
// the cost of the instruments.
func BenchmarkSendMetrics(b *testing.B) {
	for range 3 {
		for _, mode := range []string{"on", "off"} {
			b.Run(mode, func(b *testing.B) { sendMetricsRound(b, mode == "on") })
		}
	}
}

func sendMetricsRound(b *testing.B, metricsOn bool) {
	br := newRoleBroker(b, b.TempDir(), RoleAsyncMaster, "", "", func(o *Options) { o.DisableMetrics = !metricsOn })
	defer br.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	body := string(make([]byte, 1024))
	topics := []string{"B0", "B1", "B2", "B3", "B4", "B5", "B6", "B7"}
	send := func(i int64) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return sendRetryingBusy(ctx, cl, br.Addr(), sendRequest(topics[i%8], -1, body, ""))
	}
	for i := range int64(len(topics)) { // create the topics
		if err := send(i); err != nil {
			b.Fatal(err)
		}
	}
	stopScrapes := scrapeEvery(b, br, 100*time.Millisecond)
	runSenders(b, 16, send)
	stopScrapes()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSendMetricsInterleaved sends to two brokers at once, one with
// metrics on and one with them off, each sender alternating between them,
// so that both see the same machine at the same moment; it reports each
// one's mean send latency and the overhead of metrics (go test -bench
// SendMetricsInterleaved ./broker). With closed-loop senders, throughput is
// inversely proportional to latency, so the overhead is the throughput
// difference.
func BenchmarkSendMetricsInterleaved(b *testing.B) {
	on := newRoleBroker(b, b.TempDir(), RoleAsyncMaster, "", "")
	defer on.Close()
	off := newRoleBroker(b, b.TempDir(), RoleAsyncMaster, "", "", func(o *Options) { o.DisableMetrics = true })
	defer off.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	body := string(make([]byte, 1024))
	topics := []string{"B0", "B1", "B2", "B3", "B4", "B5", "B6", "B7"}
	send := func(br *Broker, i int64) (time.Duration, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		err := sendRetryingBusy(ctx, cl, br.Addr(), sendRequest(topics[(i/2)%8], -1, body, ""))
		return time.Since(start), err
	}
	for i := range int64(16) { // create the topics on both
		for _, br := range []*Broker{on, off} {
			if _, err := send(br, i); err != nil {
				b.Fatal(err)
			}
		}
	}
	stopScrapes := scrapeEvery(b, on, time.Second)
	var spent [2]atomic.Int64 // nanoseconds in sends to on, off
	var count [2]atomic.Int64
	runSenders(b, 16, func(i int64) error {
		mode := int(i % 2)
		d, err := send([]*Broker{on, off}[mode], i)
		spent[mode].Add(int64(d))
		count[mode].Add(1)
		return err
	})
	stopScrapes()
	mean := func(m int) float64 { return float64(spent[m].Load()) / float64(max(count[m].Load(), 1)) / 1e3 }
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(mean(0), "on-us/send")
	b.ReportMetric(mean(1), "off-us/send")
	b.ReportMetric((mean(0)/mean(1)-1)*100, "overhead-%")
}

// sendRetryingBusy sends req, again after a pause while the broker answers
// SYSTEM_BUSY (a stall of the shared machine can keep a send queued past
// waitTimeMillsInSendQueue), as a client backing off would.
func sendRetryingBusy(ctx context.Context, cl *remoting.Client, addr string, req *remoting.Command) error {
	for {
		resp, err := cl.InvokeSync(ctx, addr, req)
		switch {
		case err != nil:
			return err
		case resp.Code == busyForGo:
			time.Sleep(10 * time.Millisecond)
			req = remoting.NewRequest(req.Code, req.ExtFields, req.Body)
		case resp.Code != remoting.ResponseSuccess:
			return errorFromResponse(resp)
		default:
			return nil
		}
	}
}

// scrapeEvery gathers br's registry every period, as a Prometheus scrape
// would, until the returned stop is called (nothing without metrics).
func scrapeEvery(b *testing.B, br *Broker, period time.Duration) (stop func()) {
	reg := br.MetricsRegistry()
	if reg == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if _, err := reg.Gather(); err != nil {
					b.Error(err)
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// runSenders runs b.N sends of 1 KiB, numbered from 1, on senders
// goroutines, timing only them.
func runSenders(b *testing.B, senders int, send func(i int64) error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.SetBytes(1024)
	b.ResetTimer()
	for range senders {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if err := send(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
}

// BenchmarkMetricsPerSend is what the instruments add to one send, without
// the network and the store: the latency observation of the answer, the
// topic's counters, the put latency and the message size (go test -bench
// MetricsPerSend ./broker). Compared with a send's whole cost it bounds the
// overhead of metrics where the machine is too noisy for the end-to-end
// comparison to resolve it.
func BenchmarkMetricsPerSend(b *testing.B) {
	br := newRoleBroker(b, b.TempDir(), RoleAsyncMaster, "", "")
	defer br.Close()
	m := br.metrics
	topics := []string{"B0", "B1", "B2", "B3", "B4", "B5", "B6", "B7"}
	arrived := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			start := time.Now()
			m.stored(topics[i%8], 1, 1024)
			m.messageSize.Observe(1024)
			m.putLatency.Observe(sinceMillis(start))
			m.answered(remoting.RequestSendMessageV2, remoting.ResponseSuccess, sinceMillis(arrived))
		}
	})
}
