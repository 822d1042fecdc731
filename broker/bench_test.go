package broker

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/rocketstore/rocketstore/remoting"
)

// BenchmarkSendByRole sends 1 KiB messages from 16 concurrent senders to an
// ASYNC_MASTER and a SYNC_MASTER, each with a slave, over loopback, and
// reports msgs/s and send-latency percentiles: the difference is what
// waiting for the slave adds.
func BenchmarkSendByRole(b *testing.B) {
	for _, role := range []Role{RoleAsyncMaster, RoleSyncMaster} {
		b.Run(string(role), func(b *testing.B) {
			master := benchBroker(b, role, "", "")
			defer master.Close()
			slave := benchBroker(b, RoleSlave, master.HAAddr(), master.Addr())
			defer slave.Close()
			cl := remoting.NewClient(remoting.ClientOptions{})
			defer cl.Close()
			body := string(make([]byte, 1024))
			send := func() (time.Duration, error) { return timedSend(cl, master.Addr(), body, nil) }
			// Warm up until the slave is in sync (a sync master answers
			// SLAVE_NOT_AVAILABLE before).
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, err := send(); err == nil {
					break
				}
				if time.Now().After(deadline) {
					b.Fatal("the slave never came in sync")
				}
				time.Sleep(10 * time.Millisecond)
			}
			measureSends(b, 16, send)
		})
	}
}

// timedSend sends body to addr and returns how long until it was stored,
// or why not. With busy, a send flow control refuses (SYSTEM_BUSY, or
// SERVICE_NOT_AVAILABLE to a Go client: stored nothing) is sent again, as
// a client would, within the time, and counted in busy.
func timedSend(cl *remoting.Client, addr, body string, busy *atomic.Int64) (time.Duration, error) {
	start := time.Now()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := cl.InvokeSync(ctx, addr, sendRequest("Bench", -1, body, ""))
		cancel()
		switch {
		case err != nil:
			return 0, err
		case busy != nil && (resp.Code == remoting.ResponseSystemBusy || resp.Code == remoting.ResponseServiceNotAvailable):
			busy.Add(1)
			time.Sleep(time.Millisecond)
			continue
		case resp.Code != remoting.ResponseSuccess:
			return time.Since(start), errorFromResponse(resp)
		}
		return time.Since(start), nil
	}
}

// measureSends runs b.N sends from senders goroutines and reports msgs/s
// and the send-latency percentiles.
func measureSends(b *testing.B, senders int, send func() (time.Duration, error)) {
	hist := hdrhistogram.New(1, 10_000_000, 3)
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	b.SetBytes(1024)
	b.ResetTimer()
	for range senders {
		wg.Go(func() {
			local := hdrhistogram.New(1, 10_000_000, 3)
			for next.Add(1) <= int64(b.N) {
				d, err := send()
				if err != nil {
					b.Error(err)
					return
				}
				_ = local.RecordValue(d.Microseconds())
			}
			mu.Lock()
			hist.Merge(local)
			mu.Unlock()
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(hist.ValueAtQuantile(50)), "p50-us")
	b.ReportMetric(float64(hist.ValueAtQuantile(99)), "p99-us")
}

func errorFromResponse(resp *remoting.Command) error {
	return &responseError{code: resp.Code, remark: resp.Remark}
}

type responseError struct {
	code   int16
	remark string
}

func (e *responseError) Error() string {
	return "response " + strconv.Itoa(int(e.code)) + ": " + e.remark
}
