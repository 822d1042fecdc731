package broker

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// BenchmarkSendWithACL sends 1 KiB messages from 16 concurrent senders to
// one broker with ACL off and to one with ACL on (every request signed and
// checked), in the same run, and reports msgs/s: what access control costs.
func BenchmarkSendWithACL(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "config", aclFileName), []byte(testACL), 0o600); err != nil {
				b.Fatal(err)
			}
			br := newRoleBroker(b, dir, RoleAsyncMaster, "", "", func(o *Options) { o.ACLEnable = on })
			defer br.Close()
			cl := remoting.NewClient(remoting.ClientOptions{})
			defer cl.Close()
			body := strings.Repeat("x", 1024)
			send := func() error {
				req := sendRequest("Orders", -1, body, "")
				if on {
					signed(req, producerKeys)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				resp, err := cl.InvokeSync(ctx, br.Addr(), req)
				if err == nil && resp.Code != remoting.ResponseSuccess {
					err = errorFromResponse(resp)
				}
				return err
			}
			if err := send(); err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			var wg sync.WaitGroup
			b.SetBytes(1024)
			b.ResetTimer()
			for range 16 {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						if err := send(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkNonReadingClients opens 1,000 connections that each send views
// of a 256 KiB message and never read the answers, and reports the peak of
// the broker's heap in use (MiB) until the broker has dropped them all
// (those whose answers fill their queue at once, the others when they
// have been idle for the server's IdleTimeout, 120 s), and how long that
// took. b.N is ignored: one flood per run.
func BenchmarkNonReadingClients(b *testing.B) {
	const clients, perClient = 1000, 200
	br := newRoleBroker(b, b.TempDir(), RoleAsyncMaster, "", "", func(o *Options) { o.Store.CommitLog.FileSize = 64 << 20 })
	defer br.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	phys := offsetOf(b, call(b, cl, br.Addr(), sendRequest("Big", 0, strings.Repeat("x", 256<<10), "")))
	if err := br.store.WaitDispatched(5 * time.Second); err != nil {
		b.Fatal(err)
	}
	baseline := br.server.Stats().Connections
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	peak := heapPeak(stop)
	b.ResetTimer()
	conns := make([]net.Conn, clients)
	for i := range conns {
		conns[i] = flood(b, br.Addr(), viewRequest(phys), perClient)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for br.server.Stats().Connections > baseline && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	b.StopTimer()
	close(stop)
	left := max(0, br.server.Stats().Connections-baseline)
	for _, c := range conns {
		c.Close()
	}
	b.ReportMetric(float64(peak()>>20), "peak-heap-MiB")
	b.ReportMetric(float64(before.HeapInuse>>20), "idle-heap-MiB")
	b.ReportMetric(float64(left), "clients-left")
}
