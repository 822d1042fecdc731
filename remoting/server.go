package remoting

import (
	"cmp"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrServerClosed is returned by Serve and Listen after Close.
var ErrServerClosed = errors.New("remoting: server closed")

// Server accepts connections and routes each request by its code to the
// handler registered for it, on that handler's pool. Unknown codes get
// REQUEST_CODE_NOT_SUPPORTED. Its options bound what peers can make it
// hold; see ServerOptions.
type Server struct {
	opts ServerOptions
	log  *slog.Logger
	warn *rateLog
	cfg  connConfig
	tls  *tls.Config

	mu        sync.RWMutex
	routes    map[int16]route
	conns     map[*Conn]struct{}
	listeners []net.Listener
	closed    bool

	quit       chan struct{} // closed by Close
	sweepOnce  sync.Once
	wg         sync.WaitGroup
	shedMu     sync.Mutex  // one shedding at a time
	shedWanted atomic.Bool // queues grew past the total since shedding last looked
}

type route struct {
	handle Handler
	pool   *Pool
}

// NewServer returns a server with no routes.
func NewServer(opts ServerOptions) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:   opts,
		log:    opts.Logger,
		warn:   newRateLog(opts.Logger, rateLogInterval),
		tls:    opts.TLSConfig,
		routes: make(map[int16]route),
		conns:  make(map[*Conn]struct{}),
		quit:   make(chan struct{}),
	}
	s.cfg = connConfig{
		maxFrame:        opts.MaxFrameSize,
		writeTimeout:    opts.WriteTimeout,
		handle:          s.dispatch,
		log:             s.log,
		warn:            s.warn,
		maxInflight:     int32(min(opts.MaxInflightRequests, 1<<30)),
		maxQueuedFrames: opts.MaxQueuedFrames,
		maxQueuedBytes:  int64(opts.MaxQueuedBytes),
		requestBudget:   newRequestBudget(opts.MaxBufferedRequestBytes),
		output:          &outputBudget{max: opts.MaxQueuedBytesTotal, shed: s.shed},
	}
	return s
}

// Handle registers h for requests with code, run on pool.
func (s *Server) Handle(code int16, pool *Pool, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[code] = route{handle: h, pool: pool}
}

// Listen listens on addr ("127.0.0.1:9876") and serves in the background.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("remoting: listen %s: %w", addr, err)
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln in the background until Close, which
// closes ln. A failing Accept (out of file descriptors, say) is retried
// after a pause, 5 ms doubling to 1 s; only a closed listener ends it.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	s.sweepOnce.Do(func() { s.wg.Go(s.sweepLoop) })
	s.wg.Go(func() { s.accept(ln) })
	return nil
}

// Addr is the address of the first listener ("" before Listen).
func (s *Server) Addr() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.listeners) == 0 {
		return ""
	}
	return s.listeners[0].Addr().String()
}

// Accept back-off bounds, as net/http's Server uses.
const (
	acceptRetryFirst = 5 * time.Millisecond
	acceptRetryMax   = time.Second
)

func (s *Server) accept(ln net.Listener) {
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			delay = min(max(2*delay, acceptRetryFirst), acceptRetryMax)
			s.warn.warn("accept failed; retrying", "addr", ln.Addr().String(), "err", err, "retry_in", delay)
			select {
			case <-time.After(delay):
				continue
			case <-s.quit:
				return
			}
		}
		delay = 0
		s.serveConn(nc)
	}
}

// serveConn starts a connection for nc, unless the server is closed or
// already has its maximum of connections.
func (s *Server) serveConn(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(true); err != nil {
			s.log.Debug("set TCP_NODELAY failed", "addr", nc.RemoteAddr().String(), "err", err)
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if len(s.conns) >= s.opts.MaxConnections {
		s.mu.Unlock()
		nc.Close()
		s.warn.warn("connection refused: too many connections", "addr", nc.RemoteAddr().String(),
			"max", s.opts.MaxConnections)
		return
	}
	if s.tls != nil {
		nc = tls.Server(nc, s.tls)
	}
	c := newConn(nc, &s.cfg)
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	s.wg.Go(func() {
		<-c.Done()
		c.wait()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		if s.opts.OnConnClose != nil {
			s.opts.OnConnClose(c)
		}
	})
}

// sweepLoop closes connections whose frame is overdue or that are idle.
// Doing it from one goroutine, rather than with read deadlines, keeps
// timers off the path of every frame.
func (s *Server) sweepLoop() {
	idle, frame := s.opts.IdleTimeout, s.opts.FrameReadTimeout
	every := frame
	if idle > 0 {
		every = min(every, idle)
	}
	t := time.NewTicker(min(max(every/4, 5*time.Millisecond), time.Second))
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case now := <-t.C:
			s.mu.RLock()
			for c := range s.conns {
				c.sweep(now, idle, frame)
			}
			s.mu.RUnlock()
		}
	}
}

// shed disconnects connections, those with the most queued bytes first,
// until the server's queued bytes are within their total again: those
// peers read the slowest. One shedding runs at a time; a call that finds
// one under way leaves it a note to look again, so that growth while it
// ran is not missed.
func (s *Server) shed() {
	s.shedWanted.Store(true)
	for s.shedWanted.Load() {
		if !s.shedMu.TryLock() {
			return // the one under way will look again
		}
		s.shedWanted.Store(false)
		s.shedOnce()
		s.shedMu.Unlock()
	}
}

// shedOnce drops the largest queues of one snapshot of the connections
// until the rest fit the total.
func (s *Server) shedOnce() {
	type queue struct {
		c     *Conn
		bytes int64
	}
	var (
		queues []queue
		live   int64
	)
	s.mu.RLock()
	for c := range s.conns {
		if c.isClosed() {
			continue // its queue is being dropped
		}
		if q := c.queuedBytes.Load(); q > 0 {
			queues = append(queues, queue{c, q})
			live += q
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(queues, func(a, b queue) int { return cmp.Compare(b.bytes, a.bytes) })
	for _, q := range queues {
		if live <= s.opts.MaxQueuedBytesTotal {
			return
		}
		q.c.drop("server write queues full; slowest reader dropped",
			fmt.Errorf("%w: %d of the server's %d queued bytes", ErrPeerNotReading, q.bytes, live))
		live -= q.bytes
	}
}

// Close stops accepting, closes every connection and waits for the
// server's goroutines. Pools belong to the caller.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	listeners := s.listeners
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	close(s.quit)
	var errs []error
	for _, ln := range listeners {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for _, c := range conns {
		c.Close()
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// ServerStats is a snapshot of what a server holds for its peers.
type ServerStats struct {
	// Connections is the number of open connections.
	Connections int
	// QueuedBytes is the bytes waiting to be written, over all connections.
	QueuedBytes int64
	// BufferedRequestBytes is what large request frames hold of
	// MaxBufferedRequestBytes.
	BufferedRequestBytes int64
}

// Stats returns a snapshot of the server's connections and buffers.
func (s *Server) Stats() ServerStats {
	s.mu.RLock()
	n := len(s.conns)
	s.mu.RUnlock()
	return ServerStats{
		Connections:          n,
		QueuedBytes:          s.cfg.output.total.Load(),
		BufferedRequestBytes: s.cfg.requestBudget.held.Load(),
	}
}
