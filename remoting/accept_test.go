package remoting

import (
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// failingListener fails its first fails Accepts with EMFILE, as a process
// out of file descriptors does.
type failingListener struct {
	net.Listener
	fails atomic.Int32
}

func (l *failingListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestAcceptErrorsBackOffAndServingGoesOn: Accept failing with EMFILE does
// not end the accept loop; the server logs it, waits, and serves the
// client that was waiting. Close still ends the loop.
func TestAcceptErrorsBackOffAndServingGoesOn(t *testing.T) {
	logs := &logBuffer{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &failingListener{Listener: ln}
	fl.fails.Store(6) // 5+10+20+40+80+160 ms of back-off
	pool := NewPool(1, 16)
	defer pool.Close()
	s := NewServer(ServerOptions{Logger: logs.logger()})
	s.Handle(1, pool, echoHandler)
	if err := s.Serve(fl); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	call(t, cl, s.Addr(), NewRequest(1, nil, nil))
	if waited := time.Since(began); waited < 300*time.Millisecond {
		t.Fatalf("served after %v: the failures were not backed off", waited)
	}
	if fl.fails.Load() >= 0 {
		t.Fatal("not every failure was seen")
	}
	logs.waitFor(t, "accept failed; retrying", "too many open files")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTheConnectionCapRefusesTheNextOne: with MaxConnections 3, a fourth
// connection is closed at once with a log line; once one of the three
// goes, a new one is served.
func TestTheConnectionCapRefusesTheNextOne(t *testing.T) {
	logs := &logBuffer{}
	s := startServer(t, ServerOptions{Logger: logs.logger(), MaxConnections: 3}, nil)
	var open []*rawConn
	for range 3 {
		rc := dialRaw(t, s.Addr())
		rc.send(mustEncode(t, &Command{Code: 1, Opaque: 1}, JSON))
		rc.read()
		open = append(open, rc)
	}
	extra := dialRaw(t, s.Addr())
	if !extra.closedByServer() {
		t.Fatal("the fourth connection stayed open")
	}
	logs.waitFor(t, "connection refused: too many connections", "max=3")
	open[0].nc.Close()
	eventually(t, "the server to see a connection go", func() bool { return s.Stats().Connections == 2 })
	rc := dialRaw(t, s.Addr())
	rc.send(mustEncode(t, &Command{Code: 1, Opaque: 2}, JSON))
	if resp := rc.read(); resp.Opaque != 2 {
		t.Fatalf("a new connection under the cap read %v", resp)
	}
}

// TestTheConnContextEndsWithTheConnection: handlers can tie work for a
// peer (a suspended pull) to Conn.Context, which ends when the peer goes.
func TestTheConnContextEndsWithTheConnection(t *testing.T) {
	got := make(chan *Conn, 1)
	s := startServer(t, ServerOptions{}, map[int16]Handler{60: func(c *Conn, req *Command) *Command {
		got <- c
		return NewResponse(req, ResponseSuccess, c.RemoteAddr())
	}})
	cl := NewClient(ClientOptions{})
	resp := call(t, cl, s.Addr(), NewRequest(60, nil, nil))
	c := <-got
	if c.Context().Err() != nil {
		t.Fatal("the context ended while the connection is open")
	}
	if resp.Remark == "" || c.RemoteAddrPort().Port() == 0 {
		t.Fatalf("the handler did not see the peer's address: %q", resp.Remark)
	}
	cl.Close()
	select {
	case <-c.Context().Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the context outlived the connection")
	}
	if c.Err() == nil {
		t.Fatal("a closed connection has no error")
	}
}
