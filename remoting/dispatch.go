package remoting

import (
	"fmt"
	"time"
)

// dispatch runs on the connection's reader: it only queues the request, or
// refuses it.
func (s *Server) dispatch(c *Conn, req *Command) {
	req.arrived = time.Now()
	s.mu.RLock()
	r, ok := s.routes[req.Code]
	s.mu.RUnlock()
	if !ok || req.wideCode != 0 {
		s.refuse(c, req, ResponseRequestCodeNotSupported,
			fmt.Sprintf("request code %d not supported", req.WideCode()), "unsupported request code refused")
		return
	}
	if !r.pool.submit(func() { s.run(r.handle, c, req) }) {
		s.refuse(c, req, ResponseSystemBusy, "too many requests of this kind; try again",
			"request refused: its pool is full")
	}
}

// refuse answers req with code and remark (a oneway gets nothing) and logs
// msg: no request vanishes without a trace.
func (s *Server) refuse(c *Conn, req *Command, code int16, remark, msg string) {
	s.warn.warn(msg, "addr", c.RemoteAddr(), "code", req.WideCode(), "oneway", req.IsOneway())
	if req.IsOneway() {
		c.finish(req)
		return
	}
	if err := c.answer(req, NewResponse(req, code, remark)); err != nil {
		s.log.Debug("refusal not sent", "addr", c.RemoteAddr(), "err", err)
	}
}

// run calls the handler and sends its response.
func (s *Server) run(h Handler, c *Conn, req *Command) {
	resp := s.call(h, c, req)
	if resp == nil || req.IsOneway() {
		c.finish(req)
		return
	}
	if err := c.answer(req, resp); err != nil {
		s.log.Debug("response not sent", "addr", c.RemoteAddr(), "code", req.WideCode(), "err", err)
	}
}

// call calls the interceptor and then the handler, turning a panic into
// SYSTEM_ERROR so that one bad request cannot take the process down.
func (s *Server) call(h Handler, c *Conn, req *Command) (resp *Command) {
	defer func() {
		if p := recover(); p != nil {
			s.warn.warn("handler panicked", "addr", c.RemoteAddr(), "code", req.WideCode(), "panic", fmt.Sprint(p))
			resp = NewResponse(req, ResponseSystemError, fmt.Sprintf("internal error: %v", p))
		}
	}()
	if intercept := s.opts.Intercept; intercept != nil {
		if resp := intercept(c, req); resp != nil {
			return resp
		}
	}
	return h(c, req)
}
