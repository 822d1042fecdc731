package remoting

import (
	"testing"
	"time"
)

func TestConnCountAndPoolQueue(t *testing.T) {
	block := make(chan struct{})
	s, _ := echoServer(t, block)
	if n := s.ConnCount(); n != 0 {
		t.Fatalf("%d connections before any client", n)
	}
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	done := make(chan struct{}, 2)
	for range 2 { // code 4 runs on a pool of one worker and a queue of one
		cl.InvokeAsync(ctx(t), s.Addr(), NewRequest(4, nil, nil), func(*Command, error) { done <- struct{}{} })
	}
	p := s.routes[4].pool
	deadline := time.Now().Add(5 * time.Second)
	for p.Queued() != 1 || s.ConnCount() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("queued %d, connections %d; want 1 and 1", p.Queued(), s.ConnCount())
		}
		time.Sleep(time.Millisecond)
	}
	if p.Capacity() != 1 {
		t.Fatalf("capacity %d, want 1", p.Capacity())
	}
	close(block)
	<-done
	<-done
	cl.Close()
	for s.ConnCount() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the closed connection is still counted")
		}
		time.Sleep(time.Millisecond)
	}
}
