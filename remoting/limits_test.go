package remoting

import (
	"errors"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heapSampler records the largest live heap seen while it runs.
type heapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak atomic.Uint64
}

// sampleHeap starts sampling; collect forces a GC before each sample, so
// that what is measured is what the server holds, not garbage.
func sampleHeap(collect bool) *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		var ms runtime.MemStats
		for {
			if collect {
				runtime.GC()
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > h.peak.Load() {
				h.peak.Store(ms.HeapAlloc)
			}
			select {
			case <-h.stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return h
}

// end stops sampling and returns the peak.
func (h *heapSampler) end() uint64 {
	close(h.stop)
	<-h.done
	return h.peak.Load()
}

// liveHeap is the heap after a collection.
func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// requests is n encoded requests with code in one buffer, opaques 1..n.
func requests(t testing.TB, code int16, n int) []byte {
	var out []byte
	for i := range n {
		out = append(out, mustEncode(t, &Command{Code: code, Opaque: int32(i + 1)}, RocketMQ)...)
	}
	return out
}

// closedConns collects the connections a server closes, with their errors.
type closedConns struct {
	ch chan error
}

func newClosedConns() *closedConns { return &closedConns{ch: make(chan error, 64)} }

func (cc *closedConns) onClose(c *Conn) {
	select {
	case cc.ch <- c.Err():
	default:
	}
}

// next waits for the next close and checks its error.
func (cc *closedConns) next(t *testing.T, want error) {
	t.Helper()
	var err error
	eventually(t, "a connection to close", func() bool {
		select {
		case err = <-cc.ch:
			return true
		default:
			return false
		}
	})
	if !errors.Is(err, want) {
		t.Fatalf("connection closed with %v, want %v", err, want)
	}
}

// TestANonReadingClientIsDroppedAndMemoryStaysBounded replays issue 13: a
// client asks 1,000 times for a large answer (VIEW_MESSAGE_BY_ID of a big
// message) and reads none. The server drops it once its queue is over
// MaxQueuedBytes, and its heap never holds more than that queue and the
// answers being built.
func TestANonReadingClientIsDroppedAndMemoryStaysBounded(t *testing.T) {
	const answer = 1 << 20
	logs := &logBuffer{}
	closed := newClosedConns()
	s := startServer(t, ServerOptions{Logger: logs.logger(), MaxQueuedBytes: 8 << 20, OnConnClose: closed.onClose},
		map[int16]Handler{33: func(c *Conn, req *Command) *Command {
			resp := NewResponse(req, ResponseSuccess, "")
			resp.Body = make([]byte, answer) // built afresh each time, as a message read from disk is
			return resp
		}})
	base := liveHeap()
	heap := sampleHeap(false)
	rc := dialRaw(t, s.Addr())
	go rc.nc.Write(requests(t, 33, 1000)) // may block once the server stops reading: never read
	closed.next(t, ErrPeerNotReading)
	peak := heap.end()
	logs.waitFor(t, "peer does not read; connection dropped")
	// Without the limits the heap reached 1000 answers (1 GiB). Allowed:
	// the 8 MiB queue, the answers of 8 workers, and garbage not yet
	// collected (GOGC doubles the heap before collecting).
	if limit := base + 64<<20; peak > limit {
		t.Fatalf("heap peaked at %d MiB (from %d MiB)", peak>>20, base>>20)
	}
	t.Logf("heap peak %d MiB, from %d MiB", peak>>20, base>>20)
}

// TestHoldsOfADroppedPeerAreReleased: vectored answers hold memory (commit
// log slices) until written; when their peer is dropped for not reading,
// every hold is released, queued or answered later, and every request is
// finished (its in-flight place and budget given back).
func TestHoldsOfADroppedPeerAreReleased(t *testing.T) {
	var handled, released atomic.Int64
	part := make([]byte, 256<<10)
	closed := newClosedConns()
	pool := NewPool(4, 4096)
	s := NewServer(ServerOptions{MaxQueuedBytes: 2 << 20, OnConnClose: closed.onClose})
	s.Handle(34, pool, func(c *Conn, req *Command) *Command {
		handled.Add(1)
		// Replied from the handler, or later from another goroutine as a
		// suspended pull is.
		reply := func() {
			resp := NewResponse(req, ResponseSuccess, "")
			err := c.ReplyVectored(req, resp, [][]byte{part}, func() { released.Add(1) })
			if err != nil && !errors.Is(err, ErrConnClosed) && !errors.Is(err, ErrPeerNotReading) {
				t.Error(err)
			}
		}
		if req.Opaque%2 == 0 {
			go reply()
		} else {
			reply()
		}
		return nil
	})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	rc := dialRaw(t, s.Addr())
	go rc.nc.Write(requests(t, 34, 500))
	closed.next(t, ErrPeerNotReading)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	pool.Close() // every queued request has run
	eventually(t, "every hold released", func() bool { return released.Load() == handled.Load() })
	if st := s.Stats(); st.QueuedBytes != 0 || st.BufferedRequestBytes != 0 {
		t.Fatalf("after the drop the server still counts %+v", st)
	}
	if handled.Load() == 0 {
		t.Fatal("no request was handled")
	}
}

// TestInflightRequestsAreBoundedByBackpressure: with MaxInflightRequests 4
// and handlers that block, no more than 4 requests of the connection are
// ever in work, yet all of them are answered in the end: the server stops
// reading instead of refusing.
func TestInflightRequestsAreBoundedByBackpressure(t *testing.T) {
	const limit, total = 4, 20
	var running, peak atomic.Int32
	release := make(chan struct{})
	s := startServer(t, ServerOptions{MaxInflightRequests: limit}, map[int16]Handler{
		35: func(c *Conn, req *Command) *Command {
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			<-release
			running.Add(-1)
			return NewResponse(req, ResponseSuccess, "")
		},
	})
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	var wg sync.WaitGroup
	codes := make(chan int16, total)
	for range total {
		wg.Go(func() { codes <- call(t, cl, s.Addr(), NewRequest(35, nil, nil)).Code })
	}
	eventually(t, "the first requests to run", func() bool { return running.Load() == limit })
	close(release)
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != ResponseSuccess {
			t.Fatalf("a request was answered %d", code)
		}
	}
	if p := peak.Load(); p != limit {
		t.Fatalf("%d requests ran at once, limit %d (8 workers could run more)", p, limit)
	}
}

// TestABacklogIsDroppedWhenTheServerQueueIsFull: with a small total for
// queued bytes (and no per-connection limit), a client that does not read
// is dropped once the total is reached, while a client that reads is
// served throughout.
func TestABacklogIsDroppedWhenTheServerQueueIsFull(t *testing.T) {
	logs := &logBuffer{}
	closed := newClosedConns()
	s := startServer(t, ServerOptions{Logger: logs.logger(), MaxQueuedBytes: 1 << 30,
		MaxQueuedBytesTotal: 4 << 20, OnConnClose: closed.onClose},
		map[int16]Handler{36: func(c *Conn, req *Command) *Command {
			resp := NewResponse(req, ResponseSuccess, "")
			resp.Body = make([]byte, 512<<10)
			return resp
		}})
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	call(t, cl, s.Addr(), NewRequest(36, nil, nil))
	rc := dialRaw(t, s.Addr())
	go rc.nc.Write(requests(t, 36, 200))
	closed.next(t, ErrPeerNotReading)
	logs.waitFor(t, "server write queues full")
	if resp := call(t, cl, s.Addr(), NewRequest(36, nil, nil)); len(resp.Body) != 512<<10 {
		t.Fatalf("the reading client got %d bytes", len(resp.Body))
	}
}

// TestAFrameLargerThanTheQueueLimitGoesOutAlone: MaxQueuedBytes does not
// forbid one answer larger than itself.
func TestAFrameLargerThanTheQueueLimitGoesOutAlone(t *testing.T) {
	s := startServer(t, ServerOptions{MaxQueuedBytes: 64 << 10}, nil)
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	body := make([]byte, 900<<10)
	if resp := call(t, cl, s.Addr(), NewRequest(1, nil, body)); len(resp.Body) != len(body) {
		t.Fatalf("echo of %d bytes came back with %d", len(body), len(resp.Body))
	}
}

// TestSheddingDropsTheLargestQueuesFirst: when a frame alone in its queue
// takes the server's queued bytes over their total, the connections with
// the most queued are dropped until the rest fit, and no more.
func TestSheddingDropsTheLargestQueuesFirst(t *testing.T) {
	logs := &logBuffer{}
	s := NewServer(ServerOptions{Logger: logs.logger(), MaxQueuedBytesTotal: 1 << 20, MaxQueuedBytes: 1 << 30})
	defer s.Close()
	// Peers on pipes that nobody reads: the first frame blocks the writer,
	// and everything queued stays counted.
	conn := func() *Conn {
		near, far := net.Pipe()
		t.Cleanup(func() { far.Close() })
		c := newConn(near, &s.cfg)
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		t.Cleanup(func() { c.Close(); c.wait() })
		return c
	}
	write := func(c *Conn, size int) error {
		return c.Write(&Command{Code: 1, Flag: FlagResponse, Body: make([]byte, size)}, RocketMQ)
	}
	large, small, alone := conn(), conn(), conn()
	for range 3 {
		if err := write(large, 200<<10); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := write(small, 150<<10); err != nil {
			t.Fatal(err)
		}
	}
	if err := write(alone, 300<<10); err != nil { // alone in its queue: taken
		t.Fatal(err)
	}
	select {
	case <-large.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the largest queue was not dropped")
	}
	if !errors.Is(large.Err(), ErrPeerNotReading) {
		t.Fatalf("dropped with %v", large.Err())
	}
	if small.isClosed() || alone.isClosed() {
		t.Fatal("more connections were dropped than needed to fit the total")
	}
	logs.waitFor(t, "server write queues full; slowest reader dropped")
}
