package remoting

import (
	"crypto/tls"
	"log/slog"
	"time"
)

// ServerOptions configure a Server. Zero values mean the documented
// defaults; where RocketMQ has the same setting its default is used.
//
// Together the limits bound what peers can make the server hold: frames
// being read (MaxBufferedRequestBytes, FrameReadTimeout), requests in work
// per connection (MaxInflightRequests), answers waiting to be written
// (MaxQueuedFrames, MaxQueuedBytes, MaxQueuedBytesTotal) and connections
// (MaxConnections, IdleTimeout).
type ServerOptions struct {
	// MaxFrameSize bounds a frame, its 4-byte length included; larger ones
	// close the connection. Default DefaultMaxFrameSize (16 MiB, RocketMQ's
	// com.rocketmq.remoting.frameMaxLength).
	MaxFrameSize int
	// OnConnClose is told when a connection closes (to drop its clients).
	OnConnClose func(*Conn)
	// Logger receives the server's log lines. Default slog.Default().
	Logger *slog.Logger
	// TLSConfig, when set, makes the server speak TLS on every accepted
	// connection (it needs a certificate). Default nil: plain TCP.
	TLSConfig *tls.Config
	// Intercept, when set, sees every request before its handler, on the
	// handler's pool worker (RocketMQ's RPCHook.doBeforeRequest): a non-nil
	// answer is sent instead of calling the handler. Access control goes
	// here, so that every code registered is checked. Default nil.
	Intercept func(c *Conn, req *Command) *Command

	// MaxConnections is how many connections may be open at once; one
	// accepted above it is closed at once, with a log line. Default 10000.
	MaxConnections int
	// IdleTimeout closes a connection that read and wrote nothing for this
	// long, as RocketMQ's serverChannelMaxIdleTimeSeconds does. Clients
	// heartbeat every 30 s, so they are never idle this long. Default 120 s;
	// negative disables it.
	IdleTimeout time.Duration
	// FrameReadTimeout is how long a frame may take to arrive once its first
	// byte has (and a TLS handshake once the connection is accepted); a
	// peer that trickles a frame slower is disconnected. Default 30 s.
	FrameReadTimeout time.Duration
	// WriteTimeout is how long one write may block before the peer counts
	// as gone. Default 10 s.
	WriteTimeout time.Duration

	// MaxInflightRequests is how many requests of one connection may be in
	// work at once: queued for a pool, being handled, or answered but not yet
	// written. At the limit the server stops reading that connection until
	// one finishes (backpressure, as Netty's auto-read switched off), so a
	// client that pipelines more waits instead of failing. Requests a handler
	// keeps to answer later (suspended pulls) do not count once the handler
	// returned. While the limit holds reading, responses from that peer wait
	// too: a handler must not wait on a call to its own peer. Default 256.
	MaxInflightRequests int
	// MaxQueuedFrames is how many frames may wait to be written to one
	// connection; above it the peer counts as not reading and is
	// disconnected. Default 16384.
	MaxQueuedFrames int
	// MaxQueuedBytes is how many bytes may wait to be written to one
	// connection; above it the peer counts as not reading and is
	// disconnected. One frame larger than this is still written when it is
	// alone in the queue. Default 16 MiB.
	MaxQueuedBytes int
	// MaxQueuedBytesTotal bounds the bytes waiting to be written over all
	// connections; above it the connection with the most queued bytes is
	// disconnected. Default 256 MiB.
	MaxQueuedBytesTotal int64
	// MaxBufferedRequestBytes bounds, over all connections, the bytes of
	// frames larger than 64 KiB that are being read or whose request is in
	// work. A connection whose next frame does not fit waits, unread, until
	// others finish; its FrameReadTimeout runs meanwhile. It is raised to
	// MaxFrameSize when lower. Default 256 MiB.
	MaxBufferedRequestBytes int64
}

// Server option defaults.
const (
	DefaultMaxConnections          = 10000
	DefaultIdleTimeout             = 120 * time.Second
	DefaultFrameReadTimeout        = 30 * time.Second
	DefaultWriteTimeout            = 10 * time.Second
	DefaultMaxInflightRequests     = 256
	DefaultMaxQueuedFrames         = 16384
	DefaultMaxQueuedBytes          = 16 << 20
	DefaultMaxQueuedBytesTotal     = 256 << 20
	DefaultMaxBufferedRequestBytes = 256 << 20
)

// withDefaults returns o with zero fields set to their defaults.
func (o ServerOptions) withDefaults() ServerOptions {
	setDefault(&o.MaxFrameSize, DefaultMaxFrameSize)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	setDefault(&o.MaxConnections, DefaultMaxConnections)
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	setDefault(&o.FrameReadTimeout, DefaultFrameReadTimeout)
	setDefault(&o.WriteTimeout, DefaultWriteTimeout)
	setDefault(&o.MaxInflightRequests, DefaultMaxInflightRequests)
	setDefault(&o.MaxQueuedFrames, DefaultMaxQueuedFrames)
	setDefault(&o.MaxQueuedBytes, DefaultMaxQueuedBytes)
	setDefault(&o.MaxQueuedBytesTotal, DefaultMaxQueuedBytesTotal)
	setDefault(&o.MaxBufferedRequestBytes, DefaultMaxBufferedRequestBytes)
	o.MaxBufferedRequestBytes = max(o.MaxBufferedRequestBytes, int64(o.MaxFrameSize))
	return o
}

// setDefault sets *v to def when it is zero or negative.
func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
