package remoting

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// FuzzServerUnderMixedFrames drives a server with a script of writes on up
// to four raw connections — raw bytes, well-formed requests (echoed,
// panicking, answered vectored, unsupported), well-formed frames with a
// byte changed, closes — while a well-behaved client keeps calling on its
// own connection. Whatever the attackers send, the client's every call is
// answered correctly, and once everyone is gone the server holds nothing.
func FuzzServerUnderMixedFrames(f *testing.F) {
	f.Add([]byte{2, 1, 0, 3, 0, 4, 1, 9, 2, 5, 3, 1})
	f.Add(append([]byte{3, 0, 0, 12}, mustEncode(f, &Command{Code: 1, Opaque: 1}, JSON)[:12]...))
	f.Add([]byte{4, 0x10, 0, 8, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x21, 7, 0x32, 1, 0x43, 0})
	f.Add(append([]byte{1, 0, 0, 40}, jsonFrame(`{"code":1,"opaque":3,"extFields":{"q":[1]}}`)...))
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) == 0 {
			return
		}
		s := fuzzServer(t)
		attackers := make([]net.Conn, 1+int(script[0])%4)
		for i := range attackers {
			nc, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			if script[0]&0x80 == 0 { // readers, or not: both must be survived
				go io.Copy(io.Discard, nc)
			}
			attackers[i] = nc
		}
		cl := NewClient(ClientOptions{})
		defer cl.Close()
		for step, p := 0, 1; p+1 < len(script); step++ {
			op, arg := script[p], script[p+1]
			p += 2
			nc := attackers[int(op>>4)%len(attackers)]
			var out []byte
			switch op & 0x3 {
			case 0: // arg raw bytes from the script
				n := min(int(arg), len(script)-p)
				out = script[p : p+n]
				p += n
			case 1: // a well-formed request
				out = mustEncode(t, &Command{Code: []int16{1, 2, 3, 999}[arg%4], Opaque: int32(arg),
					Flag: FlagOneway * int32(arg>>7), ExtFields: map[string]string{"a": "b"}}, SerializeType(arg>>6&1))
			case 2: // a well-formed frame with one byte changed
				out = mustEncode(t, &Command{Code: 1, Opaque: int32(step), Remark: "mutant"}, SerializeType(arg&1))
				out[int(arg)%len(out)] ^= 0x5a
			case 3:
				nc.Close()
			}
			if len(out) > 0 {
				if err := nc.SetWriteDeadline(time.Now().Add(50 * time.Millisecond)); err == nil {
					nc.Write(out) // the server may have closed it or stopped reading: both are fine
				}
			}
			if step%4 == 0 {
				fuzzCheckCall(t, cl, s.Addr(), script[:p])
			}
		}
		fuzzCheckCall(t, cl, s.Addr(), script)
		for _, nc := range attackers {
			nc.Close()
		}
		cl.Close()
		eventually(t, "the server to let go of everything", func() bool {
			st := s.Stats()
			return st.Connections == 0 && st.QueuedBytes == 0 && st.BufferedRequestBytes == 0
		})
	})
}

// fuzzServer is a server with small limits: code 1 echoes, 2 panics, 3
// answers vectored from another goroutine.
func fuzzServer(t *testing.T) *Server {
	return startServer(t, ServerOptions{
		MaxFrameSize:            256 << 10,
		MaxBufferedRequestBytes: 256 << 10,
		FrameReadTimeout:        time.Second,
		MaxInflightRequests:     8,
		MaxQueuedBytes:          64 << 10,
		Logger:                  (&logBuffer{}).logger(),
	}, map[int16]Handler{
		2: func(*Conn, *Command) *Command { panic("fuzz") },
		3: func(c *Conn, req *Command) *Command {
			go c.ReplyVectored(req, NewResponse(req, ResponseSuccess, ""), [][]byte{[]byte("ab"), []byte("c")}, nil)
			return nil
		},
	})
}

// fuzzCheckCall makes an echo call that must come back exactly.
func fuzzCheckCall(t *testing.T, cl *Client, addr string, body []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body = bytes.Clone(body[:min(len(body), 64<<10)])
	resp, err := cl.InvokeSync(ctx, addr, NewRequest(1, map[string]string{"n": "1"}, body))
	if err != nil {
		t.Fatalf("the well-behaved client's call failed: %v", err)
	}
	if resp.Code != ResponseSuccess || resp.ExtFields["n"] != "1" || !bytes.Equal(resp.Body, body) {
		t.Fatalf("the well-behaved client got %v", resp)
	}
}
