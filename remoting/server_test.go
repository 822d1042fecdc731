package remoting

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// echoServer answers code 1 with its ext fields and body, panics on code 2,
// answers code 3 later from another goroutine, and blocks code 4 on block.
func echoServer(t *testing.T, block chan struct{}) (*Server, *Pool) {
	t.Helper()
	pool := NewPool(4, 256)
	s := NewServer(ServerOptions{MaxFrameSize: 1 << 20})
	s.Handle(1, pool, func(c *Conn, req *Command) *Command {
		resp := NewResponse(req, ResponseSuccess, "")
		resp.ExtFields, resp.Body = req.ExtFields, req.Body
		return resp
	})
	s.Handle(2, pool, func(*Conn, *Command) *Command { panic("boom") })
	s.Handle(3, pool, func(c *Conn, req *Command) *Command {
		go func() {
			time.Sleep(5 * time.Millisecond)
			_ = c.Reply(req, NewResponse(req, ResponseSuccess, "late"))
		}()
		return nil
	})
	blocked := NewPool(1, 1)
	s.Handle(4, blocked, func(c *Conn, req *Command) *Command {
		<-block
		return NewResponse(req, ResponseSuccess, "")
	})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		pool.Close()
		blocked.Close()
	})
	return s, pool
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestCallsMatchResponsesByOpaqueInBothEncodings(t *testing.T) {
	s, _ := echoServer(t, nil)
	for _, st := range []SerializeType{JSON, RocketMQ} {
		cl := NewClient(ClientOptions{SerializeType: st})
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Go(func() {
				req := NewRequest(1, map[string]string{"i": fmt.Sprint(i)}, []byte(fmt.Sprintf("body-%d", i)))
				resp, err := cl.InvokeSync(ctx(t), s.Addr(), req)
				if err != nil {
					t.Error(err)
					return
				}
				if !resp.IsResponse() || resp.Opaque != req.Opaque || resp.ExtFields["i"] != fmt.Sprint(i) || string(resp.Body) != fmt.Sprintf("body-%d", i) {
					t.Errorf("%v: request %d got %v", st, i, resp)
				}
			})
		}
		wg.Wait()
		cl.Close()
	}
}

func TestServerAnswersUnknownCodesPanicsAndLateReplies(t *testing.T) {
	s, _ := echoServer(t, nil)
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	for _, c := range []struct {
		code int16
		want int16
	}{{99, ResponseRequestCodeNotSupported}, {2, ResponseSystemError}, {3, ResponseSuccess}, {1, ResponseSuccess}} {
		resp, err := cl.InvokeSync(ctx(t), s.Addr(), NewRequest(c.code, nil, nil))
		if err != nil || resp.Code != c.want {
			t.Fatalf("code %d: %v, %v; want response code %d", c.code, resp, err, c.want)
		}
	}
}

func TestAFullPoolAnswersBusy(t *testing.T) {
	block := make(chan struct{})
	s, _ := echoServer(t, block)
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	results := make(chan int16, 3)
	for range 3 { // one running, one queued, one refused
		cl.InvokeAsync(ctx(t), s.Addr(), NewRequest(4, nil, nil), func(r *Command, err error) {
			if err != nil {
				t.Error(err)
				results <- -1
				return
			}
			results <- r.Code
		})
	}
	select {
	case code := <-results:
		if code != ResponseSystemBusy {
			t.Fatalf("first answer %d, want SYSTEM_BUSY", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no SYSTEM_BUSY answer")
	}
	close(block)
	for range 2 {
		if code := <-results; code != ResponseSuccess {
			t.Fatalf("answer %d after unblocking", code)
		}
	}
}

func TestBadFramesCloseOnlyTheirConnection(t *testing.T) {
	s, _ := echoServer(t, nil)
	for name, frame := range map[string][]byte{
		"too large":  binary.BigEndian.AppendUint32(nil, 64<<20),
		"negative":   binary.BigEndian.AppendUint32(nil, 0xFFFFFFF0),
		"garbage":    append(binary.BigEndian.AppendUint32(nil, 12), 0x07, 0, 0, 4, 1, 2, 3, 4, 5, 6, 7, 8),
		"bad header": append(binary.BigEndian.AppendUint32(nil, 10), 0, 0, 0, 6, '{', '"', 'c', 'o', 'd', 'e'),
	} {
		nc, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nc.Write(frame); err != nil {
			t.Fatal(err)
		}
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := nc.Read(make([]byte, 64)); err == nil {
			t.Fatalf("%s: the server answered %d bytes instead of closing", name, n)
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%s: the connection stayed open", name)
		}
		nc.Close()
	}
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	if _, err := cl.InvokeSync(ctx(t), s.Addr(), NewRequest(1, nil, nil)); err != nil {
		t.Fatalf("server stopped serving after bad frames: %v", err)
	}
}

func TestServerCallsTheClientAndOneways(t *testing.T) {
	got := make(chan *Command, 1)
	pool := NewPool(1, 4)
	defer pool.Close()
	s := NewServer(ServerOptions{})
	var mu sync.Mutex
	var clientConn *Conn
	s.Handle(5, pool, func(c *Conn, req *Command) *Command {
		mu.Lock()
		clientConn = c
		mu.Unlock()
		got <- req
		return nil
	})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cl := NewClient(ClientOptions{Handler: func(c *Conn, req *Command) *Command {
		return NewResponse(req, ResponseSuccess, "client says hi")
	}})
	defer cl.Close()
	if err := cl.InvokeOneway(ctx(t), s.Addr(), NewRequest(5, nil, []byte("x"))); err != nil {
		t.Fatal(err)
	}
	select {
	case req := <-got:
		if !req.IsOneway() || string(req.Body) != "x" {
			t.Fatalf("oneway arrived as %v", req)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("oneway never arrived")
	}
	mu.Lock()
	c := clientConn
	mu.Unlock()
	resp, err := c.Call(ctx(t), NewRequest(RequestNotifyConsumerIDsChanged, nil, nil))
	if err != nil || resp.Remark != "client says hi" {
		t.Fatalf("server → client call: %v, %v", resp, err)
	}
}

func TestCallTimesOutAndVectoredBodies(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	s, _ := echoServer(t, block)
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := cl.InvokeSync(short, s.Addr(), NewRequest(4, nil, nil)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked call: %v", err)
	}

	// A vectored response body arrives as one body.
	pool := NewPool(1, 1)
	defer pool.Close()
	vs := NewServer(ServerOptions{})
	vs.Handle(7, pool, func(c *Conn, req *Command) *Command {
		resp := NewResponse(req, ResponseSuccess, "")
		resp.MarkResponse()
		if err := c.WriteVectored(resp, JSON, [][]byte{[]byte("ab"), []byte("cde"), nil, []byte("f")}, nil); err != nil {
			t.Error(err)
		}
		return nil
	})
	if err := vs.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer vs.Close()
	resp, err := cl.InvokeSync(ctx(t), vs.Addr(), NewRequest(7, nil, nil))
	if err != nil || string(resp.Body) != "abcdef" {
		t.Fatalf("vectored: %v, %v", resp, err)
	}
}

// TestASecondCallWithAPendingOpaqueFails: two requests with one opaque
// would share one response and leave a caller waiting forever; the second
// is refused at once instead.
func TestASecondCallWithAPendingOpaqueFails(t *testing.T) {
	s, _ := echoServer(t, nil)
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	c, err := cl.conn(ctx(t), s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	req := NewRequest(1, nil, nil)
	c.mu.Lock()
	c.pending[req.Opaque] = make(chan reply, 1) // a call still waiting
	c.mu.Unlock()
	if _, err := c.Call(ctx(t), req); !errors.Is(err, ErrOpaqueInUse) {
		t.Fatalf("call with a pending opaque: %v, want ErrOpaqueInUse", err)
	}
	c.forget(req.Opaque)
	if resp, err := c.Call(ctx(t), req); err != nil || resp.Code != ResponseSuccess {
		t.Fatalf("the same request once the opaque is free: %v, %v", resp, err)
	}
}

func TestAClosedPoolRefusesWork(t *testing.T) {
	p := NewPool(1, 1)
	p.Close()
	if p.submit(func() {}) {
		t.Fatal("a closed pool took a job")
	}
	p.Close() // twice is fine
}
