package remoting

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Errors a connection closes with; Conn.Err returns them (wrapped with
// details) and callers test them with errors.Is.
var (
	// ErrConnClosed reports a call on a connection that closed before its
	// response came.
	ErrConnClosed = errors.New("remoting: connection closed")
	// ErrOpaqueInUse is returned by a call whose request has the opaque of
	// one still awaiting its response on the same connection (build requests
	// with NewRequest, which numbers them).
	ErrOpaqueInUse = errors.New("remoting: opaque already awaits a response on this connection")
	// ErrIdle closes a connection that read and wrote nothing for
	// ServerOptions.IdleTimeout.
	ErrIdle = errors.New("remoting: connection idle")
	// ErrFrameTimeout closes a connection whose frame (or TLS handshake) did
	// not complete within ServerOptions.FrameReadTimeout.
	ErrFrameTimeout = errors.New("remoting: frame not completed in time")
	// ErrPeerNotReading closes a connection whose peer does not read what
	// is written to it: its write queue outgrew its limits, a write timed
	// out, or the server's queued bytes outgrew their total.
	ErrPeerNotReading = errors.New("remoting: peer does not read its responses")
)

// Handler processes one request that arrived on conn. It returns the
// response, or nil when there is none to send now: for a oneway request, or
// when the handler keeps req and answers later with conn.Reply (a suspended
// long-polling pull does). The returned response belongs to the server from
// then on: its Body may be written from where it is, after the handler
// returned, so it must not change.
type Handler func(conn *Conn, req *Command) *Command

// connConfig is what one side, a Server or a Client, sets for all of its
// connections. Zero limits mean none: a Client's connections have none.
type connConfig struct {
	maxFrame     int
	writeTimeout time.Duration
	// handle takes each request read; whoever answers it calls
	// Conn.finish(req) once, when the answer is written or dropped, or
	// when the request needs none.
	handle func(*Conn, *Command)
	log    *slog.Logger
	warn   *rateLog // for what a peer can make happen in a loop

	maxInflight     int32
	maxQueuedFrames int
	maxQueuedBytes  int64
	requestBudget   *requestBudget // bytes of large requests; nil: none
	output          *outputBudget  // all connections' queued bytes; nil: none
}

// Conn is one connection, on either side: it reads frames in its own
// goroutine, completes the calls waiting for responses by opaque, and hands
// requests to its handler. Writes are queued and done by a writer
// goroutine; a call may come from any goroutine.
type Conn struct {
	nc     net.Conn
	cfg    *connConfig
	ctx    context.Context
	cancel context.CancelFunc
	loops  sync.WaitGroup // the reader and the writer

	// Writes are queued and written by one writer goroutine, which takes
	// everything queued at once into one writev: under load many responses
	// share a system call.
	outMu        sync.Mutex
	out          []outItem
	outWake      chan struct{}
	queuedFrames int          // queued or being written; under outMu
	queuedBytes  atomic.Int64 // likewise; changed under outMu, read by shedding

	inflight atomic.Int32  // requests read and not finished
	credit   chan struct{} // the reader waits on it at maxInflight
	activity atomic.Uint64 // frames read and writes done, for the idle sweep
	frameAt  atomic.Int64  // unix ns since a partial frame (or handshake) began; 0: none
	idleSeen uint64        // the sweep's own: activity at idleAt
	idleAt   time.Time     // the sweep's own

	mu      sync.Mutex
	pending map[int32]chan reply
	closed  bool
	done    chan struct{}
	err     error

	// serialize is the header encoding this side writes requests in;
	// responses use the type of the request they answer.
	serialize atomic.Uint32

	remoteOnce sync.Once
	remote     netip.AddrPort // RemoteAddrPort, parsed once
}

// reply is what a call receives: the response, or why there is none.
type reply struct {
	resp *Command
	err  error
}

func newConn(nc net.Conn, cfg *connConfig) *Conn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &Conn{
		nc:      nc,
		cfg:     cfg,
		ctx:     ctx,
		cancel:  cancel,
		pending: make(map[int32]chan reply),
		done:    make(chan struct{}),
		outWake: make(chan struct{}, 1),
		credit:  make(chan struct{}, 1),
	}
	c.loops.Go(c.readLoop)
	c.loops.Go(c.writeLoop)
	return c
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

// TLS reports the connection's TLS state, and false for plain TCP.
func (c *Conn) TLS() (tls.ConnectionState, bool) {
	if tc, ok := c.nc.(*tls.Conn); ok {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

// Done is closed when the connection has closed.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Context is cancelled when the connection closes: work done for its peer
// (a suspended pull, a wait for replication) can stop then.
func (c *Conn) Context() context.Context { return c.ctx }

// Err is why the connection closed (nil while open).
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection; pending calls fail with ErrConnClosed.
func (c *Conn) Close() error {
	_, err := c.fail(ErrConnClosed)
	return err
}

// fail closes the connection for err and reports whether this call was the
// one that closed it.
func (c *Conn) fail(err error) (bool, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false, nil
	}
	c.closed, c.err = true, err
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for _, ch := range pending {
		close(ch)
	}
	close(c.done)
	c.cancel()
	return true, c.nc.Close()
}

// drop closes the connection for a reason of ours, and logs it once.
func (c *Conn) drop(msg string, err error) {
	if closed, _ := c.fail(err); closed {
		c.cfg.warn.warn(msg, "addr", c.RemoteAddr(), "err", err)
	}
}

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// wait returns once the connection's goroutines have ended (after it closed).
func (c *Conn) wait() { c.loops.Wait() }

// finish ends the work for a request handed to the handler: its hold on the
// request budget and its place among the in-flight requests are released.
func (c *Conn) finish(req *Command) {
	if req.held > 0 {
		c.cfg.requestBudget.release(req.held)
		req.held = 0
	}
	if c.inflight.Add(-1) < c.cfg.maxInflight {
		select {
		case c.credit <- struct{}{}:
		default:
		}
	}
}

func (c *Conn) complete(opaque int32, r reply) {
	c.mu.Lock()
	ch, ok := c.pending[opaque]
	delete(c.pending, opaque)
	c.mu.Unlock()
	if ok {
		ch <- r // buffered: never blocks
	}
}

// Call sends req and waits for its response, until ctx ends.
func (c *Conn) Call(ctx context.Context, req *Command) (*Command, error) {
	ch := make(chan reply, 1)
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
	case r, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("%w: %v", ErrConnClosed, c.Err())
		}
		return r.resp, r.err
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
