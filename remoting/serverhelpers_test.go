package remoting

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/internal/lograte"
)

// logBuffer collects log lines for tests that check what the server says.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// logger returns a logger writing text lines into l.
func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// waitFor waits until a logged line contains every one of parts.
func (l *logBuffer) waitFor(t *testing.T, parts ...string) {
	t.Helper()
	eventually(t, "a log line with "+strings.Join(parts, ", "), func() bool {
		for line := range strings.SplitSeq(l.String(), "\n") {
			if containsAll(line, parts) {
				return true
			}
		}
		return false
	})
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// eventually waits, with a generous deadline, for cond to hold.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// echoHandler answers with the request's ext fields and body.
func echoHandler(c *Conn, req *Command) *Command {
	resp := NewResponse(req, ResponseSuccess, "")
	resp.ExtFields, resp.Body = req.ExtFields, req.Body
	return resp
}

// startServer starts a server on 127.0.0.1:0 with echoHandler on code 1
// (plus whatever handlers add) and closes it with its pool at cleanup.
func startServer(t *testing.T, opts ServerOptions, handlers map[int16]Handler) *Server {
	t.Helper()
	pool := NewPool(8, 4096)
	s := NewServer(opts)
	s.warn.lim = lograte.Unlimited() // tests look for each line; TestRateLog covers the limit
	s.Handle(1, pool, echoHandler)
	for code, h := range handlers {
		s.Handle(code, pool, h)
	}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		pool.Close()
	})
	return s
}

// rawConn is a client that writes and reads frames by hand.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	r  *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// send writes bytes as they are.
func (rc *rawConn) send(b []byte) {
	rc.t.Helper()
	if _, err := rc.nc.Write(b); err != nil {
		rc.t.Fatal(err)
	}
}

// sendJSON writes a frame with the given JSON header text and body.
func (rc *rawConn) sendJSON(header string, body []byte) {
	rc.t.Helper()
	rc.send(cat(be32(int32(4+len(header)+len(body))), withHeaderWord(0, []byte(header), body)))
}

// read reads one frame and decodes it.
func (rc *rawConn) read() *Command {
	rc.t.Helper()
	if err := rc.nc.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		rc.t.Fatal(err)
	}
	frame, err := ReadFrame(rc.r, 0, nil)
	if err != nil {
		rc.t.Fatalf("reading a response: %v", err)
	}
	c, _, err := Decode(frame)
	if err != nil {
		rc.t.Fatalf("decoding a response: %v", err)
	}
	return c
}

// closedByServer reports whether the server closed the connection (a read
// ends with an error other than a timeout) within a generous deadline.
func (rc *rawConn) closedByServer() bool {
	if err := rc.nc.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return true
	}
	for {
		if _, err := rc.r.ReadByte(); err != nil {
			ne, ok := err.(net.Error)
			return !ok || !ne.Timeout()
		}
	}
}

// call makes a normal round trip through a Client, failing the test on error.
func call(t *testing.T, cl *Client, addr string, req *Command) *Command {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cl.InvokeSync(ctx, addr, req)
	if err != nil {
		t.Fatalf("call %v: %v", req, err)
	}
	return resp
}
