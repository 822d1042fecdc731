package remoting

import (
	"testing"
	"time"
)

// TestArrivedIsTakenWhenTheFrameIsRead shows that a request queued behind
// a busy worker keeps the time it was read, not the time it started to run:
// a handler can tell how long it waited in its pool's queue.
func TestArrivedIsTakenWhenTheFrameIsRead(t *testing.T) {
	pool := NewPool(1, 4)
	defer pool.Close()
	release := make(chan struct{})
	waited := make(chan time.Duration, 2)
	s := NewServer(ServerOptions{})
	s.Handle(1, pool, func(c *Conn, req *Command) *Command {
		if req.Arrived().IsZero() {
			t.Error("request without an arrival time")
		}
		waited <- time.Since(req.Arrived())
		<-release
		return NewResponse(req, ResponseSuccess, "")
	})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	done := make(chan error, 2)
	for range 2 {
		cl.InvokeAsync(ctx(t), s.Addr(), NewRequest(1, nil, nil), func(_ *Command, err error) { done <- err })
	}
	first := <-waited // the first runs at once; the second queues behind it
	const hold = 50 * time.Millisecond
	time.Sleep(hold)
	close(release)
	second := <-waited
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if second < hold || second < first {
		t.Fatalf("queued request waited %v by its arrival time, want at least %v", second, hold)
	}
	if NewRequest(1, nil, nil).Arrived() != (time.Time{}) {
		t.Fatal("a command built locally has an arrival time")
	}
}
