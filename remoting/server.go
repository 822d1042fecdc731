package remoting

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Pool is a bounded set of workers for one kind of request (sends, pulls,
// admin...), as RocketMQ gives each processor its own executor: a flood of
// one kind cannot starve the others. A full queue answers SYSTEM_BUSY.
type Pool struct {
	jobs chan func()
	wg   sync.WaitGroup

	mu     sync.RWMutex // submit holds it shared: Close must not close jobs under a sender
	closed bool
}

// NewPool starts workers goroutines with a queue of queue requests.
func NewPool(workers, queue int) *Pool {
	p := &Pool{jobs: make(chan func(), max(queue, 1))}
	for range max(workers, 1) {
		p.wg.Go(func() {
			for job := range p.jobs {
				job()
			}
		})
	}
	return p
}

// submit runs job on a worker, or reports false when the queue is full or
// the pool closed (a connection may still deliver a request while its
// server shuts down).
func (p *Pool) submit(job func()) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	select {
	case p.jobs <- job:
		return true
	default:
		return false
	}
}

// Close stops the workers once the queued jobs ran.
func (p *Pool) Close() {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// ServerOptions configure a Server. Zero values mean defaults.
type ServerOptions struct {
	// MaxFrameSize bounds a frame; larger ones close the connection.
	// Default DefaultMaxFrameSize.
	MaxFrameSize int
	// OnConnClose is told when a connection closes (to drop its clients).
	OnConnClose func(*Conn)
}

type route struct {
	handle Handler
	pool   *Pool
}

// Server accepts connections and routes each request by its code to the
// handler registered for it, on that handler's pool. Unknown codes get
// REQUEST_CODE_NOT_SUPPORTED.
type Server struct {
	opts ServerOptions

	mu     sync.RWMutex
	routes map[int16]route
	conns  map[*Conn]struct{}
	ln     net.Listener
	closed bool
	wg     sync.WaitGroup
}

// NewServer returns a server with no routes.
func NewServer(opts ServerOptions) *Server {
	return &Server{opts: opts, routes: make(map[int16]route), conns: make(map[*Conn]struct{})}
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
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return errors.New("remoting: server closed")
	}
	s.ln = ln
	s.mu.Unlock()
	s.wg.Go(func() { s.accept(ln) })
	return nil
}

// Addr is the listening address.
func (s *Server) Addr() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

func (s *Server) accept(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		c := newConn(nc, s.opts.MaxFrameSize, s.dispatch)
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(func() {
			<-c.Done()
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			if s.opts.OnConnClose != nil {
				s.opts.OnConnClose(c)
			}
		})
	}
}

// dispatch runs on the connection's reader: it only queues the request.
func (s *Server) dispatch(c *Conn, req *Command) {
	req.arrived = time.Now()
	s.mu.RLock()
	r, ok := s.routes[req.Code]
	s.mu.RUnlock()
	if !ok {
		if !req.IsOneway() {
			_ = c.Reply(req, NewResponse(req, ResponseRequestCodeNotSupported, fmt.Sprintf("request code %d not supported", req.Code)))
		}
		return
	}
	job := func() { s.run(r.handle, c, req) }
	if !r.pool.submit(job) && !req.IsOneway() {
		_ = c.Reply(req, NewResponse(req, ResponseSystemBusy, "too many requests of this kind; try again"))
	}
}

// run calls the handler, turning a panic into SYSTEM_ERROR so that one bad
// request cannot take the process down.
func (s *Server) run(h Handler, c *Conn, req *Command) {
	var resp *Command
	func() {
		defer func() {
			if p := recover(); p != nil {
				resp = NewResponse(req, ResponseSystemError, fmt.Sprintf("internal error: %v", p))
			}
		}()
		resp = h(c, req)
	}()
	if resp != nil && !req.IsOneway() {
		_ = c.Reply(req, resp)
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
	ln := s.ln
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	var err error
	if ln != nil {
		err = ln.Close()
	}
	for _, c := range conns {
		c.Close()
	}
	s.wg.Wait()
	return err
}
