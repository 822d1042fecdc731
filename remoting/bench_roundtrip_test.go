package remoting

import (
	"context"
	"testing"
	"time"
)

// BenchmarkRoundTrip measures calls through a Server and a Client on one
// loopback connection, 64 callers at once, each echoing a 1 KiB body: the
// cost of the server's per-frame work (limits, accounting) on the hot path.
func BenchmarkRoundTrip(b *testing.B) {
	pool := NewPool(4, 10000)
	defer pool.Close()
	s := NewServer(ServerOptions{})
	s.Handle(1, pool, func(c *Conn, req *Command) *Command {
		resp := NewResponse(req, ResponseSuccess, "")
		resp.Body = req.Body
		return resp
	})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cl := NewClient(ClientOptions{SerializeType: RocketMQ})
	defer cl.Close()
	body := make([]byte, 1024)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.SetParallelism(32) // 64 callers on 2 CPUs
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			resp, err := cl.InvokeSync(ctx, s.Addr(), NewRequest(1, nil, body))
			cancel()
			if err != nil || len(resp.Body) != len(body) {
				b.Errorf("call: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
