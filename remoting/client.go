package remoting

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"
)

// ClientOptions configure a Client. Zero values mean defaults.
type ClientOptions struct {
	// DialTimeout bounds connecting (and the TLS handshake). Default 3 s.
	DialTimeout time.Duration
	// MaxFrameSize bounds a frame read. Default DefaultMaxFrameSize.
	MaxFrameSize int
	// SerializeType is the header encoding of requests. Default JSON.
	SerializeType SerializeType
	// Handler answers requests the peer sends on our connections (a broker
	// asking a client); nil answers REQUEST_CODE_NOT_SUPPORTED.
	Handler Handler
	// TLSConfig, when set, makes the client speak TLS; without a ServerName
	// it checks the certificate against the host of the address dialed.
	// Default nil: plain TCP.
	TLSConfig *tls.Config
	// Logger receives the client's log lines. Default slog.Default().
	Logger *slog.Logger
}

// Client calls servers by address over one reused connection each.
type Client struct {
	opts ClientOptions
	log  *slog.Logger
	cfg  connConfig

	mu     sync.Mutex
	conns  map[string]*Conn
	closed bool
}

// NewClient returns a client with no connections yet.
func NewClient(opts ClientOptions) *Client {
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 3 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	cl := &Client{opts: opts, log: opts.Logger, conns: make(map[string]*Conn)}
	cl.cfg = connConfig{
		maxFrame:     opts.MaxFrameSize,
		writeTimeout: DefaultWriteTimeout,
		handle:       cl.handle,
		log:          cl.log,
		warn:         newRateLog(cl.log, rateLogInterval),
	}
	return cl
}

// conn returns the open connection to addr, dialing when there is none.
func (cl *Client) conn(ctx context.Context, addr string) (*Conn, error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.closed {
		return nil, ErrConnClosed
	}
	if c, ok := cl.conns[addr]; ok {
		select {
		case <-c.Done():
			delete(cl.conns, addr)
		default:
			return c, nil
		}
	}
	nc, err := cl.dial(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("remoting: dial %s: %w", addr, err)
	}
	c := newConn(nc, &cl.cfg)
	c.SetSerializeType(cl.opts.SerializeType)
	cl.conns[addr] = c
	return c, nil
}

func (cl *Client) dial(ctx context.Context, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: cl.opts.DialTimeout}
	if cl.opts.TLSConfig == nil {
		return d.DialContext(ctx, "tcp", addr)
	}
	td := &tls.Dialer{NetDialer: d, Config: cl.opts.TLSConfig}
	return td.DialContext(ctx, "tcp", addr)
}

// handle answers a request from the peer, on the connection's reader.
func (cl *Client) handle(c *Conn, req *Command) {
	var resp *Command
	if cl.opts.Handler != nil {
		resp = cl.opts.Handler(c, req)
	} else {
		resp = NewResponse(req, ResponseRequestCodeNotSupported, "client takes no requests")
	}
	if resp == nil || req.IsOneway() {
		c.finish(req)
		return
	}
	if err := c.answer(req, resp); err != nil {
		cl.log.Debug("response not sent", "addr", c.RemoteAddr(), "code", req.WideCode(), "err", err)
	}
}

// InvokeSync sends req to addr and waits for the response until ctx ends.
func (cl *Client) InvokeSync(ctx context.Context, addr string, req *Command) (*Command, error) {
	c, err := cl.conn(ctx, addr)
	if err != nil {
		return nil, err
	}
	return c.Call(ctx, req)
}

// InvokeAsync sends req and calls done with the response or the error, from
// another goroutine.
func (cl *Client) InvokeAsync(ctx context.Context, addr string, req *Command, done func(*Command, error)) {
	go func() { done(cl.InvokeSync(ctx, addr, req)) }()
}

// InvokeOneway sends req without waiting for a response.
func (cl *Client) InvokeOneway(ctx context.Context, addr string, req *Command) error {
	c, err := cl.conn(ctx, addr)
	if err != nil {
		return err
	}
	return c.Oneway(req)
}

// Close closes every connection and waits for their goroutines.
func (cl *Client) Close() error {
	cl.mu.Lock()
	conns := cl.conns
	cl.conns, cl.closed = nil, true
	cl.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	for _, c := range conns {
		c.wait()
	}
	return nil
}
