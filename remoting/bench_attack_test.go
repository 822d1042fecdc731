package remoting

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkNonReadingClients measures the memory of a server under 1,000
// clients that each send requests for 16 KiB answers and never read one,
// with default limits (but a 2 s write timeout, to end sooner). It reports
// the peak heap in use while the attack lasts (sampled every 10 ms; it
// includes garbage the collector has not reclaimed yet), the peak of the
// server's queued bytes, and how the server let go of the connections. Without limits the answers asked
// for (1,000 × requests × 16 KiB) would all be held.
func BenchmarkNonReadingClients(b *testing.B) {
	for _, requestsEach := range []int{100, 1000} {
		b.Run(fmt.Sprintf("clients=1000/requests=%d/answer=16KiB", requestsEach), func(b *testing.B) {
			benchNonReading(b, 1000, requestsEach, 16<<10)
		})
	}
}

func benchNonReading(b *testing.B, clients, requestsEach, answer int) {
	var notReading atomic.Int64 // connections dropped for not reading
	pool := NewPool(8, 100000)
	defer pool.Close()
	s := NewServer(ServerOptions{
		WriteTimeout: 2 * time.Second,
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnConnClose: func(c *Conn) {
			if errors.Is(c.Err(), ErrPeerNotReading) {
				notReading.Add(1)
			}
		},
	})
	s.Handle(33, pool, func(c *Conn, req *Command) *Command {
		resp := NewResponse(req, ResponseSuccess, "")
		resp.Body = make([]byte, answer)
		return resp
	})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	load := requests(b, 33, requestsEach)
	requested := float64(clients) * float64(requestsEach) * float64(answer)
	var peakInuse, peakSys uint64
	var peakQueued int64
	openAfter, dropped := 0, int64(0)
	for b.Loop() {
		base := liveHeap()
		notReading.Store(0)
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				peakQueued = max(peakQueued, s.Stats().QueuedBytes)
				peakInuse = max(peakInuse, ms.HeapInuse)
				peakSys = max(peakSys, ms.Sys)
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
		conns := make([]net.Conn, 0, clients)
		for range clients {
			nc, err := net.Dial("tcp", s.Addr())
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, nc)
			go nc.Write(load) // blocks once the server stops reading; never reads
		}
		// The attack is over when every connection is gone, or the server
		// has nothing queued for a second: the kernel's socket buffers took
		// the rest, and those clients are left to the idle timeout.
		deadline := time.Now().Add(2 * time.Minute)
		for quiet := time.Now(); s.Stats().Connections > 0 && time.Since(quiet) < time.Second; {
			if time.Now().After(deadline) {
				b.Fatalf("%d connections still open", s.Stats().Connections)
			}
			if s.Stats().QueuedBytes > 0 {
				quiet = time.Now()
			}
			time.Sleep(10 * time.Millisecond)
		}
		openAfter, dropped = s.Stats().Connections, notReading.Load()
		close(stop)
		<-sampled
		for _, nc := range conns {
			nc.Close()
		}
		for s.Stats().Connections > 0 { // the next round starts from none
			time.Sleep(10 * time.Millisecond)
		}
		b.Logf("live heap before %.1f MiB", float64(base)/(1<<20))
	}
	b.ReportMetric(float64(peakInuse)/(1<<20), "peak-heap-inuse-MiB")
	b.ReportMetric(float64(peakSys)/(1<<20), "peak-sys-MiB")
	b.ReportMetric(float64(openAfter), "conns-open-after")
	b.ReportMetric(float64(peakQueued)/(1<<20), "peak-queued-MiB")
	b.ReportMetric(requested/(1<<20), "asked-for-MiB")
	b.ReportMetric(float64(dropped), "conns-dropped-not-reading")
}

// BenchmarkPartialFrames replays the other half of issue 13: 64
// connections each send 15 MiB of a 16 MiB frame and stall. It reports the
// peak heap in use until the frame deadline (2 s here) cuts them, with the
// default MaxBufferedRequestBytes (256 MiB); without it they held 1.5 GB.
func BenchmarkPartialFrames(b *testing.B) {
	const conns, sent = 64, 15 << 20
	s := NewServer(ServerOptions{FrameReadTimeout: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	chunk := cat(be32(DefaultMaxFrameSize-4), make([]byte, sent))
	var peakInuse uint64
	var peakHeld int64
	for b.Loop() {
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				peakInuse = max(peakInuse, ms.HeapInuse)
				peakHeld = max(peakHeld, s.Stats().BufferedRequestBytes)
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
		for range conns {
			nc, err := net.Dial("tcp", s.Addr())
			if err != nil {
				b.Fatal(err)
			}
			defer nc.Close()
			go nc.Write(chunk) // stalls once the server stops reading
		}
		for s.Stats().Connections < conns { // all in, long before the deadline
			time.Sleep(time.Millisecond)
		}
		for s.Stats().Connections > 0 {
			time.Sleep(10 * time.Millisecond)
		}
		close(stop)
		<-sampled
	}
	b.ReportMetric(float64(peakInuse)/(1<<20), "peak-heap-inuse-MiB")
	b.ReportMetric(float64(peakHeld)/(1<<20), "peak-buffered-request-MiB")
	b.ReportMetric(float64(conns)*sent/(1<<20), "sent-MiB")
}
