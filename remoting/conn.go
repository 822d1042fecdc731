package remoting

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ErrConnClosed reports a call on a connection that closed before its
// response came.
var ErrConnClosed = errors.New("remoting: connection closed")

// ErrOpaqueInUse is returned by a call whose request has the opaque of one
// still awaiting its response on the same connection (build requests with
// NewRequest, which numbers them).
var ErrOpaqueInUse = errors.New("remoting: opaque already awaits a response on this connection")

// Handler processes one request that arrived on conn. It returns the
// response, or nil when there is none to send now: for a oneway request, or
// when the handler keeps req and answers later with conn.Reply (a suspended
// long-polling pull does).
type Handler func(conn *Conn, req *Command) *Command

// Conn is one connection, on either side: it reads frames in its own
// goroutine, completes the calls waiting for responses by opaque, and hands
// requests to its handler. Writes are serialized; a call may come from any
// goroutine.
type Conn struct {
	nc       net.Conn
	maxFrame int
	handle   func(*Conn, *Command)

	// Writes are queued and written by one writer goroutine, which takes
	// everything queued at once into one writev: under load many responses
	// share a system call.
	outMu   sync.Mutex
	out     []outItem
	outWake chan struct{}

	mu      sync.Mutex
	pending map[int32]chan *Command
	closed  bool
	done    chan struct{}
	err     error

	// serialize is the header encoding this side writes requests in;
	// responses use the type of the request they answer.
	serialize atomic.Uint32

	remoteOnce sync.Once
	remote     netip.AddrPort // RemoteAddrPort, parsed once
}

func newConn(nc net.Conn, maxFrame int, handle func(*Conn, *Command)) *Conn {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrameSize
	}
	c := &Conn{
		nc:       nc,
		maxFrame: maxFrame,
		handle:   handle,
		pending:  make(map[int32]chan *Command),
		done:     make(chan struct{}),
		outWake:  make(chan struct{}, 1),
	}
	go c.readLoop()
	go c.writeLoop()
	return c
}

// outItem is one queued frame: its buffers, and what to do once they are
// written (or dropped because the connection closed).
type outItem struct {
	bufs [][]byte
	done func()
}

// enqueue queues a frame for the writer.
func (c *Conn) enqueue(it outItem) error {
	c.outMu.Lock()
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		c.outMu.Unlock()
		if it.done != nil {
			it.done()
		}
		return ErrConnClosed
	}
	c.out = append(c.out, it)
	c.outMu.Unlock()
	select {
	case c.outWake <- struct{}{}:
	default:
	}
	return nil
}

func (c *Conn) writeLoop() {
	var bufs net.Buffers
	for {
		select {
		case <-c.outWake:
		case <-c.done:
			c.outMu.Lock()
			items := c.out
			c.out = nil
			c.outMu.Unlock()
			finish(items)
			return
		}
		// Let the goroutines that are about to queue frames (other
		// handlers' responses, other callers' requests) do so first, so
		// that one writev carries them all: on loopback a write costs as
		// much as handling a small request, and one per frame took a third
		// of a busy broker's CPU.
		runtime.Gosched()
		c.outMu.Lock()
		items := c.out
		c.out = nil
		c.outMu.Unlock()
		bufs = bufs[:0]
		for _, it := range items {
			bufs = append(bufs, it.bufs...)
		}
		_ = c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
		w := bufs // WriteTo consumes its receiver
		_, err := w.WriteTo(c.nc)
		finish(items)
		if err != nil {
			c.fail(err)
		}
	}
}

func finish(items []outItem) {
	for _, it := range items {
		if it.done != nil {
			it.done()
		}
	}
}

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() string { return c.nc.RemoteAddr().String() }

// RemoteAddrPort is the peer's address parsed once (a broker stamps it on
// every message as the born host).
func (c *Conn) RemoteAddrPort() netip.AddrPort {
	c.remoteOnce.Do(func() {
		if tcp, ok := c.nc.RemoteAddr().(*net.TCPAddr); ok {
			c.remote = tcp.AddrPort()
		}
	})
	return c.remote
}

// Done is closed when the connection has closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection closed (nil while open).
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection; pending calls fail with ErrConnClosed.
func (c *Conn) Close() error { return c.fail(ErrConnClosed) }

func (c *Conn) fail(err error) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed, c.err = true, err
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, ch := range pending {
		close(ch)
	}
	close(c.done)
	return c.nc.Close()
}

func (c *Conn) readLoop() {
	r := bufio.NewReaderSize(c.nc, 64<<10)
	for {
		frame, err := ReadFrame(r, c.maxFrame, nil)
		if err != nil {
			c.fail(err)
			return
		}
		cmd, st, err := Decode(frame)
		if err != nil {
			// A frame we cannot parse leaves the stream unusable for
			// this peer: it is told nothing more, and the connection goes.
			c.fail(err)
			return
		}
		cmd.serialize = st
		if cmd.IsResponse() {
			c.complete(cmd)
			continue
		}
		c.handle(c, cmd)
	}
}

func (c *Conn) complete(resp *Command) {
	c.mu.Lock()
	ch, ok := c.pending[resp.Opaque]
	delete(c.pending, resp.Opaque)
	c.mu.Unlock()
	if ok {
		ch <- resp // buffered: never blocks
	}
}

// Write queues one command for sending.
func (c *Conn) Write(cmd *Command, st SerializeType) error {
	buf, err := Encode(nil, cmd, st)
	if err != nil {
		return err
	}
	return c.enqueue(outItem{bufs: [][]byte{buf}})
}

// WriteVectored queues cmd with its body given as parts, which are written
// after the header without being copied (a pull response's records,
// straight from the commit log). done runs once they are written or
// dropped, to release them.
func (c *Conn) WriteVectored(cmd *Command, st SerializeType, parts [][]byte, done func()) error {
	bodyLen := 0
	for _, p := range parts {
		bodyLen += len(p)
	}
	cmd.Body = nil
	head, err := Encode(nil, cmd, st)
	if err != nil {
		if done != nil {
			done()
		}
		return err
	}
	// Encode wrote a frame without body: patch the length to include it.
	total := len(head) - prefixLength + bodyLen
	head[0], head[1], head[2], head[3] = byte(total>>24), byte(total>>16), byte(total>>8), byte(total)
	return c.enqueue(outItem{bufs: append([][]byte{head}, parts...), done: done})
}

// Reply sends resp, the answer to req, in req's serialize type.
func (c *Conn) Reply(req, resp *Command) error {
	resp.Opaque = req.Opaque
	resp.MarkResponse()
	return c.Write(resp, req.serialize)
}

// Call sends req and waits for its response, until ctx ends.
func (c *Conn) Call(ctx context.Context, req *Command) (*Command, error) {
	ch := make(chan *Command, 1)
	c.mu.Lock()
	if c.closed {
		err := c.err
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: %v", ErrConnClosed, err)
	}
	if _, busy := c.pending[req.Opaque]; busy {
		// A second call with the same opaque would take the first one's
		// response and leave the first waiting forever.
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: %d", ErrOpaqueInUse, req.Opaque)
	}
	c.pending[req.Opaque] = ch
	c.mu.Unlock()
	if err := c.Write(req, c.serializeType()); err != nil {
		c.forget(req.Opaque)
		return nil, err
	}
	select {
	case resp, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("%w: %v", ErrConnClosed, c.Err())
		}
		return resp, nil
	case <-ctx.Done():
		c.forget(req.Opaque)
		return nil, ctx.Err()
	}
}

// Oneway sends req without waiting for anything.
func (c *Conn) Oneway(req *Command) error {
	req.MarkOneway()
	return c.Write(req, c.serializeType())
}

func (c *Conn) forget(opaque int32) {
	c.mu.Lock()
	delete(c.pending, opaque)
	c.mu.Unlock()
}

func (c *Conn) serializeType() SerializeType { return SerializeType(c.serialize.Load()) }

// SetSerializeType chooses the header encoding of this side's requests.
func (c *Conn) SetSerializeType(st SerializeType) { c.serialize.Store(uint32(st)) }

// writeTimeout is how long a write may block before the peer counts as
// gone.
const writeTimeout = 10 * time.Second

// ReplyVectored answers req with resp, whose body is parts written without
// being copied; done runs once they are written or dropped.
func (c *Conn) ReplyVectored(req, resp *Command, parts [][]byte, done func()) error {
	resp.Opaque = req.Opaque
	resp.MarkResponse()
	return c.WriteVectored(resp, req.serialize, parts, done)
}
