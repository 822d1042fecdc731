package remoting

import (
	"testing"
	"time"
)

// TestSlowlorisFramesAreCutAtTheDeadline: a peer that starts a frame and
// never finishes it (a partial prefix, or a prefix and a few bytes) is
// disconnected once FrameReadTimeout passes; a connection that merely
// waits between frames is not, and other clients are served meanwhile.
func TestSlowlorisFramesAreCutAtTheDeadline(t *testing.T) {
	logs := &logBuffer{}
	closed := newClosedConns()
	s := startServer(t, ServerOptions{Logger: logs.logger(), FrameReadTimeout: 300 * time.Millisecond,
		OnConnClose: closed.onClose}, nil)
	waiting := dialRaw(t, s.Addr()) // between frames: not partial
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	for name, start := range map[string][]byte{
		"half a prefix":         {0, 0},
		"a prefix and 10 bytes": cat(be32(1000), []byte{0, 0, 0, 10, '{', '"', 'c', 'o', 'd', 'e'}),
	} {
		t.Run(name, func(t *testing.T) {
			began := time.Now()
			rc := dialRaw(t, s.Addr())
			rc.send(start)
			call(t, cl, s.Addr(), NewRequest(1, nil, nil))
			if !rc.closedByServer() {
				t.Fatal("the partial frame was not cut")
			}
			closed.next(t, ErrFrameTimeout)
			if waited := time.Since(began); waited < 300*time.Millisecond {
				t.Fatalf("cut after %v, before the deadline", waited)
			}
		})
	}
	logs.waitFor(t, "frame not completed in time")
	waiting.send(mustEncode(t, &Command{Code: 1, Opaque: 3}, JSON))
	if resp := waiting.read(); resp.Opaque != 3 {
		t.Fatalf("the waiting connection read %v", resp)
	}
}

// TestPartialFramesAreBoundedAcrossConnections: 16 connections each send
// 900 KiB of a 1 MiB frame and stop. Only what MaxBufferedRequestBytes
// allows (two frames) is read and held; the rest wait unread, in TCP. Once
// the frame deadline cuts them, the budget is free again for a real frame.
func TestPartialFramesAreBoundedAcrossConnections(t *testing.T) {
	const frame, sent, conns = 1 << 20, 900 << 10, 16
	s := startServer(t, ServerOptions{MaxFrameSize: frame, MaxBufferedRequestBytes: 2 * frame,
		FrameReadTimeout: 2 * time.Second}, nil)
	base := liveHeap()
	heap := sampleHeap(true)
	chunk := cat(be32(frame-4), make([]byte, sent))
	for range conns {
		rc := dialRaw(t, s.Addr())
		go rc.nc.Write(chunk) // blocks while the server does not read it
	}
	eventually(t, "the budget to fill", func() bool { return s.Stats().BufferedRequestBytes == 2*(frame-4) })
	eventually(t, "the deadline to cut the partial frames", func() bool {
		st := s.Stats()
		return st.BufferedRequestBytes == 0 && st.Connections == 0
	})
	peak := heap.end()
	// Two frames of 1 MiB are allowed (and the copies left while their
	// buffers grew); all sixteen would be 14 MiB and more.
	if limit := base + 6<<20; peak > limit {
		t.Fatalf("live heap peaked at %.1f MiB (from %.1f MiB)", float64(peak)/(1<<20), float64(base)/(1<<20))
	}
	t.Logf("live heap peaked at %.1f MiB (from %.1f MiB)", float64(peak)/(1<<20), float64(base)/(1<<20))
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	if resp := call(t, cl, s.Addr(), NewRequest(1, nil, make([]byte, sent))); len(resp.Body) != sent {
		t.Fatalf("a real frame after the attack came back with %d bytes", len(resp.Body))
	}
}

// TestIdleConnectionsAreClosed: a connection that reads and writes nothing
// for IdleTimeout is closed; one that keeps talking stays open, on the same
// connection.
func TestIdleConnectionsAreClosed(t *testing.T) {
	const idle = time.Second
	logs := &logBuffer{}
	closed := newClosedConns()
	s := startServer(t, ServerOptions{Logger: logs.logger(), IdleTimeout: idle, OnConnClose: closed.onClose}, nil)
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	call(t, cl, s.Addr(), NewRequest(1, nil, nil))
	first, err := cl.conn(ctx(t), s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	rc := dialRaw(t, s.Addr())
	for !rc.closedSince(began, 50*time.Millisecond) { // talk meanwhile, more often than idle
		call(t, cl, s.Addr(), NewRequest(1, nil, nil))
	}
	if waited := time.Since(began); waited < idle {
		t.Fatalf("closed after %v, before the idle timeout", waited)
	}
	closed.next(t, ErrIdle)
	logs.waitFor(t, "idle connection closed")
	if again, _ := cl.conn(ctx(t), s.Addr()); again != first {
		t.Fatal("the talking connection was closed too")
	}
}

// closedSince reports whether the server closed the connection, waiting at
// most wait; it fails the test when that has not happened within 10 s of
// began.
func (rc *rawConn) closedSince(began time.Time, wait time.Duration) bool {
	rc.t.Helper()
	if time.Since(began) > 10*time.Second {
		rc.t.Fatal("the idle connection was never closed")
	}
	if err := rc.nc.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return true
	}
	_, err := rc.r.ReadByte()
	if err == nil {
		rc.t.Fatal("the server sent bytes to an idle connection")
	}
	ne, ok := err.(interface{ Timeout() bool })
	return !ok || !ne.Timeout()
}
