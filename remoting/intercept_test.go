package remoting

import (
	"sync/atomic"
	"testing"
)

// TestInterceptAnswersBeforeTheHandler: an interceptor's answer replaces
// the handler's (which does not run); a nil answer lets the handler run.
func TestInterceptAnswersBeforeTheHandler(t *testing.T) {
	var handled atomic.Int32
	pool := NewPool(1, 16)
	defer pool.Close()
	s := NewServer(ServerOptions{Intercept: func(c *Conn, req *Command) *Command {
		if req.ExtFields["key"] != "open" {
			return NewResponse(req, ResponseNoPermission, "no key")
		}
		return nil
	}})
	s.Handle(1, pool, func(c *Conn, req *Command) *Command {
		handled.Add(1)
		return NewResponse(req, ResponseSuccess, "")
	})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cl := NewClient(ClientOptions{})
	defer cl.Close()
	for _, tc := range []struct {
		key     string
		code    int16
		handled int32
	}{{"", ResponseNoPermission, 0}, {"open", ResponseSuccess, 1}, {"shut", ResponseNoPermission, 1}} {
		resp, err := cl.InvokeSync(ctx(t), s.Addr(), NewRequest(1, map[string]string{"key": tc.key}, nil))
		if err != nil || resp.Code != tc.code || handled.Load() != tc.handled {
			t.Fatalf("key %q: %v, %v, handled %d; want code %d, handled %d", tc.key, resp, err, handled.Load(), tc.code, tc.handled)
		}
	}
}
