package broker

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// BenchmarkSendWithACL compares the throughput of one broker with ACL off
// and one with ACL on (every request checked), in the same run: 16
// concurrent senders send 1 KiB messages in rounds of 1,000, alternating
// between the two brokers so that the machine's load drifts alike for
// both. Requests are built and signed before the clock runs (a real client
// signs in its own process). It reports msgs/s of each and on/off, and the
// process's CPU time per message of each (user and system, from
// getrusage), which the load of other processes on the machine changes
// less than it changes throughput.
func BenchmarkSendWithACL(b *testing.B) {
	const round = 1000
	brokers := map[bool]*Broker{}
	for _, on := range []bool{false, true} {
		dir := b.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config", aclFileName), []byte(testACL), 0o600); err != nil {
			b.Fatal(err)
		}
		brokers[on] = newRoleBroker(b, dir, RoleAsyncMaster, "", "", func(o *Options) { o.ACLEnable = on; o.Logger = discardLog })
		defer brokers[on].Close()
	}
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()
	body := strings.Repeat("x", 1024)
	requests := func(on bool, n int) []*remoting.Command {
		reqs := make([]*remoting.Command, n)
		for i := range reqs {
			reqs[i] = sendRequest("Orders", -1, body, "")
			if on {
				signed(reqs[i], producerKeys)
			}
		}
		return reqs
	}
	sendAll := func(on bool, reqs []*remoting.Command) (time.Duration, time.Duration) {
		var next atomic.Int64
		var wg sync.WaitGroup
		cpu := processCPU(b)
		start := time.Now()
		for range 16 {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(len(reqs)); i = next.Add(1) - 1 {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					resp, err := cl.InvokeSync(ctx, brokers[on].Addr(), reqs[i])
					cancel()
					if err == nil && resp.Code != remoting.ResponseSuccess {
						err = errorFromResponse(resp)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start), processCPU(b) - cpu
	}
	for _, on := range []bool{false, true} { // warm both up
		sendAll(on, requests(on, round))
	}
	var took, cpu [2]time.Duration
	var sent int
	b.SetBytes(1024)
	b.ResetTimer()
	for sent < b.N {
		n := min(round, b.N-sent)
		for i, on := range []bool{false, true} {
			b.StopTimer()
			reqs := requests(on, n)
			b.StartTimer()
			wall, used := sendAll(on, reqs)
			took[i] += wall
			cpu[i] += used
		}
		sent += n
	}
	b.StopTimer()
	off, on := float64(sent)/took[0].Seconds(), float64(sent)/took[1].Seconds()
	b.ReportMetric(off, "off-msgs/s")
	b.ReportMetric(on, "on-msgs/s")
	b.ReportMetric(on/off, "on/off")
	b.ReportMetric(float64(cpu[0].Microseconds())/float64(sent), "off-cpu-us/msg")
	b.ReportMetric(float64(cpu[1].Microseconds())/float64(sent), "on-cpu-us/msg")
}

// processCPU is the CPU time the process used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discardLog keeps the benchmarks' brokers quiet.
var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

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
