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
		resp, err := cl.InvokeSync(ctx, br.Addr(), sendRequest(topics[i%8], -1, body, ""))
		if err == nil && resp.Code != remoting.ResponseSuccess {
			err = errorFromResponse(resp)
		}
		return err
	}
	for i := range int64(len(topics)) { // create the topics
		if err := send(i); err != nil {
			b.Fatal(err)
		}
	}
	scrapeDone := make(chan struct{})
	var scraper sync.WaitGroup
	if reg := br.MetricsRegistry(); reg != nil {
		scraper.Go(func() {
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-scrapeDone:
					return
				case <-tick.C:
					if _, err := reg.Gather(); err != nil {
						b.Error(err)
					}
				}
			}
		})
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.SetBytes(1024)
	b.ResetTimer()
	for range 16 {
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
	close(scrapeDone)
	scraper.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
