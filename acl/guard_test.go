package acl

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rocketstore/rocketstore/remoting"
)

// TestGuardOverTCP serves a guarded handler and calls it from a client
// that signs, one that does not, and one that signs with a wrong secret.
func TestGuardOverTCP(t *testing.T) {
	a, _ := openACL(t, checkConfig, nil)
	pool := remoting.NewPool(1, 16)
	s := remoting.NewServer(remoting.ServerOptions{})
	var called atomic.Int32 // the handler runs on a pool worker
	s.Handle(remoting.RequestSendMessageV2, pool, a.Guard(func(_ *remoting.Conn, req *remoting.Command) *remoting.Command {
		called.Add(1)
		return remoting.NewResponse(req, remoting.ResponseSuccess, "")
	}))
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	defer s.Close()
	cl := remoting.NewClient(remoting.ClientOptions{})
	defer cl.Close()

	for _, tc := range []struct {
		name  string
		creds [2]string
		want  int16
	}{
		{"signed", user, remoting.ResponseSuccess},
		{"unsigned", [2]string{}, remoting.ResponseNoPermission},
		{"wrong secret", [2]string{user[0], "wrongSecret"}, remoting.ResponseNoPermission},
	} {
		cmd := req(remoting.RequestSendMessageV2, "a", "pg", "b", "topicB")
		if tc.creds[0] != "" {
			Sign(cmd, tc.creds[0], tc.creds[1])
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := cl.InvokeSync(ctx, s.Addr(), cmd)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if resp.Code != tc.want {
			t.Errorf("%s: response %d (%q), want %d", tc.name, resp.Code, resp.Remark, tc.want)
		}
	}
	if n := called.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want once (only for the signed request)", n)
	}
}
