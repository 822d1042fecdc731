package broker

import (
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// heapPeak samples the heap in use until stop is closed and returns the
// highest value seen.
func heapPeak(stop <-chan struct{}) func() uint64 {
	var peak atomic.Uint64
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	return func() uint64 { wg.Wait(); return peak.Load() }
}

// flood writes n copies of req to a new connection to addr that never
// reads, and returns it.
func flood(t testing.TB, addr string, req *remoting.Command, n int) net.Conn {
	t.Helper()
	frame, err := remoting.Encode(nil, req, remoting.JSON)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range n {
			conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Write(frame); err != nil {
				return // the broker dropped us: what this test wants
			}
		}
	}()
	return conn
}

// TestAClientThatNeverReadsKeepsTheBrokerBounded: 1,000 views of a 4 MiB
// message from a client that never reads its answers: the broker drops
// the client once its answers fill its queue, its heap stays within a
// bound (not 4 GiB), and another client is served meanwhile.
func TestAClientThatNeverReadsKeepsTheBrokerBounded(t *testing.T) {
	f := newOpsFixture(t, func(o *Options) { o.Store.CommitLog.FileSize = 64 << 20 })
	big := strings.Repeat("x", 4<<20-1024)
	phys := offsetOf(t, call(t, f.cl, f.addr, sendRequest("Big", 0, big, "")))
	if err := f.b.store.WaitDispatched(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	peak := heapPeak(stop)
	conn := flood(t, f.addr, viewRequest(phys), 1000)
	defer conn.Close()
	deadline := time.After(60 * time.Second)
	for served := 0; ; served++ {
		select {
		case <-deadline:
			t.Fatal("the non-reading client was not dropped")
		default:
		}
		// Another client is answered while it floods.
		if resp := call(t, f.cl, f.addr, viewRequest(phys)); resp.Code != remoting.ResponseSuccess || len(resp.Body) < len(big) {
			t.Fatalf("view by another client: code %d", resp.Code)
		}
		if f.b.server.Stats().Connections <= 1 && served > 0 {
			break // the broker dropped the peer that does not read
		}
	}
	close(stop)
	grew := int64(peak()) - int64(before.HeapInuse)
	t.Logf("heap in use grew by at most %d MiB during the flood", grew>>20)
	// 1,000 answers of 4 MiB would be 4 GiB; the bound is what a
	// connection may queue (16 MiB), the views in work and the cache.
	if grew > 256<<20 {
		t.Fatalf("heap grew by %d MiB", grew>>20)
	}
}
